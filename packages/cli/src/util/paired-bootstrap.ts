/**
 * How sure is "policy A missed fewer than policy B on this trace"? Both replays record their misses
 * per metric window (metrics.jsonl); the per-window differences A − B are resampled with a
 * circular block bootstrap (Politis & Romano 1992), which keeps neighbouring windows together
 * because a cache carries state from one window into the next. Circular, not moving: the moving
 * block bootstrap draws the first and last windows about a third as often as the others (they sit
 * in fewer blocks), so its resamples centre away from the observed total whenever the edge windows
 * differ (the first window holds the cold misses); wrapping the blocks around the end gives every
 * window the same weight. The percentile interval of the resampled totals is the
 * confidence interval of the total difference. It answers "would the sign hold on another stretch of
 * a trace like this one?" under the usual assumption that the trace is roughly stationary; it says
 * nothing about other kinds of traces.
 */
import seedrandom from 'seedrandom';

export interface BootstrapOptions {
  /** Two-sided confidence level in (0, 1). */
  confidence: number;
  /** Bootstrap resamples. */
  resamples: number;
  /** Seed of the resampling (seedrandom); the same seed gives the same interval. */
  seed: string;
}

export interface DifferenceInterval {
  /** Σ differences (A − B), the observed total. */
  total: number;
  low: number;
  high: number;
  /** Block length used, in windows. */
  blockLength: number;
}

/**
 * Per-window counts from cumulative ones: [3, 5, 9] → [3, 2, 4]. Metric records hold cumulative
 * ratios, so the counts are rounded back from ratio × requests (exact for integer counts).
 */
export function windowCounts(cumulative: readonly number[]): number[] {
  return cumulative.map((value, i) => value - (i === 0 ? 0 : cumulative[i - 1]!));
}

/** Block length n^(1/3), the usual rate for block bootstraps (Hall, Horowitz & Jing 1995). */
export function blockLengthFor(windows: number): number {
  return Math.max(1, Math.round(Math.cbrt(windows)));
}

/** Confidence interval of Σ differences by the circular block bootstrap. */
export function pairedBootstrap(differences: readonly number[], options: BootstrapOptions): DifferenceInterval {
  const n = differences.length;
  if (n === 0) throw new RangeError('pairedBootstrap needs at least one window');
  const total = differences.reduce((a, b) => a + b, 0);
  const blockLength = blockLengthFor(n);
  // prefix[i] = Σ differences[0..i): a block's sum in O(1).
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + differences[i]!;
  const random = seedrandom(options.seed);
  const totals = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    let sum = 0;
    for (let filled = 0; filled < n; filled += blockLength) {
      const start = Math.floor(random() * n);
      // The last block is cut so that every resample has exactly n windows.
      const length = Math.min(blockLength, n - filled);
      const end = start + length;
      // A block running past the last window continues from the first.
      sum += end <= n ? prefix[end]! - prefix[start]! : prefix[n]! - prefix[start]! + prefix[end - n]!;
    }
    totals[r] = sum;
  }
  totals.sort();
  const tail = (1 - options.confidence) / 2;
  const at = (q: number) => totals[Math.min(options.resamples - 1, Math.max(0, Math.round(q * (options.resamples - 1))))]!;
  return { total, low: at(tail), high: at(1 - tail), blockLength };
}

/**
 * Two replays of one trace, given their cumulative misses at the same window ends: the total
 * difference (a − b) with its interval, and whether the interval excludes 0.
 */
export function pairedMissDifference(
  cumulativeA: readonly number[],
  cumulativeB: readonly number[],
  options: BootstrapOptions,
): DifferenceInterval & { significant: boolean } {
  const a = windowCounts(cumulativeA);
  const b = windowCounts(cumulativeB);
  const interval = pairedBootstrap(a.map((m, i) => m - b[i]!), options);
  return { ...interval, significant: interval.high < 0 || interval.low > 0 };
}
