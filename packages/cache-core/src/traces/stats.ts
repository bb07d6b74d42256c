/**
 * Trace statistics: requests, distinct objects, bytes, one-hit wonders and the reuse-distance
 * (LRU stack distance) distribution, computed in O(n log n) with a Fenwick tree.
 */
import type { RequestBatch } from './request.js';

export interface ReuseSummary {
  /** Requests that re-reference a key seen before (requests − distinct objects). */
  reuses: number;
  mean: number;
  median: number;
  p90: number;
  p99: number;
  max: number;
}

export interface TraceStats {
  requests: number;
  distinctObjects: number;
  /** Sum of request sizes. */
  bytes: number;
  /** Sum of each object's first-seen size (the footprint a cache holding everything needs). */
  distinctBytes: number;
  /** Objects requested exactly once. */
  oneHitWonders: number;
  /** oneHitWonders / distinctObjects. */
  oneHitWonderRatio: number;
  /** Distinct sessions (0 when the trace has none). */
  sessions: number;
  /** Reuse distance = number of distinct other keys requested since the previous request of the same key. */
  reuseDistance: ReuseSummary;
}

/**
 * Reuse distance of every request: the number of distinct keys requested strictly between this
 * request and the previous request of the same key, or -1 for a first request.
 * Fenwick tree over positions: position p holds 1 while p is the latest request of its key, so
 * the distance is the sum over (previous, i).
 */
export function reuseDistances(batch: RequestBatch): Int32Array {
  const n = batch.length;
  const keys = batch.key;
  const out = new Int32Array(n);
  const tree = new Int32Array(n + 1);
  let maxKey = 0;
  for (let i = 0; i < n; i++) if (keys[i]! >= maxKey) maxKey = keys[i]! + 1;
  const last = new Int32Array(maxKey).fill(-1);
  let marked = 0;
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    const previous = last[key]!;
    if (previous < 0) {
      out[i] = -1;
    } else {
      // marks in (previous, i) = all marks − marks in [0, previous]
      out[i] = marked - prefixSum(tree, previous + 1);
      add(tree, previous + 1, -1);
      marked--;
    }
    add(tree, i + 1, 1);
    marked++;
    last[key] = i;
  }
  return out;
}

function add(tree: Int32Array, index: number, delta: number): void {
  for (let i = index; i < tree.length; i += i & -i) tree[i]! += delta;
}

/** Sum of positions 1..index. */
function prefixSum(tree: Int32Array, index: number): number {
  let sum = 0;
  for (let i = index; i > 0; i -= i & -i) sum += tree[i]!;
  return sum;
}

export function traceStats(batch: RequestBatch): TraceStats {
  const n = batch.length;
  const keys = batch.key;
  let maxKey = 0;
  for (let i = 0; i < n; i++) if (keys[i]! >= maxKey) maxKey = keys[i]! + 1;
  const counts = new Uint32Array(maxKey);
  let bytes = 0;
  let distinctBytes = 0;
  let distinct = 0;
  let maxSession = -1;
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    const size = batch.size[i]!;
    bytes += size;
    if (counts[key]!++ === 0) {
      distinct++;
      distinctBytes += size;
    }
    const session = batch.session[i]!;
    if (session > maxSession) maxSession = session;
  }
  let oneHit = 0;
  for (let k = 0; k < maxKey; k++) if (counts[k] === 1) oneHit++;

  const distances = reuseDistances(batch);
  const reused = new Uint32Array(n - distinct);
  let j = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = distances[i]!;
    if (d >= 0) {
      reused[j++] = d;
      sum += d;
    }
  }
  reused.sort();
  const quantile = (q: number): number => (reused.length === 0 ? 0 : reused[Math.min(reused.length - 1, Math.floor(q * reused.length))]!);
  return {
    requests: n,
    distinctObjects: distinct,
    bytes,
    distinctBytes,
    oneHitWonders: oneHit,
    oneHitWonderRatio: distinct === 0 ? 0 : oneHit / distinct,
    sessions: maxSession + 1,
    reuseDistance: {
      reuses: reused.length,
      mean: reused.length === 0 ? 0 : sum / reused.length,
      median: quantile(0.5),
      p90: quantile(0.9),
      p99: quantile(0.99),
      max: reused.length === 0 ? 0 : reused[reused.length - 1]!,
    },
  };
}

/** Sum of each key's first-seen size: what "100%" means for a byte-sized cache. */
export function distinctBytes(batch: RequestBatch, keyCount: number): number {
  const seen = new Uint8Array(keyCount);
  let total = 0;
  for (let i = 0; i < batch.length; i++) {
    const key = batch.key[i]!;
    if (seen[key] === 0) {
      seen[key] = 1;
      total += batch.size[i]!;
    }
  }
  return total;
}
