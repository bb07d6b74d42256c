/**
 * The head-to-head count a policy study is judged by ("beats LRU in every cell, the best of ARC,
 * S3-FIFO, SIEVE and W-TinyLFU in half"), computed from a run's files instead of by hand: for every
 * trace × size × seed, the candidate's misses against the baseline's and against the best of a set
 * of policies at that cell, each difference with a paired bootstrap confidence interval, and a tally
 * per seed. Every cell is listed, wins and losses alike.
 */
import { CliUsageError } from '../util/cli-error.js';
import { type ReplaySummary, type RunData, seriesLabel } from './load-run.js';
import { pairedMissDifference } from '../util/paired-bootstrap.js';

export interface ScoreboardOptions {
  /** Series label of the policy under study (an experiment policy's `label`, `policy+prefetcher`). */
  candidate: string;
  /** Series label it must beat in every cell. */
  baseline: string;
  /** Labels whose best (fewest misses) at each cell the candidate is also compared with; may be empty. */
  bestOf: string[];
  /** Only these traces (by experiment name); all when absent. */
  traces?: string[];
  /** Confidence level of the intervals. */
  confidence: number;
  resamples: number;
  /** Seed of the bootstrap; each comparison derives its own stream from it. */
  seed: number;
}

export type Verdict = 'win' | 'loss' | 'tie';

export interface Comparison {
  /** Label of the policy compared with (for best-of: the one that was best at this cell). */
  against: string;
  misses: number;
  missRatio: number;
  /** Candidate misses − its misses: negative means the candidate missed less. */
  difference: number;
  /** Confidence interval of `difference`; null when the two replays' metric windows differ or are fewer than MIN_WINDOWS. */
  low: number | null;
  high: number | null;
  verdict: Verdict;
  /** The interval excludes 0: the sign would hold on another stretch of a similar trace. */
  significant: boolean;
}

export interface ScoreboardCell {
  trace: string;
  size: string;
  capacity: number;
  seed: number;
  requests: number;
  misses: number;
  missRatio: number;
  baseline: Comparison;
  /** Null when no best-of set was given or one of its policies lacks this cell. */
  best: Comparison | null;
}

export interface Tally {
  wins: number;
  significantWins: number;
  ties: number;
  losses: number;
  significantLosses: number;
}

export interface SeedTally {
  seed: number;
  cells: number;
  baseline: Tally;
  /** Over the cells where a best-of comparison exists. */
  best: Tally & { cells: number };
  meanMissRatio: number;
  baselineMeanMissRatio: number;
}

export interface Scoreboard {
  options: ScoreboardOptions;
  cells: ScoreboardCell[];
  seeds: SeedTally[];
  /** Cells of the candidate left out, and why (the candidate's own cell not complete, a baseline or best-of replay missing). */
  skipped: string[];
  /** Cells of the candidate kept whose model given by path could not be checked (RunData.uncheckedModels); only when there are some. */
  unchecked?: string[];
}

/** Fewest metric windows a comparison needs for an interval. */
export const MIN_WINDOWS = 2;

const cellKey = (cell: ReplaySummary, seed = cell.seed) => `${cell.trace.name}\u0000${String(cell.size)}\u0000${seed}`;

function compare(candidate: ReplaySummary, other: ReplaySummary, options: ScoreboardOptions): Comparison {
  const label = seriesLabel(other);
  const difference = candidate.stats.misses - other.stats.misses;
  const a = candidate.windows;
  const b = other.windows;
  // One window gives every resample the same total: a zero-width interval that would call any
  // difference significant. At least two windows, or no interval.
  const aligned = a.position.length >= MIN_WINDOWS && a.position.length === b.position.length && a.position.every((p, i) => p === b.position[i]);
  const interval = aligned
    ? pairedMissDifference(a.misses, b.misses, { confidence: options.confidence, resamples: options.resamples, seed: `scoreboard:${options.seed}:${cellKey(candidate)}:${label}` })
    : null;
  return {
    against: label,
    misses: other.stats.misses,
    missRatio: other.stats.missRatio,
    difference,
    low: interval?.low ?? null,
    high: interval?.high ?? null,
    verdict: difference < 0 ? 'win' : difference > 0 ? 'loss' : 'tie',
    significant: interval?.significant ?? false,
  };
}

function emptyTally(): Tally {
  return { wins: 0, significantWins: 0, ties: 0, losses: 0, significantLosses: 0 };
}

function count(tally: Tally, comparison: Comparison): void {
  if (comparison.verdict === 'win') {
    tally.wins++;
    if (comparison.significant) tally.significantWins++;
  } else if (comparison.verdict === 'loss') {
    tally.losses++;
    if (comparison.significant) tally.significantLosses++;
  } else {
    tally.ties++;
  }
}

export function buildScoreboard(run: RunData, options: ScoreboardOptions): Scoreboard {
  // The experiment's labels, not only those with a complete cell: a policy whose cells all failed
  // or were interrupted is a known label whose cells are listed as left out.
  const labels = [...new Set(run.cells.flatMap((cell) => (cell.kind === 'replay' ? [seriesLabel(cell)] : [])))];
  for (const label of [options.candidate, options.baseline, ...options.bestOf]) {
    if (!labels.includes(label)) {
      throw new CliUsageError(`no policy labelled "${label}" in ${run.runDir}; its replay cells are labelled: ${labels.join(', ')}`);
    }
  }
  if (options.traces) {
    const names = new Set(run.replay.map((c) => c.trace.name));
    const unknown = options.traces.filter((t) => !names.has(t));
    if (unknown.length > 0) throw new CliUsageError(`--traces: no trace named ${unknown.join(', ')} in this run; its traces are: ${[...names].join(', ')}`);
  }
  const byLabel = new Map<string, Map<string, ReplaySummary>>();
  for (const cell of run.replay) {
    const label = seriesLabel(cell);
    if (!byLabel.has(label)) byLabel.set(label, new Map());
    byLabel.get(label)!.set(cellKey(cell), cell);
  }
  const lookup = (label: string, at: ReplaySummary) => byLabel.get(label)?.get(cellKey(at));
  const wanted = options.traces ? new Set(options.traces) : null;
  const cells: ScoreboardCell[] = [];
  const skipped: string[] = [];
  // Candidate cells of the experiment without a summary.json (interrupted or failed): named, so
  // that "won 11/11" of a 12-cell experiment does not read as every cell.
  const incomplete = new Set(run.incomplete);
  const stale = new Set(run.staleReplays);
  for (const cell of run.cells) {
    if (cell.kind !== 'replay' || !incomplete.has(cell.id) || seriesLabel(cell) !== options.candidate) continue;
    if (wanted && !wanted.has(cell.trace.name)) continue;
    const why = stale.has(cell.id) ? 'its model was trained again after this replay' : 'no summary.json';
    skipped.push(`${cell.id}: not complete (${why}); run the experiment again to finish it`);
  }
  for (const cell of byLabel.get(options.candidate)?.values() ?? []) {
    if (wanted && !wanted.has(cell.trace.name)) continue;
    const baseline = lookup(options.baseline, cell);
    if (!baseline) {
      skipped.push(`${cell.cell}: no ${options.baseline} replay at this trace, size and seed`);
      continue;
    }
    let best: Comparison | null = null;
    if (options.bestOf.length > 0) {
      const contenders = options.bestOf.map((label) => lookup(label, cell));
      if (contenders.every((c): c is ReplaySummary => c !== undefined)) {
        // Fewest misses; ties go to the first listed, so the choice does not depend on file order.
        const strongest = contenders.reduce((a, b) => (b.stats.misses < a.stats.misses ? b : a));
        best = compare(cell, strongest, options);
      } else {
        skipped.push(`${cell.cell}: best-of comparison left out, ${options.bestOf.filter((_, i) => !contenders[i]).join(', ')} not replayed here`);
      }
    }
    cells.push({
      trace: cell.trace.name,
      size: String(cell.size),
      capacity: cell.capacity,
      seed: cell.seed,
      requests: cell.stats.requests,
      misses: cell.stats.misses,
      missRatio: cell.stats.missRatio,
      baseline: compare(cell, baseline, options),
      best,
    });
  }
  // Experiment order: traces as listed, then sizes as listed, then seeds.
  const traceOrder = [...new Set(run.replay.map((c) => c.trace.name))];
  const sizeOrder = run.experiment.sizes.map(String);
  cells.sort((a, b) => traceOrder.indexOf(a.trace) - traceOrder.indexOf(b.trace) || sizeOrder.indexOf(a.size) - sizeOrder.indexOf(b.size) || a.seed - b.seed);
  // Kept, but said: a `dqn:DIR` model not found now, or a replay from before its checksum was recorded.
  const kept = new Set([...(byLabel.get(options.candidate)?.values() ?? [])].filter((c) => !wanted || wanted.has(c.trace.name)).map((c) => c.cell));
  const unchecked = run.uncheckedModels.filter((u) => kept.has(u.cell)).map((u) => u.text);
  return { options, cells, seeds: tallyBySeed(cells), skipped, ...(unchecked.length > 0 ? { unchecked } : {}) };
}

function tallyBySeed(cells: readonly ScoreboardCell[]): SeedTally[] {
  const seeds = [...new Set(cells.map((c) => c.seed))].sort((a, b) => a - b);
  return seeds.map((seed) => {
    const mine = cells.filter((c) => c.seed === seed);
    const tally: SeedTally = {
      seed,
      cells: mine.length,
      baseline: emptyTally(),
      best: { ...emptyTally(), cells: 0 },
      meanMissRatio: mine.reduce((sum, c) => sum + c.missRatio, 0) / mine.length,
      baselineMeanMissRatio: mine.reduce((sum, c) => sum + c.baseline.missRatio, 0) / mine.length,
    };
    for (const cell of mine) {
      count(tally.baseline, cell.baseline);
      if (cell.best) {
        tally.best.cells++;
        count(tally.best, cell.best);
      }
    }
    return tally;
  });
}
