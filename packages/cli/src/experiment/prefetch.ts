/**
 * Prefetch settings of an experiment → a replay Prefetcher from @cachelab/markov: a Markov
 * predictor (its options from `params`) behind MarkovPrefetcher, which fetches the predicted keys
 * whose probability reaches `params.threshold`, at most `degree` per request.
 */
import { ConfigError, type Prefetcher } from '@cachelab/cache-core';
import { DEFAULT_PREFETCH, MarkovPredictor, MarkovPrefetcher, type MarkovOptions } from '@cachelab/markov';
import type { PrefetchRef } from './cells.js';

export const PREDICTORS = ['markov'] as const;

export function createCellPrefetcher(prefetch: PrefetchRef): Prefetcher {
  if (!(PREDICTORS as readonly string[]).includes(prefetch.predictor)) {
    throw new ConfigError('prefetch.predictor', `unknown predictor "${prefetch.predictor}"; known: ${PREDICTORS.join(', ')}`);
  }
  const { threshold, ...options } = prefetch.params ?? {};
  if (threshold !== undefined && typeof threshold !== 'number') {
    throw new ConfigError('prefetch.params.threshold', `must be a probability in [0, 1], got ${JSON.stringify(threshold)}`);
  }
  return new MarkovPrefetcher(new MarkovPredictor(options as Partial<MarkovOptions>), {
    threshold: threshold ?? DEFAULT_PREFETCH.threshold,
    maxPrefetches: prefetch.degree,
  });
}
