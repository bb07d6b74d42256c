/**
 * A confidence interval for a prediction accuracy. Predictions of one client are not independent
 * (a crawler walking a site, a browser loading one page's assets), so a binomial interval over all
 * predictions is too narrow on access logs. This one resamples whole clusters (a session's
 * predictions; each prediction alone when the trace has no sessions) with replacement and takes the
 * percentile interval of Σ correct / Σ predictions: the cluster bootstrap of a ratio estimator.
 */
import { SeededRandom } from '@cachelab/cache-core';

/** Per-cluster counts: predictions made and how many of them were right. */
export interface ClusterCounts {
  predictions: ArrayLike<number>;
  correct: ArrayLike<number>;
  /** Predictions that are clusters of their own (no session), and how many were right. Default 0. */
  lonePredictions?: number;
  loneCorrect?: number;
}

export interface IntervalOptions {
  /** Two-sided level in (0, 1). Default 0.95. */
  confidence?: number;
  /** Default 2000. */
  resamples?: number;
  /** seedrandom seed; the same seed gives the same interval. Default 'cachelab-accuracy'. */
  seed?: string;
}

export interface AccuracyInterval {
  low: number;
  high: number;
  confidence: number;
  /** Clusters that made at least one prediction (the units resampled). */
  clusters: number;
}

export function accuracyInterval(counts: ClusterCounts, options: IntervalOptions = {}): AccuracyInterval {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new RangeError(`resamples must be a whole number ≥ 1, got ${resamples}`);
  // Only clusters with predictions carry information; resampling empty ones changes nothing.
  const predictions: number[] = [];
  const correct: number[] = [];
  for (let i = 0; i < counts.predictions.length; i++) {
    if (counts.predictions[i]! > 0) {
      predictions.push(counts.predictions[i]!);
      correct.push(counts.correct[i]!);
    }
  }
  const grouped = predictions.length;
  const lone = counts.lonePredictions ?? 0;
  const loneCorrect = counts.loneCorrect ?? 0;
  const n = grouped + lone;
  if (n === 0) return { low: 0, high: 0, confidence, clusters: 0 };
  // cache-core's xorshift draws: a web log's lone predictions are drawn one by one, tens of
  // thousands per resample, where seedrandom's default generator would cost seconds.
  const random = new SeededRandom(options.seed ?? 'cachelab-accuracy');
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let made = 0;
    let right = 0;
    for (let i = 0; i < n; i++) {
      const pick = random.below(n);
      if (pick < grouped) {
        made += predictions[pick]!;
        right += correct[pick]!;
      } else {
        // Lone predictions, the right ones first: which one is drawn only matters through that.
        made++;
        if (pick - grouped < loneCorrect) right++;
      }
    }
    ratios[r] = right / made;
  }
  ratios.sort();
  const at = (q: number) => ratios[Math.round(q * (resamples - 1))]!;
  const tail = (1 - confidence) / 2;
  return { low: at(tail), high: at(1 - tail), confidence, clusters: n };
}
