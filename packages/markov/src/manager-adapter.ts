/**
 * Feeds a predictor's output to the CacheManager (cache-core manager/):
 * - `toPrefetchRequests`: predictions → `prefetchMany` items `[endpoint, params, priority]`, the
 *   predicted probability as the priority (the prefetch queue fetches the likeliest first);
 * - `toAccessPredictions`: access probabilities of known keys → the `Map<cacheKey, probability>`
 *   that `evictLowProbability` takes (cache keys made by `generateCacheKey(endpoint, params)`).
 * The application says which request a key id stands for (`resolve`); unresolvable ids are skipped.
 */
import { generateCacheKey, type CacheKeyParams, type PrefetchRequest } from '@cachelab/cache-core';
import type { MarkovPredictor } from './predictor.js';
import type { Prediction } from './types.js';

/** Maps a key id back to the request it stands for, or undefined when it cannot be fetched. */
export type KeyResolver = (key: number) => readonly [endpoint: string, params: CacheKeyParams | null] | undefined;

export interface PrefetchRequestOptions {
  /** Least probability worth a prefetch. Default 0. */
  threshold?: number;
  /** Most items. Default: all. */
  max?: number;
}

export function toPrefetchRequests(predictions: readonly Prediction[], resolve: KeyResolver, options: PrefetchRequestOptions = {}): PrefetchRequest[] {
  const threshold = options.threshold ?? 0;
  const max = options.max ?? Infinity;
  const items: PrefetchRequest[] = [];
  for (const { key, probability } of predictions) {
    if (items.length >= max) break;
    if (probability < threshold) continue;
    const request = resolve(key);
    if (request) items.push([request[0], request[1], probability]);
  }
  return items;
}

/**
 * Access probabilities within `horizon` requests (of `session`, default the latest one) for the
 * given key ids, keyed by the manager's cache key, ready for `CacheManager.evictLowProbability`.
 */
export function toAccessPredictions(
  predictor: MarkovPredictor,
  keys: readonly number[],
  resolve: KeyResolver,
  horizon: number,
  session: number = predictor.currentSession,
): Map<string, number> {
  const probabilities = predictor.predictAll(keys, horizon, session);
  const out = new Map<string, number>();
  keys.forEach((key, j) => {
    const request = resolve(key);
    if (!request) return;
    // Ids that resolve to one cache key (params in another order) are one entry: it is needed if
    // either is, so it keeps the larger probability (as the prefetch queue keeps the larger priority).
    const cacheKey = generateCacheKey(request[0], request[1]);
    out.set(cacheKey, Math.max(out.get(cacheKey) ?? 0, probabilities[j]!));
  });
  return out;
}
