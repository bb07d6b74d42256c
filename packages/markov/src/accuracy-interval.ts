/**
 * Confidence intervals for a prediction accuracy, and for the difference between two predictors'
 * accuracies on the same trace. Predictions are not independent: those of one client (a crawler
 * walking a site, a browser fetching one page's assets) go together, and so do neighbouring
 * requests of one stream. A binomial interval over all predictions is therefore too narrow. These
 * resample whole clusters with replacement (a client's predictions; a block of consecutive requests
 * where there are no clients, see evaluatePredictor) and take the percentile interval of
 * Σ correct / Σ predictions: the cluster bootstrap of a ratio estimator. For a difference both
 * predictors' counts come from the same resampled clusters (a paired comparison). The percentiles
 * are read at the expanded tail (`expandedTailMass`, clusters as the units), since a plain
 * percentile interval from a few dozen clusters covers less than its level says; with the
 * hundreds of clients of a real access log the two read the same percentiles.
 */
import { SeededRandom, expandedTailMass, percentileInterval } from '@cachelab/cache-core';

/** Per-cluster counts: predictions made and how many of them were right. */
export interface ClusterCounts {
  predictions: ArrayLike<number>;
  correct: ArrayLike<number>;
}

export interface IntervalOptions {
  /** Two-sided level in (0, 1). Default 0.95. */
  confidence?: number;
  /** Default 2000. */
  resamples?: number;
  /** Seed of the resampling; the same seed gives the same interval. Default 'cachelab-accuracy'. */
  seed?: string;
}

export interface AccuracyInterval {
  low: number;
  high: number;
  confidence: number;
  /** Clusters that made at least one prediction (the units resampled). */
  clusters: number;
}

export interface DifferenceInterval extends AccuracyInterval {
  /** Accuracy of the first minus accuracy of the second, on all the data. */
  difference: number;
}

function settings(options: IntervalOptions): { confidence: number; resamples: number; random: SeededRandom } {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new RangeError(`resamples must be a whole number ≥ 1, got ${resamples}`);
  return { confidence, resamples, random: new SeededRandom(options.seed ?? 'cachelab-accuracy') };
}

/** Indices of the clusters where any of the counts made a prediction (empty ones change nothing). */
function activeClusters(...counts: ClusterCounts[]): number[] {
  const active: number[] = [];
  const length = counts[0]!.predictions.length;
  for (const c of counts) {
    if (c.predictions.length !== length || c.correct.length !== length) throw new RangeError('cluster counts must have one entry per cluster, the same clusters for every predictor');
  }
  for (let i = 0; i < length; i++) if (counts.some((c) => c.predictions[i]! > 0)) active.push(i);
  return active;
}

function percentiles(values: Float64Array, confidence: number, clusters: number): { low: number; high: number } {
  return percentileInterval(values.sort(), expandedTailMass(confidence, clusters));
}

const ratio = (right: number, made: number) => (made === 0 ? 0 : right / made);

/**
 * Draws `resamples` sets of clusters (as many as `active`, with replacement) and returns, for each
 * of `counts`, the accuracy on every set. All counts see the same draws: that is the pairing.
 */
function resampledAccuracies(active: readonly number[], counts: readonly ClusterCounts[], resamples: number, random: SeededRandom): Float64Array[] {
  const accuracies = counts.map(() => new Float64Array(resamples));
  const made = new Float64Array(counts.length);
  const right = new Float64Array(counts.length);
  for (let r = 0; r < resamples; r++) {
    made.fill(0);
    right.fill(0);
    for (let i = 0; i < active.length; i++) {
      const pick = active[random.below(active.length)]!;
      for (let c = 0; c < counts.length; c++) {
        made[c]! += counts[c]!.predictions[pick]!;
        right[c]! += counts[c]!.correct[pick]!;
      }
    }
    for (let c = 0; c < counts.length; c++) accuracies[c]![r] = ratio(right[c]!, made[c]!);
  }
  return accuracies;
}

export function accuracyInterval(counts: ClusterCounts, options: IntervalOptions = {}): AccuracyInterval {
  const { confidence, resamples, random } = settings(options);
  const active = activeClusters(counts);
  if (active.length === 0) return { low: 0, high: 0, confidence, clusters: 0 };
  const [accuracies] = resampledAccuracies(active, [counts], resamples, random);
  return { ...percentiles(accuracies!, confidence, active.length), confidence, clusters: active.length };
}

/** Interval of accuracy(a) − accuracy(b), resampling the clusters of both together. */
export function accuracyDifferenceInterval(a: ClusterCounts, b: ClusterCounts, options: IntervalOptions = {}): DifferenceInterval {
  const { confidence, resamples, random } = settings(options);
  const active = activeClusters(a, b);
  const sum = (of: ArrayLike<number>) => active.reduce((total, i) => total + of[i]!, 0);
  const difference = ratio(sum(a.correct), sum(a.predictions)) - ratio(sum(b.correct), sum(b.predictions));
  if (active.length === 0) return { difference, low: 0, high: 0, confidence, clusters: 0 };
  const [first, second] = resampledAccuracies(active, [a, b], resamples, random);
  const differences = first!.map((accuracy, r) => accuracy - second![r]!);
  return { difference, ...percentiles(differences, confidence, active.length), confidence, clusters: active.length };
}
