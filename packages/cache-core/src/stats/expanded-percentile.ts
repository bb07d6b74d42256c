/**
 * Hesterberg's expanded percentile interval ("What teachers should know about the bootstrap",
 * The American Statistician, 2015): a bootstrap percentile interval from few independent units
 * runs narrow, because it behaves like a normal interval with a variance estimated from those
 * units. Reading the percentiles at the normal tail that matches the Student t quantile with
 * units − 1 degrees of freedom (× √(units / (units − 1)) for the bootstrap's divisor-n variance)
 * restores the coverage. Used by the scoreboard's block bootstrap (units = blocks) and `markov
 * eval`'s cluster bootstrap (units = clients or request blocks).
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import studentTQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * The two-sided tail mass whose percentile interval has coverage `confidence` when `units`
 * independent units were resampled; below 1 − confidence, and equal to it for fewer than 2 units
 * (no variance estimate to widen).
 */
export function expandedTailMass(confidence: number, units: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const alpha = 1 - confidence;
  if (!(units >= 2)) return alpha;
  const t = studentTQuantile(1 - alpha / 2, units - 1);
  return 2 * normalCdf(-Math.sqrt(units / (units - 1)) * t, 0, 1);
}

/** The `low` and `high` percentiles of ascending `sorted` for a two-sided `tailMass`. */
export function percentileInterval(sorted: ArrayLike<number>, tailMass: number): { low: number; high: number } {
  const last = sorted.length - 1;
  const at = (q: number) => sorted[Math.min(last, Math.max(0, Math.round(q * last)))]!;
  return { low: at(tailMass / 2), high: at(1 - tailMass / 2) };
}
