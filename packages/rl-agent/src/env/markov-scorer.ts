/**
 * Markov access probabilities for eviction candidates, from @cachelab/markov's MarkovPredictor:
 * the chance that a key is requested within the next `horizon` requests of the global stream.
 */
import { MarkovPredictor, type MarkovOptions } from '@cachelab/markov';
import type { AccessScorer } from './features.js';

export const MARKOV_SCORER = 'markov';

export function markovAccessScorer(horizon = 16, options: Partial<MarkovOptions> = {}): AccessScorer {
  const predictor = new MarkovPredictor(options);
  return {
    observe: (key) => predictor.observe(key, -1),
    accessProbability: (key) => predictor.accessProbability(key, horizon, -1),
  };
}

/** A fresh MarkovPredictor for CacheEnv (its NextRequestPredictor). */
export function markovNextRequestPredictor(options: Partial<MarkovOptions> = {}): MarkovPredictor {
  return new MarkovPredictor(options);
}
