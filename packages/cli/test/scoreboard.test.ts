import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { loadRun } from '../src/report/load-run.js';
import { blockLengthFor, blockTailMass, pairedBootstrap, windowCounts } from '../src/util/paired-bootstrap.js';
import { buildScoreboard, type ScoreboardOptions } from '../src/report/scoreboard.js';
import { scoreboardOptions } from './helpers/scoreboard.js';
import { runCli, tempDir, writeSkewedTrace } from './helpers/workflow.js';

const BOOT = { confidence: 0.95, resamples: 1000, seed: 'test' };

describe('pairedBootstrap', () => {
  it('turns cumulative counts into per-window counts', () => {
    expect(windowCounts([3, 5, 9, 9])).toEqual([3, 2, 4, 0]);
  });

  it('uses blocks of n^(1/3) windows', () => {
    expect([1, 7, 20, 27, 1000].map(blockLengthFor)).toEqual([1, 2, 3, 3, 10]);
  });

  it('gives [0, 0] for identical replays and exactly n·c for a constant difference c', () => {
    expect(pairedBootstrap(new Array(20).fill(0), BOOT)).toEqual({ total: 0, low: 0, high: 0, blockLength: 3 });
    // Every resample holds exactly n windows (the last block is cut), so a constant gives one value.
    for (const n of [1, 5, 20, 23]) {
      const interval = pairedBootstrap(new Array(n).fill(-7), BOOT);
      expect([interval.total, interval.low, interval.high]).toEqual([-7 * n, -7 * n, -7 * n]);
    }
  });

  it('weighs every window alike, the first and last included (circular blocks)', () => {
    // All of the difference sits in the first window (where the cold misses are). A moving block
    // bootstrap draws that window in about a third of the resamples, so its median total is 0;
    // wrapping the blocks draws it as often as any other, and the median is the observed 100.
    for (const at of [0, 19]) {
      const differences = new Array(20).fill(0);
      differences[at] = 100;
      expect(pairedBootstrap(differences, { confidence: 0.02, resamples: 4000, seed: `edge-${at}` })).toMatchObject({ total: 100, low: 100, high: 100 });
    }
  });

  it('is reproducible from its seed', () => {
    const random = seedrandom('data');
    const differences = Array.from({ length: 40 }, () => Math.round(20 * (random() - 0.4)));
    expect(pairedBootstrap(differences, BOOT)).toEqual(pairedBootstrap(differences, BOOT));
    expect(pairedBootstrap(differences, { ...BOOT, seed: 'other' })).not.toEqual(pairedBootstrap(differences, BOOT));
  });

  it('covers the true total as often as its level says with the 20 windows a replay records', () => {
    // 600 series of 20 i.i.d. normal windows around 0, at 95 %: the plain percentile interval
    // covers 90.3 % of these (the one before 2026-11-30, late); the expanded one ~96 %.
    const random = seedrandom('coverage-20');
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const series = 600;
    let covered = 0;
    for (let s = 0; s < series; s++) {
      const differences = Array.from({ length: 20 }, normal);
      const interval = pairedBootstrap(differences, { confidence: 0.95, resamples: 1000, seed: `coverage-20-${s}` });
      if (interval.low <= 0 && 0 <= interval.high) covered++;
    }
    expect(covered / series).toBeGreaterThan(0.93);
    expect(covered / series).toBeLessThan(0.985);
  });

  it('reads its percentiles at the t-expanded tail with the blocks as units (7 for 20 windows)', () => {
    // 20 windows → blocks of 3 → 7 blocks, 6 df: t(0.975, 6) = 2.4469, × √(7/6) = 2.6430, and
    // 2·Φ(−2.6430) = 0.00822. One window is one block: nothing to widen.
    expect(blockTailMass(0.95, 20)).toBeCloseTo(0.00822, 4);
    expect(blockTailMass(0.95, 1)).toBeCloseTo(0.05, 12);
  });

  it('keeps the plain percentile interval on request, inside the expanded one from the same resamples', () => {
    const random = seedrandom('plain');
    const differences = Array.from({ length: 20 }, () => Math.round(30 * (random() - 0.45)));
    const plain = pairedBootstrap(differences, { ...BOOT, percentiles: 'plain' });
    const expanded = pairedBootstrap(differences, BOOT);
    expect(plain.total).toBe(expanded.total);
    expect(expanded.low).toBeLessThan(plain.low);
    expect(expanded.high).toBeGreaterThan(plain.high);
  });

  it('covers the true total about as often as its level says (i.i.d. windows, known mean)', () => {
    // 400 series of 60 windows, each window difference uniform on [mean − 10, mean + 10].
    const random = seedrandom('coverage');
    const n = 60;
    const mean = 1.5;
    let covered = 0;
    let excludesZero = 0;
    const series = 400;
    for (let s = 0; s < series; s++) {
      const differences = Array.from({ length: n }, () => mean + 20 * (random() - 0.5));
      const interval = pairedBootstrap(differences, { confidence: 0.9, resamples: 500, seed: `coverage-${s}` });
      if (interval.low <= n * mean && n * mean <= interval.high) covered++;
      if (interval.low > 0) excludesZero++;
    }
    // Expanded percentiles cover about 91 % here at 90 % (bench/bootstrap-coverage.ts); a wrong scale
    // (mean instead of total, missing windows) would cover almost never.
    expect(covered / series).toBeGreaterThan(0.8);
    expect(covered / series).toBeLessThan(0.96);
    // The true total is 90 against a standard deviation of about 45: zero is excluded in about half.
    expect(excludesZero / series).toBeGreaterThan(0.3);
    expect(excludesZero / series).toBeLessThan(0.85);
  });
});

async function smallRun(dir: string) {
  const experiment = parseExperiment({
    traces: [
      { path: writeSkewedTrace(dir, 4_000, 600, 3), name: 'skewed' },
    ],
    sizes: ['2%', '10%'],
    policies: ['lru', 'fifo', 'arc', 'sieve', 'random', 'belady'],
    seeds: [1, 2],
  });
  const result = await runExperiment('board', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run experiments/board' });
  expect(result.failed).toEqual([]);
  return result;
}

const misses = (runDir: string, cell: string): number => JSON.parse(readFileSync(join(runDir, cell, 'summary.json'), 'utf8')).stats.misses;

const options = (o: Partial<ScoreboardOptions>): ScoreboardOptions => scoreboardOptions({ candidate: 'arc', ...o });

describe('buildScoreboard', () => {
  it('compares every cell with the baseline and the best of the set, by the summaries, and tallies per seed', async () => {
    const dir = tempDir();
    const { runDir } = await smallRun(dir);
    const board = buildScoreboard(loadRun(runDir), options({ candidate: 'random', bestOf: ['fifo', 'arc', 'sieve'] }));
    expect(board.cells.map((c) => `${c.size}/${c.seed}`)).toEqual(['2%/1', '2%/2', '10%/1', '10%/2']);
    for (const cell of board.cells) {
      const at = (policy: string) => misses(runDir, `skewed-${cell.size.replace('%', 'pct')}-${policy}-s${cell.seed}`);
      expect(cell.misses).toBe(at('random'));
      expect(cell.baseline.difference).toBe(at('random') - at('lru'));
      const strongest = ['fifo', 'arc', 'sieve'].reduce((a, b) => (at(b) < at(a) ? b : a));
      expect(cell.best!.against).toBe(strongest);
      expect(cell.best!.difference).toBe(at('random') - at(strongest));
      for (const c of [cell.baseline, cell.best!]) {
        expect(c.verdict).toBe(c.difference < 0 ? 'win' : c.difference > 0 ? 'loss' : 'tie');
        expect(c.low! <= c.high!).toBe(true);
        expect(c.significant).toBe(c.high! < 0 || c.low! > 0);
      }
    }
    for (const tally of board.seeds) {
      const mine = board.cells.filter((c) => c.seed === tally.seed);
      expect(tally.cells).toBe(2);
      expect(tally.baseline.wins).toBe(mine.filter((c) => c.baseline.difference < 0).length);
      expect(tally.baseline.losses).toBe(mine.filter((c) => c.baseline.difference > 0).length);
      expect(tally.best.wins + tally.best.ties + tally.best.losses).toBe(2);
      expect(tally.meanMissRatio).toBeCloseTo((mine[0]!.missRatio + mine[1]!.missRatio) / 2, 12);
    }
  });

  it('Belady never loses to LRU, and wins significantly where the cache is small', async () => {
    const dir = tempDir();
    const { runDir } = await smallRun(dir);
    const board = buildScoreboard(loadRun(runDir), options({ candidate: 'belady' }));
    for (const cell of board.cells) expect(cell.baseline.difference).toBeLessThan(0);
    expect(board.cells.filter((c) => c.size === '2%').every((c) => c.baseline.significant)).toBe(true);
    expect(board.seeds.map((s) => s.baseline.wins)).toEqual([2, 2]);
  });

  it('a policy against itself ties everywhere with a zero-width interval', async () => {
    const dir = tempDir();
    const { runDir } = await smallRun(dir);
    const board = buildScoreboard(loadRun(runDir), options({ candidate: 'lru' }));
    for (const cell of board.cells) expect(cell.baseline).toMatchObject({ difference: 0, low: 0, high: 0, verdict: 'tie', significant: false });
  });

  it('names the labels a run has when asked for one it lacks', async () => {
    const dir = tempDir();
    const run = loadRun((await smallRun(dir)).runDir);
    expect(() => buildScoreboard(run, options({ candidate: 'lfu' }))).toThrow('no policy labelled "lfu" in ' + run.runDir + '; its replay cells are labelled: lru, fifo, arc, sieve, random, belady');
    expect(() => buildScoreboard(run, options({ traces: ['web07'] }))).toThrow('--traces: no trace named web07 in this run; its traces are: skewed');
  });
});

describe('cachelab report --candidate', () => {
  it('writes the scoreboard tables and scoreboard.json, and prints the tally', async () => {
    const dir = tempDir();
    const { runDir } = await smallRun(dir);
    const out = join(dir, 'r');
    const { code, stdout } = await runCli(['report', runDir, '--out', out, '--candidate', 'arc', '--best-of', 'fifo,sieve', '--resamples', '300']);
    expect(code).toBe(0);
    const board = JSON.parse(readFileSync(join(out, 'scoreboard.json'), 'utf8'));
    expect(board.options).toMatchObject({ candidate: 'arc', baseline: 'lru', bestOf: ['fifo', 'sieve'], resamples: 300, seed: 1 });
    for (const seed of board.seeds) expect(stdout).toContain(`seed ${seed.seed}: beats lru in ${seed.baseline.wins}/2 cells, the best of fifo/sieve in ${seed.best.wins}/2`);
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(markdown).toContain('## Scoreboard: arc');
    expect(markdown).toContain(`\`cachelab report ${runDir} --candidate arc --baseline lru --best-of fifo,sieve --confidence 0.95 --resamples 300 --seed 1\``);
    // The same numbers in the table as in the file.
    const first = board.cells[0];
    const sign = (n: number) => (n > 0 ? `+${n.toLocaleString('en-US')}` : n.toLocaleString('en-US'));
    expect(markdown).toContain(`| skewed | 2% (${first.capacity}) | 1 | ${first.missRatio.toFixed(4)} | ${first.baseline.missRatio.toFixed(4)} | ${sign(first.baseline.difference)} [${sign(first.baseline.low)}, ${sign(first.baseline.high)}] |`);
    // Same seed, same intervals.
    expect((await runCli(['report', runDir, '--out', join(dir, 'r2'), '--candidate', 'arc', '--best-of', 'fifo,sieve', '--resamples', '300', '--quiet'])).code).toBe(0);
    expect(readFileSync(join(dir, 'r2', 'scoreboard.json'), 'utf8')).toBe(readFileSync(join(out, 'scoreboard.json'), 'utf8'));
  });

  it('refuses scoreboard flags without --candidate, and a bad confidence level', async () => {
    const dir = tempDir();
    const { runDir } = await smallRun(dir);
    const without = await runCli(['report', runDir, '--out', join(dir, 'r'), '--best-of', 'fifo']);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('name the policy it is for with --candidate LABEL');
    // Also a flag typed at its default value: `--baseline lru` alone wrote a report without a scoreboard, silently.
    for (const typed of [['--baseline', 'lru'], ['--seed', '1'], ['--confidence', '0.95']]) {
      const atDefault = await runCli(['report', runDir, '--out', join(dir, 'r'), ...typed]);
      expect(atDefault.code, typed.join(' ')).toBe(1);
      expect(atDefault.stderr).toContain('name the policy it is for with --candidate LABEL');
    }
    const bad = await runCli(['report', runDir, '--out', join(dir, 'r'), '--candidate', 'arc', '--confidence', '95']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--confidence must be a level in (0, 1) such as 0.95, got "95"');
  });
});
