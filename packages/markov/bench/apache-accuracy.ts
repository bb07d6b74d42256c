/**
 * Next-URL accuracy on the shipped web log, per client (session = client address): one table row
 * per predictor configuration with top-1 and top-3 over all predictions, and top-1 over the
 * predictions made in the first half (requests 0–4,999) and the second half (5,000–9,999) of the
 * log. Every model learns strictly online (predict, then learn each request). Parameters tuned on
 * the log were chosen by their first-half accuracy; the second half shows how they hold up.
 * `--grid` instead runs the 384-setting grid ACCESS_LOG_PRESET's context options were chosen from
 * and prints the ten best by first-half top-1 (about 30 s); `--referrer-grid` all 16 referrer
 * settings (weight × successors per referrer) its referrerWeight was then chosen from, on top of
 * those context options, best first.
 *   cd packages/markov && npx tsx bench/apache-accuracy.ts [--grid | --referrer-grid] [path/to/access.log]
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTrace, type RequestBatch } from '@cachelab/cache-core';
import {
  ACCESS_LOG_PRESET,
  MarkovPredictor,
  NaiveFirstOrderPredictor,
  accuracyDifferenceInterval,
  clusterCounts,
  evaluatePredictor,
  type MarkovOptions,
  type SequencePredictor,
} from '../src/index.js';

const TOP = 3;
const defaultLog = fileURLToPath(new URL('../../../../shared/traces/apache_logs.log', import.meta.url));
const args = process.argv.slice(2);
const gridMode = args.includes('--grid');
const referrerGridMode = args.includes('--referrer-grid');
const path = args.find((a) => !a.startsWith('--')) ?? defaultLog;
if (!existsSync(path)) {
  console.error(`no access log at ${path}; pass one as the first argument`);
  process.exit(1);
}

const configs: Array<[string, () => SequencePredictor]> = [
  ['naive first order (README baseline)', () => new NaiveFirstOrderPredictor()],
  ['order 1 (defaults)', () => new MarkovPredictor()],
  ['order 3 + session stats', () => new MarkovPredictor({ order: 3, sessionStats: true })],
  ['order 3 + session stats + positions 8 (previous best)', () => new MarkovPredictor({ order: 3, sessionStats: true, positions: 8 })],
  ['  + unordered 4', () => new MarkovPredictor({ order: 3, sessionStats: true, positions: 8, unordered: 4 })],
  ['  + unordered 4 + recent window 32', () => new MarkovPredictor({ order: 3, sessionStats: true, positions: 8, unordered: 4, recentWindow: 32 })],
  ['  + unordered 4 + recent window 32 + skip 3', () => new MarkovPredictor({ order: 3, sessionStats: true, positions: 8, unordered: 4, recentWindow: 32, skip: 3 })],
  [`ACCESS_LOG_PRESET ${JSON.stringify(ACCESS_LOG_PRESET)}`, () => new MarkovPredictor(ACCESS_LOG_PRESET)],
  ['best without unordered', () => new MarkovPredictor({ ...ACCESS_LOG_PRESET, unordered: 0 })],
  ['best without recent window', () => new MarkovPredictor({ ...ACCESS_LOG_PRESET, recentWindow: 0 })],
  ['best without skip', () => new MarkovPredictor({ ...ACCESS_LOG_PRESET, skip: 0 })],
  ['best without positions', () => new MarkovPredictor({ ...ACCESS_LOG_PRESET, positions: 0 })],
  ['best without referrer (the preset before referrer contexts)', () => new MarkovPredictor({ ...ACCESS_LOG_PRESET, referrerWeight: 0 })],
];

interface Row {
  predictions: number;
  top1: number;
  topK: number;
  half: [predictions: number, top1: number][];
}

/** evaluatePredictor's loop, also split by half of the log. */
function score(predictor: SequencePredictor, batch: RequestBatch): Row {
  const keys = new Uint32Array(TOP);
  const probabilities = new Float64Array(TOP);
  const row: Row = { predictions: 0, top1: 0, topK: 0, half: [[0, 0], [0, 0]] };
  const middle = Math.floor(batch.length / 2);
  for (let i = 0; i < batch.length; i++) {
    const actual = batch.key[i]!;
    const n = predictor.predictSession(batch.session[i]!, TOP, keys, probabilities);
    if (n > 0) {
      const half = row.half[i < middle ? 0 : 1]!;
      row.predictions++;
      half[0]++;
      if (keys[0] === actual) {
        row.top1++;
        half[1]++;
      }
      for (let j = 0; j < n; j++) {
        if (keys[j] === actual) {
          row.topK++;
          break;
        }
      }
    }
    predictor.updateBatch(batch, i);
  }
  return row;
}

const pct = (hits: number, of: number): string => `${((100 * hits) / Math.max(1, of)).toFixed(2)}%`;
const trace = await loadTrace(path);
console.log(`${path}: ${trace.batch.length} requests, ${trace.keyCount} URLs, ${trace.sessionCount} clients\n`);

/** The selection grid (fixed: per-client stats, positions 8, recentScale 4). */
const GRID: Record<string, readonly unknown[]> = {
  order: [2, 3],
  orderWeight: [3, 4],
  sessionWeight: [1, 2],
  unordered: [3, 4, 5],
  recentWindow: [16, 32],
  recentBoost: [0.2, 0.5],
  skip: [0, 3],
  maxSuccessors: [8, 16],
};

/** The referrer grid, on top of the preset's context options. */
const REFERRER_GRID: Record<string, readonly unknown[]> = {
  referrerWeight: [0.1, 0.2, 0.4, 0.8],
  referrerSuccessors: [16, 32, 64, 128],
};

if (gridMode || referrerGridMode) {
  let settings: Array<Partial<MarkovOptions>> = gridMode ? [{ sessionStats: true, positions: 8 }] : [{ ...ACCESS_LOG_PRESET, referrerWeight: 0 }];
  for (const [field, values] of Object.entries(gridMode ? GRID : REFERRER_GRID)) settings = settings.flatMap((s) => values.map((v) => ({ ...s, [field]: v })));
  const rows = settings.map((options) => ({ options, row: score(new MarkovPredictor(options), trace.batch) }));
  const firstHalf = (r: Row): number => r.half[0]![1] / r.half[0]![0];
  rows.sort((a, b) => firstHalf(b.row) - firstHalf(a.row));
  // The 384-setting grid shows its ten best; the 16 referrer settings are all shown.
  const shownRows = gridMode ? rows.slice(0, 10) : rows;
  console.log(`${rows.length} settings; ${gridMode ? 'the ten best' : 'all'} by first-half top-1 (ties keep grid order):\n`);
  console.log('| setting | first half | second half | overall |');
  console.log('|---|---|---|---|');
  for (const { options, row } of shownRows) {
    const [first, second] = row.half as [[number, number], [number, number]];
    const shown = gridMode ? options : { referrerWeight: options.referrerWeight, referrerSuccessors: options.referrerSuccessors };
    console.log(`| ${JSON.stringify(shown)} | ${pct(first[1], first[0])} | ${pct(second[1], second[0])} | ${pct(row.top1, row.predictions)} (${row.top1}/${row.predictions}) |`);
  }
  process.exit(0);
}
console.log('| configuration | top-1 (hits/predictions) | top-3 | first half | second half |');
console.log('|---|---|---|---|---|');
for (const [name, make] of configs) {
  const r = score(make(), trace.batch);
  const [first, second] = r.half as [[number, number], [number, number]];
  console.log(
    `| ${name} | ${pct(r.top1, r.predictions)} (${r.top1}/${r.predictions}) | ${pct(r.topK, r.predictions)} | ${pct(first[1], first[0])} (${first[1]}/${first[0]}) | ${pct(second[1], second[0])} (${second[1]}/${second[0]}) |`,
  );
}

// The referrer context's gain, paired by client (the same resampled clients for both models).
const withReferrer = evaluatePredictor(new MarkovPredictor(ACCESS_LOG_PRESET), trace.batch, TOP);
const withoutReferrer = evaluatePredictor(new MarkovPredictor({ ...ACCESS_LOG_PRESET, referrerWeight: 0 }), trace.batch, TOP);
const points = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
for (const which of ['top1', 'topK'] as const) {
  const d = accuracyDifferenceInterval(clusterCounts(withReferrer, which), clusterCounts(withoutReferrer, which));
  console.log(`\nreferrer context, ${which === 'top1' ? 'top-1' : `top-${TOP}`}: ${points(d.difference)} points [${points(d.low)}, ${points(d.high)}] (95 %, paired by client, ${d.clusters} clients)`);
}
