/**
 * Fills one reused RequestBatch. Readers push requests; when the batch is full they hand it
 * out (`full`), the consumer processes it, and the reader calls `reset()` and goes on.
 */
import { ABSENT, UNKNOWN_NEXT_ACCESS, allocateBatch, type RequestBatch } from './request.js';

export class BatchBuilder {
  readonly batch: RequestBatch;
  private total = 0;

  /** `limit`: after this many requests in all the builder reports full, so a reader stops interning there. */
  constructor(
    readonly capacity: number,
    private readonly limit = Infinity,
  ) {
    this.batch = allocateBatch(Math.min(capacity, Math.max(1, limit)));
  }

  get full(): boolean {
    return this.batch.length === this.capacity || this.total >= this.limit;
  }

  push(time: number, key: number, size: number, session = ABSENT, op = ABSENT, nextAccess = UNKNOWN_NEXT_ACCESS, referrer = ABSENT): void {
    const b = this.batch;
    const i = b.length++;
    this.total++;
    b.time[i] = time;
    b.key[i] = key;
    b.size[i] = size;
    b.session[i] = session;
    b.op[i] = op;
    b.referrer[i] = referrer;
    b.nextAccess[i] = nextAccess;
  }

  reset(): void {
    this.batch.length = 0;
  }
}

/** A growable batch holding a whole trace in memory (used by loadTrace and the generators). */
export class TraceAccumulator {
  private batch: RequestBatch;

  constructor(initialCapacity = 1 << 16) {
    this.batch = allocateBatch(Math.max(1, initialCapacity));
  }

  append(source: RequestBatch): void {
    const need = this.batch.length + source.length;
    if (need > this.batch.key.length) this.grow(Math.max(need, this.batch.key.length * 2));
    const at = this.batch.length;
    const n = source.length;
    const b = this.batch;
    b.time.set(source.time.subarray(0, n), at);
    b.key.set(source.key.subarray(0, n), at);
    b.size.set(source.size.subarray(0, n), at);
    b.session.set(source.session.subarray(0, n), at);
    b.op.set(source.op.subarray(0, n), at);
    b.referrer.set(source.referrer.subarray(0, n), at);
    b.nextAccess.set(source.nextAccess.subarray(0, n), at);
    b.length = need;
  }

  /** The accumulated trace, trimmed so that every column has exactly `length` entries. */
  finish(): RequestBatch {
    const b = this.batch;
    if (b.key.length !== b.length) this.grow(b.length);
    return this.batch;
  }

  private grow(capacity: number): void {
    const old = this.batch;
    const next = allocateBatch(capacity);
    const n = old.length;
    next.time.set(old.time.subarray(0, n));
    next.key.set(old.key.subarray(0, n));
    next.size.set(old.size.subarray(0, n));
    next.session.set(old.session.subarray(0, n));
    next.op.set(old.op.subarray(0, n));
    next.referrer.set(old.referrer.subarray(0, n));
    next.nextAccess.set(old.nextAccess.subarray(0, n));
    next.length = n;
    this.batch = next;
  }
}
