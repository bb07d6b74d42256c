/** What every next-request predictor offers to evaluation, prefetching and eviction. */
import type { RequestBatch } from '@cachelab/cache-core';

/** One predicted next request. */
export interface Prediction {
  key: number;
  /** Estimated probability that `key` is the next request of the stream/session. */
  probability: number;
}

/**
 * The hot-path contract: learn from request `i` of a batch, and predict the next request of a
 * session (or of the global stream, session = -1) into caller-owned buffers, best first.
 * Neither allocates per call.
 */
export interface SequencePredictor {
  updateBatch(batch: RequestBatch, i: number): void;
  /** Writes up to min(k, outKeys.length) predictions, best first; returns how many. */
  predictSession(session: number, k: number, outKeys: Uint32Array, outProbabilities: Float64Array): number;
}
