/**
 * @cachelab/markov: online next-request prediction (first-order and PPM-style variable-order
 * Markov models) that drives prefetching and probability-based eviction.
 * Importing this package registers the `markov` eviction policy in cache-core's registry.
 */
import { registerPolicy } from '@cachelab/cache-core';
import { markovPolicyInfo } from './markov-policy.js';

export * from './types.js';
export * from './options.js';
export * from './predictor.js';
export * from './naive.js';
export * from './serialization.js';
export * from './evaluate.js';
export * from './accuracy-interval.js';
export * from './prefetcher.js';
export * from './prefetch-report.js';
export * from './markov-policy.js';
export * from './manager-adapter.js';

registerPolicy(markovPolicyInfo);
