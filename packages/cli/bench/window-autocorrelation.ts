/**
 * How correlated neighbouring metric windows are in real replays: the lag-1 autocorrelation of
 * the per-window miss differences (candidate − each other policy of the same cell; the first
 * window, which holds the cold misses, left out). It tells which row of bootstrap-coverage.ts
 * describes the scoreboard's intervals on real traces. With 19 windows the estimate is biased low
 * by about (1 + 4ρ) / 19.
 *
 *   node --import tsx packages/cli/bench/window-autocorrelation.ts CANDIDATE RUN [RUN …] [--against L1,L2…] [--traces T1,T2…]
 *
 * --against: only these other policies (default: every one); --traces: only these traces.
 */
import { loadRun, type ReplaySummary, seriesLabel } from '../src/report/load-run.js';
import { windowCounts } from '../src/util/paired-bootstrap.js';

const args = process.argv.slice(2);
/** The comma list after `flag`, removed from args; null when absent. */
function listFlag(flag: string): Set<string> | null {
  const at = args.indexOf(flag);
  if (at < 0) return null;
  const [, value] = args.splice(at, 2);
  if (!value || value.startsWith('--')) {
    console.error(`${flag} needs a comma-separated list`);
    process.exit(2);
  }
  return new Set(value.split(',').filter(Boolean));
}
const against = listFlag('--against');
const traces = listFlag('--traces');
const [candidate, ...runs] = args;
if (!candidate || runs.length === 0 || runs.some((r) => r.startsWith('--'))) {
  console.error('usage: node --import tsx packages/cli/bench/window-autocorrelation.ts CANDIDATE RUN [RUN …] [--against L1,L2…] [--traces T1,T2…]   (CANDIDATE: a policy label of the runs)');
  process.exit(2);
}

function lag1(values: readonly number[]): number | null {
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < values.length; i++) {
    den += (values[i]! - mean) ** 2;
    if (i > 0) num += (values[i]! - mean) * (values[i - 1]! - mean);
  }
  return den > 0 ? num / den : null; // identical windows: no correlation to speak of
}

const all: number[] = [];
const byCell = new Map<string, number[]>();
for (const path of runs) {
  const run = loadRun(path);
  const cellOf = (r: ReplaySummary) => `${r.trace.name} ${String(r.size)}`;
  const replays = new Map(run.replay.map((r) => [`${cellOf(r)}|${r.seed}|${seriesLabel(r)}`, r]));
  for (const r of run.replay) {
    if (seriesLabel(r) !== candidate || (traces && !traces.has(r.trace.name))) continue;
    for (const other of run.replay) {
      if ((against && !against.has(seriesLabel(other))) || other.seed !== r.seed || cellOf(other) !== cellOf(r) || other === r || replays.get(`${cellOf(r)}|${r.seed}|${seriesLabel(other)}`) !== other) continue;
      if (other.windows.position.join() !== r.windows.position.join()) continue;
      const a = windowCounts(r.windows.misses);
      const b = windowCounts(other.windows.misses);
      const rho = lag1(a.map((x, i) => x - b[i]!).slice(1));
      if (rho === null) continue;
      all.push(rho);
      (byCell.get(cellOf(r)) ?? byCell.set(cellOf(r), []).get(cellOf(r))!).push(rho);
    }
  }
}
if (all.length === 0) {
  console.error(`no comparisons: is "${candidate}" a policy label of these runs?`);
  process.exit(1);
}
all.sort((x, y) => x - y);
const q = (p: number) => all[Math.round(p * (all.length - 1))]!.toFixed(2);
const mean = (v: number[]) => (v.reduce((s, x) => s + x, 0) / v.length).toFixed(2);
console.log(`lag-1 autocorrelation of per-window differences, ${candidate} against ${against ? [...against].join(', ') : 'every other policy'}${traces ? ` on ${[...traces].join(', ')}` : ''}, ${all.length} comparisons`);
console.log(`median ${q(0.5)}, quartiles ${q(0.25)} / ${q(0.75)}, 10 % / 90 % ${q(0.1)} / ${q(0.9)}, mean ${mean(all)}`);
for (const [cell, values] of byCell) console.log(`  ${cell.padEnd(24)} mean ${mean(values).padStart(5)}  (${values.length})`);
