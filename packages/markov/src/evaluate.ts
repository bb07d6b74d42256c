/**
 * Online evaluation: for every request, ask the predictor for the next request of that request's
 * session (or of the stream when the trace has no sessions) *before* it learns the request, then
 * let it learn. A "prediction" is a request for which the predictor offered at least one key
 * (for a first-order model: the session's current key has a known successor), as in the
 * reference baseline of /work/shared/traces/README.md.
 */
import type { RequestBatch } from '@cachelab/cache-core';
import type { SequencePredictor } from './types.js';

export interface EvaluationResult {
  requests: number;
  /** Requests for which the predictor offered at least one key. */
  predictions: number;
  /** Predictions whose best key was the actual next request. */
  top1Hits: number;
  /** Predictions with the actual next request among the best `top`. */
  topKHits: number;
  top: number;
  top1Accuracy: number;
  topKAccuracy: number;
  /** predictions / requests. */
  predictionRate: number;
}

/** Evaluates (and trains) `predictor` on `batch`; `top` ≥ 1 is the k of top-k accuracy (default 3). */
export function evaluatePredictor(predictor: SequencePredictor, batch: RequestBatch, top = 3): EvaluationResult {
  if (!(Number.isInteger(top) && top >= 1)) throw new RangeError(`top must be a whole number ≥ 1, got ${top}`);
  const keys = new Uint32Array(top);
  const probabilities = new Float64Array(top);
  let predictions = 0;
  let top1Hits = 0;
  let topKHits = 0;
  for (let i = 0; i < batch.length; i++) {
    const actual = batch.key[i]!;
    const n = predictor.predictSession(batch.session[i]!, top, keys, probabilities);
    if (n > 0) {
      predictions++;
      if (keys[0] === actual) top1Hits++;
      for (let j = 0; j < n; j++) {
        if (keys[j] === actual) {
          topKHits++;
          break;
        }
      }
    }
    predictor.updateBatch(batch, i);
  }
  return {
    requests: batch.length,
    predictions,
    top1Hits,
    topKHits,
    top,
    top1Accuracy: predictions === 0 ? 0 : top1Hits / predictions,
    topKAccuracy: predictions === 0 ? 0 : topKHits / predictions,
    predictionRate: batch.length === 0 ? 0 : predictions / batch.length,
  };
}
