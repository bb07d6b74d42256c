/**
 * Prefetching measured against the same cache without it: replays a trace twice through fresh
 * policies at the same capacity (demand-only, then with a MarkovPrefetcher) and reports the
 * prefetch figures of the issue: issued, hits, accuracy (useful / issued), coverage (demand
 * misses removed / demand misses without prefetching), and the extra bytes fetched from the origin.
 */
import { replay, type CapacityUnit, type EvictionPolicy, type ReplayStats, type RequestBatch } from '@cachelab/cache-core';
import { MarkovPrefetcher, type PrefetchOptions } from './prefetcher.js';
import type { SequencePredictor } from './types.js';

export interface PrefetchComparison {
  demand: ReplayStats;
  prefetch: ReplayStats;
  prefetchesIssued: number;
  prefetchHits: number;
  /** prefetchHits / prefetchesIssued. */
  accuracy: number;
  /** (demand misses without prefetching − with) / demand misses without prefetching; negative when prefetching hurts. */
  coverage: number;
  /** Hit ratio with prefetching minus without (in request hits / requests). */
  hitRatioGain: number;
  /** Bytes of the prefetched objects. */
  prefetchBytes: number;
  /** Origin bytes with prefetching (demand misses + prefetches) minus without. */
  extraBytes: number;
}

export interface PrefetchComparisonOptions {
  unit: CapacityUnit;
  warmup?: number;
  prefetch?: Partial<PrefetchOptions>;
}

export function comparePrefetch(
  makePolicy: () => EvictionPolicy,
  makePredictor: () => SequencePredictor,
  trace: RequestBatch,
  options: PrefetchComparisonOptions,
): PrefetchComparison {
  const base = { unit: options.unit, ...(options.warmup !== undefined ? { warmup: options.warmup } : {}) };
  const demand = replay(makePolicy(), trace, base);
  const prefetcher = new MarkovPrefetcher(makePredictor(), options.prefetch);
  const prefetch = replay(makePolicy(), trace, { ...base, prefetcher, prefetchDegree: prefetcher.options.maxPrefetches });
  const hitRatio = (s: ReplayStats): number => (s.requests === 0 ? 0 : s.hits / s.requests);
  return {
    demand,
    prefetch,
    prefetchesIssued: prefetch.prefetchesIssued,
    prefetchHits: prefetch.prefetchHits,
    accuracy: prefetch.prefetchAccuracy,
    coverage: demand.misses === 0 ? 0 : (demand.misses - prefetch.misses) / demand.misses,
    hitRatioGain: hitRatio(prefetch) - hitRatio(demand),
    prefetchBytes: prefetch.prefetchBytes,
    extraBytes: prefetch.bytesMissed + prefetch.prefetchBytes - demand.bytesMissed,
  };
}
