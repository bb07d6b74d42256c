/**
 * Online evaluation: for every request, ask the predictor for the next request of that request's
 * session (or of the stream when the trace has no sessions) *before* it learns the request, then
 * let it learn. A "prediction" is a request for which the predictor offered at least one key
 * (for a first-order model: the session's current key has a known successor), as in the
 * reference baseline of /work/shared/traces/README.md.
 */
import type { RequestBatch } from '@cachelab/cache-core';
import type { ClusterCounts } from './accuracy-interval.js';
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
  /**
   * The same counts per cluster, for `accuracyInterval`: clusters 0..sessions−1 are the sessions
   * (by id); after them, one cluster per block of STREAM_BLOCK requests holds the predictions of
   * that block's requests that have no session. Two evaluations of one batch have the same clusters.
   */
  clusters: { sessions: number; predictions: Int32Array; top1: Int32Array; topK: Int32Array };
}

/**
 * Requests per cluster where a trace has no sessions: neighbouring requests of one stream are
 * correlated, so they are resampled together (about 100 blocks on a 100k-request trace).
 */
export const STREAM_BLOCK = 1000;

/** The clusters' counts of one accuracy (`top1` or `topK`), as accuracyInterval takes them. */
export function clusterCounts(result: EvaluationResult, which: 'top1' | 'topK'): ClusterCounts {
  return { predictions: result.clusters.predictions, correct: result.clusters[which] };
}

/** Evaluates (and trains) `predictor` on `batch`; `top` ≥ 1 is the k of top-k accuracy (default 3). */
export function evaluatePredictor(predictor: SequencePredictor, batch: RequestBatch, top = 3): EvaluationResult {
  if (!(Number.isInteger(top) && top >= 1)) throw new RangeError(`top must be a whole number ≥ 1, got ${top}`);
  const keys = new Uint32Array(top);
  const probabilities = new Float64Array(top);
  let predictions = 0;
  let top1Hits = 0;
  let topKHits = 0;
  // Session ids are dense (0..S-1), so per-cluster counts fit typed arrays.
  let sessions = 0;
  for (let i = 0; i < batch.length; i++) sessions = Math.max(sessions, batch.session[i]! + 1);
  const size = sessions + Math.ceil(batch.length / STREAM_BLOCK);
  const clusters = { sessions, predictions: new Int32Array(size), top1: new Int32Array(size), topK: new Int32Array(size) };
  for (let i = 0; i < batch.length; i++) {
    const actual = batch.key[i]!;
    const session = batch.session[i]!;
    const n = predictor.predictSession(session, top, keys, probabilities);
    if (n > 0) {
      const hit1 = keys[0] === actual ? 1 : 0;
      let hitK = 0;
      for (let j = 0; j < n; j++) {
        if (keys[j] === actual) {
          hitK = 1;
          break;
        }
      }
      predictions++;
      top1Hits += hit1;
      topKHits += hitK;
      const cluster = session >= 0 ? session : sessions + Math.floor(i / STREAM_BLOCK);
      clusters.predictions[cluster]!++;
      clusters.top1[cluster]! += hit1;
      clusters.topK[cluster]! += hitK;
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
    clusters,
  };
}
