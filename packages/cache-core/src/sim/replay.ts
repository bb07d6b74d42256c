/**
 * The replay loop: the one place where "lookup → on miss evict until it fits → insert" lives.
 * A Replayer consumes request batches (a whole in-memory trace, or a stream of batches) and
 * counts; policies only keep state. Nothing is allocated per request.
 */
import { ConfigError } from '../errors.js';
import type { EvictionPolicy } from '../policies/policy.js';
import { UNKNOWN_NEXT_ACCESS, type RequestBatch } from '../traces/request.js';

export type CapacityUnit = 'objects' | 'bytes';

/**
 * Optional prefetch hook (implemented by @cachelab/markov). After each demand request the
 * replayer calls `observe`, then `predict`, and admits the predicted keys that are not resident
 * as if fetched from the origin (their last-seen size counts as fetched bytes). A prefetch counts
 * as issued only when the key is then resident.
 */
export interface Prefetcher {
  /** Sees demand request `i` of `batch` after the cache served it. */
  observe(batch: RequestBatch, i: number, hit: boolean): void;
  /** Writes up to `out.length` keys to prefetch into `out`; returns how many. */
  predict(out: Uint32Array): number;
}

export interface ReplayOptions {
  unit: CapacityUnit;
  /** The first `warmup` requests update the cache but are not counted. Default 0. */
  warmup?: number;
  prefetcher?: Prefetcher;
  /** Most keys one prefetch step may admit (size of the prediction buffer). Default 4. */
  prefetchDegree?: number;
}

export interface ReplayStats {
  requests: number;
  hits: number;
  misses: number;
  bytesRequested: number;
  bytesMissed: number;
  missRatio: number;
  byteMissRatio: number;
  /** Prefetch figures (all 0 without a prefetcher). */
  prefetchesIssued: number;
  prefetchHits: number;
  prefetchBytes: number;
  /** prefetchHits / prefetchesIssued. */
  prefetchAccuracy: number;
}

/**
 * Admits `key` after its lookup missed: evicts until it fits, then inserts. Returns false (and
 * changes nothing) for an object larger than the whole cache, or one the policy's canInsert
 * declines, which are not admitted (libCacheSim semantics: its can_insert runs before any
 * eviction). The replay loop's admission step, for policies that drive inner caches themselves.
 */
export function admitAfterMiss(policy: EvictionPolicy, key: number, size: number, next: number, capacity = policy.capacity): boolean {
  if (size > capacity) return false;
  if (policy.canInsert !== undefined && !policy.canInsert(key, size)) return false;
  while (policy.used + size > capacity && policy.count > 0) policy.evict(key, size);
  policy.insert(key, size, next);
  return true;
}

/** lastSize of a key not requested yet. */
const NOT_SEEN = -1;
/** prefetchedFlag values: admitted by a prefetch counted in prefetchesIssued, or by one made during the warmup. */
const PREFETCHED_COUNTED = 1;
const PREFETCHED_IN_WARMUP = 2;

export class Replayer {
  private requests = 0;
  private hits = 0;
  private bytesRequested = 0;
  private bytesMissed = 0;
  private seen = 0;
  private prefetchesIssued = 0;
  private prefetchHits = 0;
  private prefetchBytes = 0;
  private readonly warmup: number;
  private readonly byteMode: boolean;
  private readonly prefetchOut: Uint32Array;
  /**
   * Last seen size per key (for prefetch admission; NOT_SEEN before its first request, since a
   * size of 0 is real: an access log's `-`) and "admitted by prefetch, not yet demanded"
   * (PREFETCHED_COUNTED or PREFETCHED_IN_WARMUP; 0 otherwise).
   */
  private lastSize = new Float64Array(0);
  private prefetchedFlag = new Uint8Array(0);

  constructor(
    readonly policy: EvictionPolicy,
    private readonly options: ReplayOptions,
  ) {
    this.warmup = options.warmup ?? 0;
    this.byteMode = options.unit === 'bytes';
    this.prefetchOut = new Uint32Array(options.prefetchDegree ?? 4);
  }

  /** Replays `batch.length` requests. */
  feed(batch: RequestBatch): void {
    const policy = this.policy;
    const capacity = policy.capacity;
    const prefetcher = this.options.prefetcher;
    const { key: keys, size: sizes, nextAccess } = batch;
    for (let i = 0; i < batch.length; i++) {
      const key = keys[i]!;
      const realSize = sizes[i]!;
      const size = this.byteMode ? realSize : 1;
      const counted = this.seen++ >= this.warmup;
      const hit = policy.lookup(key, size, nextAccess[i]!);
      if (counted) {
        this.requests++;
        this.bytesRequested += realSize;
      }
      if (hit) {
        if (counted) this.hits++;
        if (prefetcher && key < this.prefetchedFlag.length && this.prefetchedFlag[key] !== 0) {
          // Only a prefetch counted as issued counts as a prefetch hit (not one made in the warmup).
          if (this.prefetchedFlag[key] === PREFETCHED_COUNTED && counted) this.prefetchHits++;
          this.prefetchedFlag[key] = 0;
        }
      } else {
        if (counted) this.bytesMissed += realSize;
        if (prefetcher && key < this.prefetchedFlag.length) this.prefetchedFlag[key] = 0;
        this.admit(key, size, nextAccess[i]!, capacity);
      }
      if (prefetcher) {
        this.rememberSize(key, realSize);
        prefetcher.observe(batch, i, hit);
        this.prefetch(prefetcher, key, counted);
      }
    }
  }

  private admit(key: number, size: number, next: number, capacity: number): boolean {
    return admitAfterMiss(this.policy, key, size, next, capacity);
  }

  private prefetch(prefetcher: Prefetcher, current: number, counted: boolean): void {
    const out = this.prefetchOut;
    const n = prefetcher.predict(out);
    for (let j = 0; j < n; j++) {
      const key = out[j]!;
      if (key === current || key >= this.lastSize.length || this.policy.has(key)) continue;
      const realSize = this.lastSize[key]!;
      if (realSize === NOT_SEEN) continue; // size unknown, cannot fetch
      const size = this.byteMode ? realSize : 1;
      // insert() always follows a lookup that missed: policies keep per-request state there
      // (S3-FIFO/ARC ghost hits, LeCaR regrets), so a prefetch is a miss at fetch time to them.
      this.policy.lookup(key, size, UNKNOWN_NEXT_ACCESS, true);
      // Oracle positions are unknown for prefetched keys. A key the policy declined (larger than
      // the cache, or refused by insert(): S3-FIFO's small FIFO, LIRS) is not a prefetch issued.
      if (!this.admit(key, size, UNKNOWN_NEXT_ACCESS, this.policy.capacity) || !this.policy.has(key)) continue;
      this.prefetchedFlag[key] = counted ? PREFETCHED_COUNTED : PREFETCHED_IN_WARMUP;
      if (counted) {
        this.prefetchesIssued++;
        this.prefetchBytes += realSize;
      }
    }
  }

  private rememberSize(key: number, size: number): void {
    if (key >= this.lastSize.length) {
      const n = Math.max(key + 1, this.lastSize.length * 2, 1024);
      const sizes = new Float64Array(n).fill(NOT_SEEN);
      sizes.set(this.lastSize);
      this.lastSize = sizes;
      const flags = new Uint8Array(n);
      flags.set(this.prefetchedFlag);
      this.prefetchedFlag = flags;
    }
    this.lastSize[key] = size;
  }

  /**
   * The figures once the whole trace has been fed. Unlike `result()` (which also serves running
   * figures), it refuses a replay whose warmup swallowed every request: its ratios would read 0
   * and look like a perfect cache.
   */
  finish(): ReplayStats {
    if (this.warmup > 0 && this.requests === 0) {
      throw new ConfigError('warmup', `a warmup of ${this.warmup} requests covers the whole trace (${this.seen} requests), so nothing was measured; use a warmup below ${this.seen}`);
    }
    return this.result();
  }

  /** The figures so far (requests after the warmup). */
  result(): ReplayStats {
    const misses = this.requests - this.hits;
    return {
      requests: this.requests,
      hits: this.hits,
      misses,
      bytesRequested: this.bytesRequested,
      bytesMissed: this.bytesMissed,
      missRatio: this.requests === 0 ? 0 : misses / this.requests,
      byteMissRatio: this.bytesRequested === 0 ? 0 : this.bytesMissed / this.bytesRequested,
      prefetchesIssued: this.prefetchesIssued,
      prefetchHits: this.prefetchHits,
      prefetchBytes: this.prefetchBytes,
      prefetchAccuracy: this.prefetchesIssued === 0 ? 0 : this.prefetchHits / this.prefetchesIssued,
    };
  }
}

/** Replays an in-memory trace (one batch) through one policy. */
export function replay(policy: EvictionPolicy, trace: RequestBatch, options: ReplayOptions): ReplayStats {
  const replayer = new Replayer(policy, options);
  replayer.feed(trace);
  return replayer.finish();
}
