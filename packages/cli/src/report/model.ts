/**
 * Turns a run's files into the report's content, independent of the output format: sections of
 * tables (with the best cell of each column marked) and chart specs. Every number comes from
 * summary.json / metrics.jsonl; nothing is recomputed from traces.
 */
import { getPolicyInfo } from '@cachelab/cache-core';
import { displayPath } from '../util/paths.js';
import { formatRatio } from '../util/table.js';
import { type RunData, type ReplaySummary, type TrainingRun, seriesLabel } from './load-run.js';
import { type ChartSpec, missRatioCurveSpec, trainingCurveSpec } from './charts.js';
import { isLearnedPolicyName } from '../experiment/learned-names.js';

export interface ReportTable {
  kind: 'table';
  title: string;
  header: string[];
  rows: string[][];
  /** `row,column` of marked cells (best of their column). */
  best: Set<string>;
  /** What produced the numbers (command and run folder). */
  source: string;
  note?: string;
}

export interface ReportChart {
  kind: 'chart';
  id: string;
  title: string;
  spec: ChartSpec;
  source: string;
  /** Shown under the chart (a point that is a mean over fewer seeds). */
  note?: string;
}

export interface ReportText {
  kind: 'text';
  text: string;
}

export type ReportBlock = ReportTable | ReportChart | ReportText;

export interface ReportSection {
  title: string;
  blocks: ReportBlock[];
}

export interface ReportModel {
  title: string;
  intro: string[];
  sections: ReportSection[];
}

/** One line per (policy, prefetch) over a trace's sizes, averaged over seeds. */
interface Series {
  label: string;
  policy: string;
  /** The experiment's label of the policy (the series label without `+prefetcher`). */
  policyLabel: string;
  prefetch: string | null;
  oracle: boolean;
  /** size key → cells (one per seed). */
  bySize: Map<string, ReplaySummary[]>;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function isOracle(policy: string): boolean {
  return getPolicyInfo(policy)?.needsOracle ?? policy === 'belady';
}

/**
 * `text` as a Markdown code span, so that a path or command line is shown as written (its `*`,
 * `<`, `|` or backticks are not markup): a fence of more backticks than any run inside, with a
 * space inside each end when the text starts or ends with a backtick (CommonMark).
 */
export function codeSpan(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Plain text (a folder) in Markdown: the characters that would start markup (emphasis, code, HTML, an entity) backslash-escaped. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*<]|&(?=#?[A-Za-z0-9]+;)/g, '\\$&');
}

export function sourceLine(run: RunData): string {
  const commands = run.provenance.commands.length > 0 ? run.provenance.commands.map(codeSpan).join(', ') : 'unknown command';
  // A commit alone would say the numbers come from that commit; a cell run from a working tree with
  // uncommitted changes (its manifest's gitDirty) came from something else.
  const commit = (c: string) => `${c.slice(0, 10)}${run.provenance.dirtyCommits.includes(c) ? ' with uncommitted changes' : ''}`;
  const git = run.provenance.gitCommits.length > 0 ? `, git ${run.provenance.gitCommits.map(commit).join(', ')}` : '';
  return `from ${commands}: ${markdownText(displayPath(run.runDir))} (config ${run.configHash}${git})`;
}

function sizeKey(size: number | string): string {
  return String(size);
}

/** `leading` sections (the scoreboard) come before the per-trace ones. */
export function buildReportModel(run: RunData, leading: readonly ReportSection[] = []): ReportModel {
  const source = sourceLine(run);
  const sections: ReportSection[] = [...leading];
  const traces = [...new Set(run.replay.map((c) => c.trace.name))];
  for (const trace of traces) sections.push(traceSection(run, trace, source));
  if (run.training.length > 0) sections.push(trainingSection(run.training, source));
  const intro = [
    `Experiment **${run.name}**, configuration ${run.configHash}: ${run.cells.length} cells, ${run.replay.length + run.training.length} complete.`,
    `Numbers ${source}.`,
  ];
  if (run.experiment.description) intro.unshift(run.experiment.description);
  if (run.incomplete.length > 0) {
    intro.push(`Incomplete cells (not in the tables): ${run.incomplete.join(', ')}. Run the experiment again to finish them.`);
  }
  if (run.uncheckedModels.length > 0) {
    intro.push(`Models given by path not checked against the replays that ran them (figures kept): ${run.uncheckedModels.map((u) => markdownText(u.text)).join('; ')}.`);
  }
  if (run.experiment.seeds.length > 1) intro.push(`Each figure is the mean over seeds ${run.experiment.seeds.join(', ')}.`);
  return { title: `cachelab report: ${run.name}`, intro, sections };
}

function collectSeries(cells: readonly ReplaySummary[]): Series[] {
  const series = new Map<string, Series>();
  for (const cell of cells) {
    const label = seriesLabel(cell);
    let entry = series.get(label);
    if (!entry) {
      entry = { label, policy: cell.policy.name, policyLabel: cell.policy.label, prefetch: cell.prefetch?.name ?? null, oracle: isOracle(cell.policy.name), bySize: new Map() };
      series.set(label, entry);
    }
    const key = sizeKey(cell.size);
    entry.bySize.set(key, [...(entry.bySize.get(key) ?? []), cell]);
  }
  return [...series.values()];
}

function traceSection(run: RunData, trace: string, source: string): ReportSection {
  const cells = run.replay.filter((c) => c.trace.name === trace);
  const first = cells[0]!;
  const sizes = run.experiment.sizes.map(sizeKey).filter((key) => cells.some((c) => sizeKey(c.size) === key));
  const capacityOf = (key: string) => cells.find((c) => sizeKey(c.size) === key)!.capacity;
  const series = collectSeries(cells);
  const unitWord = first.unit === 'objects' ? 'objects' : 'bytes';
  const sizeHeader = sizes.map((key) => (key.endsWith('%') ? `${key} (${capacityOf(key)})` : key));
  const value = (s: Series, key: string, pick: (c: ReplaySummary) => number): number | null => {
    const group = s.bySize.get(key);
    return group ? mean(group.map(pick)) : null;
  };
  // A figure whose seeds are not all complete is a mean over fewer seeds than the others: named in
  // the note, and not a contender for the best of its column.
  const seedCount = run.experiment.seeds.length;
  const partial = (s: Series, key: string): boolean => {
    const n = s.bySize.get(key)?.length ?? 0;
    return n > 0 && n < seedCount;
  };
  const partialNote = series
    .flatMap((s) => sizes.filter((key) => partial(s, key)).map((key) => `${s.label} at ${key} (${s.bySize.get(key)!.length} of ${seedCount} seeds)`))
    .join(', ');
  // The same note on every table of this trace that shows such means (gap, prefetch, DQN).
  const fewerSeeds = partialNote === '' ? null : `Means over fewer seeds (their other cells are incomplete): ${partialNote}.`;
  const ratioTable = (title: string, pick: (c: ReplaySummary) => number, note: string): ReportTable => {
    const rows: string[][] = [];
    const best = new Set<string>();
    series.forEach((s) => rows.push([s.label, ...sizes.map((key) => { const v = value(s, key, pick); return v === null ? '' : formatRatio(v); })]));
    const contends = (s: Series, key: string) => !s.oracle && !partial(s, key);
    sizes.forEach((key, c) => {
      // The best real policy: oracles (Belady) are the bound, not a contender.
      let bestValue = Infinity;
      series.forEach((s) => { const v = value(s, key, pick); if (contends(s, key) && v !== null) bestValue = Math.min(bestValue, v); });
      series.forEach((s, r) => { const v = value(s, key, pick); if (contends(s, key) && v !== null && formatRatio(v) === formatRatio(bestValue)) best.add(`${r},${c + 1}`); });
    });
    const fewer = partialNote === '' ? '' : ` Means over fewer seeds (their other cells are incomplete), never marked: ${partialNote}.`;
    return { kind: 'table', title, header: ['policy', ...sizeHeader], rows, best, source, note: `${note}${fewer}` };
  };
  const blocks: ReportBlock[] = [
    {
      kind: 'text',
      text: `${codeSpan(first.trace.path)}: ${first.trace.requests.toLocaleString('en-US')} requests, ${first.trace.objects.toLocaleString('en-US')} objects${first.trace.sha256 ? `, SHA-256 ${first.trace.sha256.slice(0, 16)}…` : ''}. Cache sizes in ${unitWord}.`,
    },
    {
      kind: 'chart',
      id: `mrc-${trace}`,
      title: `Miss-ratio curve: ${trace}`,
      spec: missRatioCurveSpec(
        series.flatMap((s) => sizes.flatMap((key) => { const v = value(s, key, (c) => c.stats.missRatio); return v === null ? [] : [{ series: s.label, capacity: capacityOf(key), missRatio: v }]; })),
        `cache size (${unitWord})`,
      ),
      source,
      // A point of fewer seeds looks like any other on the curve: named, as under the tables.
      ...(fewerSeeds ? { note: fewerSeeds } : {}),
    },
    ratioTable(`Request miss ratio: ${trace}`, (c) => c.stats.missRatio, 'misses / requests; ★ marks the lowest of each column among non-oracle policies.'),
    // A trace whose requests all have one size (txt, CSV without sizes) gives a byte table equal
    // to the request table, cell for cell: said in a line instead of printed twice.
    cells.every((c) => c.stats.byteMissRatio === c.stats.missRatio)
      ? { kind: 'text', text: `Byte miss ratio: ${trace}: the same as the request miss ratio in every cell (every request of this trace has the same size), so not repeated.` }
      : ratioTable(`Byte miss ratio: ${trace}`, (c) => c.stats.byteMissRatio, 'bytes missed / bytes requested; ★ marks the lowest of each column among non-oracle policies.'),
  ];
  const belady = series.find((s) => s.oracle && s.prefetch === null);
  if (belady) {
    const rows = series
      .filter((s) => s !== belady)
      .map((s) => [
        s.label,
        ...sizes.map((key) => {
          const v = value(s, key, (c) => c.stats.missRatio);
          const b = value(belady, key, (c) => c.stats.missRatio);
          return v === null || b === null ? '' : `${v - b >= 0 ? '+' : ''}${(v - b).toFixed(4)}`;
        }),
      ]);
    blocks.push({ kind: 'table', title: `Gap to ${belady.label} (request miss ratio − optimum): ${trace}`, header: ['policy', ...sizeHeader], rows, best: new Set(), source, ...(fewerSeeds ? { note: fewerSeeds } : {}) });
  }
  const prefetched = series.filter((s) => s.prefetch !== null);
  if (prefetched.length > 0) {
    const rows: string[][] = [];
    for (const s of prefetched) {
      for (const key of sizes) {
        const group = s.bySize.get(key);
        if (!group) continue;
        const issued = mean(group.map((c) => c.stats.prefetchesIssued));
        const hits = mean(group.map((c) => c.stats.prefetchHits));
        const misses = mean(group.map((c) => c.stats.misses));
        // The same policy entry without prefetching: by label, since one policy name may appear
        // under several labels (different params).
        const base = series.find((b) => b.label === s.policyLabel && b.prefetch === null);
        const baseMiss = base ? value(base, key, (c) => c.stats.missRatio) : null;
        rows.push([
          s.label,
          key,
          issued.toFixed(0),
          formatRatio(issued === 0 ? 0 : hits / issued),
          formatRatio(hits + misses === 0 ? 0 : hits / (hits + misses)),
          formatRatio(mean(group.map((c) => c.stats.missRatio))),
          baseMiss === null ? '' : formatRatio(baseMiss),
        ]);
      }
    }
    blocks.push({
      kind: 'table',
      title: `Prefetch: ${trace}`,
      header: ['policy+prefetch', 'size', 'prefetches', 'accuracy', 'coverage', 'miss ratio', 'without prefetch'],
      rows,
      best: new Set(),
      source,
      note: `accuracy = prefetched objects later requested / prefetches issued; coverage = requests served by a prefetched object / (those + misses).${fewerSeeds ? ` ${fewerSeeds}` : ''}`,
    });
  }
  const learned = series.filter((s) => isLearnedPolicyName(s.policy));
  if (learned.length > 0) {
    const baselines = series.filter((s) => !isLearnedPolicyName(s.policy) && !s.oracle && s.prefetch === null);
    const rows: string[][] = [];
    for (const s of learned) {
      for (const key of sizes) {
        const v = value(s, key, (c) => c.stats.missRatio);
        if (v === null) continue;
        let bestBase: { label: string; v: number } | null = null;
        for (const b of baselines) {
          // A mean over fewer seeds is never the best (as in the miss-ratio tables); it stays in the note.
          if (partial(b, key)) continue;
          const bv = value(b, key, (c) => c.stats.missRatio);
          if (bv !== null && (bestBase === null || bv < bestBase.v)) bestBase = { label: b.label, v: bv };
        }
        const lru = baselines.find((b) => b.policy === 'lru');
        const lruValue = lru ? value(lru, key, (c) => c.stats.missRatio) : null;
        rows.push([
          s.label,
          key,
          formatRatio(v),
          lruValue === null ? '' : formatRatio(lruValue),
          bestBase ? `${formatRatio(bestBase.v)} (${bestBase.label})` : '',
          bestBase ? `${v - bestBase.v >= 0 ? '+' : ''}${(v - bestBase.v).toFixed(4)}` : '',
        ]);
      }
    }
    blocks.push({
      kind: 'table',
      title: `DQN evaluation against baselines: ${trace}`,
      header: ['policy', 'size', 'miss ratio', 'LRU', 'best baseline', 'difference'],
      rows,
      best: new Set(),
      source,
      ...(fewerSeeds ? { note: fewerSeeds } : {}),
    });
  }
  return { title: `Trace ${trace}`, blocks };
}

/** metrics.jsonl keys for the three training curves, by the rl-agent's namespaced names. */
const CURVES: { title: string; match: (key: string) => boolean }[] = [
  { title: 'reward (episodic return)', match: (k) => k === 'charts/episodic_return' || /reward|return/i.test(k) },
  { title: 'loss', match: (k) => k === 'losses/td_loss' || /loss/i.test(k) },
  { title: 'hit ratio', match: (k) => /hit_?ratio/i.test(k) },
];

function stepOf(record: Record<string, number>, index: number): number {
  return record.global_step ?? record.step ?? index;
}

/** Four decimals, or three significant digits below 0.001, where four decimals would read as 0 (a late TD loss of 2e-5). */
function resultFigure(v: number): string {
  return Math.abs(v) < 0.001 ? v.toPrecision(3) : v.toFixed(4);
}

function trainingSection(training: readonly TrainingRun[], source: string): ReportSection {
  const blocks: ReportBlock[] = [];
  for (const run of training) {
    const keys = [...new Set(run.metrics.flatMap((r) => Object.keys(r)))];
    for (const curve of CURVES) {
      const key = keys.find(curve.match);
      if (!key) continue;
      const points = run.metrics.flatMap((r, i) => (typeof r[key] === 'number' && Number.isFinite(r[key]) ? [{ step: stepOf(r, i), value: r[key]! }] : []));
      if (points.length === 0) continue;
      blocks.push({
        kind: 'chart',
        id: `train-${run.cell}-${key.replace(/[^A-Za-z0-9]+/g, '_')}`,
        title: `${run.name} (seed ${run.seed}): ${curve.title} [${key}]`,
        spec: trainingCurveSpec(points, curve.title),
        source,
      });
    }
    const figures = Object.entries(run.result).filter(([, v]) => typeof v === 'number' || typeof v === 'string');
    if (figures.length > 0) {
      blocks.push({
        kind: 'table',
        title: `Training result: ${run.name} (seed ${run.seed}, trace ${run.trace})`,
        header: ['figure', 'value'],
        rows: figures.map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? resultFigure(v) : String(v)]),
        best: new Set(),
        source,
      });
    }
  }
  return { title: 'DQN training', blocks };
}
