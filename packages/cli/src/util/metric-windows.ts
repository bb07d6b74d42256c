/**
 * Where a replay takes its measurements: METRIC_POINTS evenly spaced positions of the trace. Run
 * cells write one metrics.jsonl record per window, and the paired bootstrap (the report's
 * scoreboard, `cachelab evaluate`) resamples these windows, so every command cuts a trace the same way.
 */
export const METRIC_POINTS = 20;

/** [start, end) of each window of a trace of `length` requests. */
export function* metricWindows(length: number): Generator<[start: number, end: number]> {
  const step = Math.max(1, Math.ceil(length / METRIC_POINTS));
  for (let start = 0; start < length; start += step) yield [start, Math.min(length, start + step)];
}
