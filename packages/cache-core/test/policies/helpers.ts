/** Test helpers for the policy zoo: small batches, independent reference policies, a checked replay. */
import type { EvictionPolicy } from '../../src/policies/policy.js';
import { Replayer, type CapacityUnit, type Prefetcher, type ReplayStats } from '../../src/sim/replay.js';
import { computeNextAccess } from '../../src/traces/next-access.js';
import { allocateBatch, type RequestBatch } from '../../src/traces/request.js';

/** A batch from keys (and sizes, default 1), with next-access positions filled in. */
export function batchOf(keys: readonly number[], sizes?: readonly number[]): RequestBatch {
  const batch = allocateBatch(keys.length);
  keys.forEach((k, i) => {
    batch.key[i] = k;
    batch.size[i] = sizes?.[i] ?? 1;
    batch.time[i] = i;
  });
  batch.length = keys.length;
  return computeNextAccess(batch);
}

/** Request `i` of a batch as a batch of one (views, no copy). */
export function slice(batch: RequestBatch, i: number): RequestBatch {
  return {
    length: 1,
    time: batch.time.subarray(i, i + 1),
    key: batch.key.subarray(i, i + 1),
    size: batch.size.subarray(i, i + 1),
    session: batch.session.subarray(i, i + 1),
    op: batch.op.subarray(i, i + 1),
    referrer: batch.referrer.subarray(i, i + 1),
    nextAccess: batch.nextAccess.subarray(i, i + 1),
  };
}

/** Hit/miss string ('H'/'M' per request) of a replay through the real simulator loop. */
export function hitPattern(policy: EvictionPolicy, batch: RequestBatch, unit: CapacityUnit = 'objects'): string {
  const replayer = new Replayer(policy, { unit });
  let out = '';
  let hits = 0;
  for (let i = 0; i < batch.length; i++) {
    replayer.feed(slice(batch, i));
    const now = replayer.result().hits;
    out += now > hits ? 'H' : 'M';
    hits = now;
  }
  return out;
}

/**
 * Wraps a policy and checks the interface contract on every call: `has` agrees with `lookup`,
 * an evicted key is no longer resident, and `verify()` plus the used/capacity/count invariants
 * hold after every request (checked by `afterRequest`).
 */
export class CheckedPolicy implements EvictionPolicy {
  /** Keys evicted since the caller last emptied this list. */
  evicted: number[] = [];

  constructor(
    readonly inner: EvictionPolicy,
    private readonly keySpace: number,
  ) {}

  get name(): string {
    return this.inner.name;
  }
  get capacity(): number {
    return this.inner.capacity;
  }
  get used(): number {
    return this.inner.used;
  }
  get count(): number {
    return this.inner.count;
  }

  lookup(key: number, size: number, nextAccess: number, prefetch?: boolean): boolean {
    const resident = this.inner.has(key);
    const hit = this.inner.lookup(key, size, nextAccess, prefetch);
    if (hit !== resident) throw new Error(`${this.name}: has(${key})=${resident} but lookup returned ${hit}`);
    return hit;
  }

  canInsert(key: number, size: number): boolean {
    return this.inner.canInsert?.(key, size) ?? true;
  }

  evict(incomingKey: number, incomingSize: number): number {
    const key = this.inner.evict(incomingKey, incomingSize);
    if (key >= 0 && this.inner.has(key)) throw new Error(`${this.name}: evicted key ${key} is still resident`);
    this.evicted.push(key);
    return key;
  }

  insert(key: number, size: number, nextAccess: number): void {
    this.inner.insert(key, size, nextAccess);
  }

  remove(key: number): boolean {
    return this.inner.remove(key);
  }

  has(key: number): boolean {
    return this.inner.has(key);
  }

  verify(): void {
    this.inner.verify();
  }

  /** Invariants after a request: verify(), used <= capacity, count = resident set, used = their sizes. */
  afterRequest(sizeOf: (key: number) => number): void {
    this.inner.verify();
    if (this.inner.used > this.inner.capacity) throw new Error(`${this.name}: used ${this.inner.used} > capacity ${this.inner.capacity}`);
    let count = 0;
    let used = 0;
    for (let k = 0; k < this.keySpace; k++) {
      if (this.inner.has(k)) {
        count++;
        used += sizeOf(k);
      }
    }
    if (count !== this.inner.count) throw new Error(`${this.name}: count ${this.inner.count}, resident set ${count}`);
    if (used !== this.inner.used) throw new Error(`${this.name}: used ${this.inner.used}, resident sizes ${used}`);
  }
}

/** Replays request by request through the simulator, checking every invariant after each one. */
export function checkedReplay(policy: CheckedPolicy, batch: RequestBatch, unit: CapacityUnit, prefetcher?: Prefetcher): ReplayStats {
  const replayer = new Replayer(policy, prefetcher ? { unit, prefetcher } : { unit });
  // Sizes as admitted: the first size seen for each key (the traces built here keep sizes per key).
  const sizeOf = new Map<number, number>();
  for (let i = 0; i < batch.length; i++) {
    const k = batch.key[i]!;
    if (!sizeOf.has(k)) sizeOf.set(k, unit === 'bytes' ? batch.size[i]! : 1);
  }
  for (let i = 0; i < batch.length; i++) {
    replayer.feed(slice(batch, i));
    policy.afterRequest((k) => sizeOf.get(k) ?? 0);
  }
  return replayer.result();
}

/** Reference LRU on a Map (insertion order = recency), independent of the typed-array code. */
export function mapLruMisses(keys: ArrayLike<number>, sizes: ArrayLike<number> | undefined, capacity: number): number {
  const cache = new Map<number, number>();
  let used = 0;
  let misses = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const size = sizes ? sizes[i]! : 1;
    if (cache.has(k)) {
      const s = cache.get(k)!;
      cache.delete(k);
      cache.set(k, s);
      continue;
    }
    misses++;
    if (size > capacity) continue;
    while (used + size > capacity) {
      const [oldest, s] = cache.entries().next().value as [number, number];
      cache.delete(oldest);
      used -= s;
    }
    cache.set(k, size);
    used += size;
  }
  return misses;
}

/** Reference FIFO on a Map (insertion order = admission order). */
export function mapFifoMisses(keys: ArrayLike<number>, sizes: ArrayLike<number> | undefined, capacity: number): number {
  const cache = new Map<number, number>();
  let used = 0;
  let misses = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const size = sizes ? sizes[i]! : 1;
    if (cache.has(k)) continue;
    misses++;
    if (size > capacity) continue;
    while (used + size > capacity) {
      const [oldest, s] = cache.entries().next().value as [number, number];
      cache.delete(oldest);
      used -= s;
    }
    cache.set(k, size);
    used += size;
  }
  return misses;
}

/**
 * The true minimum number of misses for unit-size objects, by exhaustive search over every
 * eviction choice (memoised on position and cache content). Only for tiny traces.
 */
export function bruteForceMinMisses(keys: readonly number[], capacity: number): number {
  const memo = new Map<string, number>();
  const solve = (i: number, cache: readonly number[]): number => {
    if (i === keys.length) return 0;
    const memoKey = `${i}|${cache.join(',')}`;
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    const k = keys[i]!;
    let best: number;
    if (cache.includes(k)) best = solve(i + 1, cache);
    else if (capacity === 0) best = 1 + solve(i + 1, cache);
    else if (cache.length < capacity) best = 1 + solve(i + 1, [...cache, k].sort((a, b) => a - b));
    else {
      best = Number.POSITIVE_INFINITY;
      for (const victim of cache) {
        const next = [...cache.filter((c) => c !== victim), k].sort((a, b) => a - b);
        best = Math.min(best, 1 + solve(i + 1, next));
      }
    }
    memo.set(memoKey, best);
    return best;
  };
  return solve(0, []);
}
