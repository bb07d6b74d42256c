/** Small in-memory traces for tests and benchmarks. */
import { allocateBatch, computeNextAccess, type RequestBatch } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';

/** A batch from explicit keys (and optional sizes), with next-access positions filled. */
export function traceOf(keys: number[], sizes?: number[]): RequestBatch {
  const b = allocateBatch(keys.length);
  b.length = keys.length;
  keys.forEach((k, i) => {
    b.key[i] = k;
    b.time[i] = i;
    b.size[i] = sizes?.[i] ?? 1;
  });
  return computeNextAccess(b);
}

/**
 * Zipf(α) requests over `objects` keys, mixed with one-hit scans (a fraction `scan` of requests
 * go to never-repeated keys), which is where frequency-aware eviction beats LRU.
 */
export function zipfTrace(n: number, objects: number, alpha: number, seed: number, scan = 0): RequestBatch {
  const rng = seedrandom(`zipf-${seed}`);
  const cdf = new Float64Array(objects);
  let sum = 0;
  for (let i = 0; i < objects; i++) cdf[i] = sum += 1 / Math.pow(i + 1, alpha);
  const b = allocateBatch(n);
  b.length = n;
  let fresh = objects;
  for (let i = 0; i < n; i++) {
    let key: number;
    if (rng() < scan) key = fresh++;
    else {
      const u = rng() * sum;
      let lo = 0;
      let hi = objects - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      key = lo;
    }
    b.key[i] = key;
    b.time[i] = i;
    b.size[i] = 1;
  }
  return computeNextAccess(b);
}
