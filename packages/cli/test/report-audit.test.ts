/**
 * Audit of the numbers a report publishes: the prefetch table's "without prefetch" column, the
 * scoreboard on a partial run, and the scoreboard's windows when the experiment has a warmup.
 * Expected values come from the run's own summary.json files or from brute-force LRU/FIFO
 * replays written here.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment, policyLabel } from '../src/experiment/schema.js';
import { loadRun } from '../src/report/load-run.js';
import { buildReportModel, type ReportTable } from '../src/report/model.js';
import { buildScoreboard, type ScoreboardOptions } from '../src/report/scoreboard.js';
import { verdictText } from '../src/report/scoreboard-section.js';
import { pairedMissDifference } from '../src/util/paired-bootstrap.js';
import { scoreboardOptions } from './helpers/scoreboard.js';
import { runCli, tempDir, writeKeys, writeSkewedTrace } from './helpers/workflow.js';

const summaryOf = (runDir: string, cell: string) => JSON.parse(readFileSync(join(runDir, cell, 'summary.json'), 'utf8'));

const boardOptions = (o: Partial<ScoreboardOptions>): ScoreboardOptions => scoreboardOptions({ candidate: 'fifo', ...o });

/** Cumulative misses of a brute-force LRU or FIFO (Map in insertion order) at each window end, counting after `warmup`. */
function bruteCumulativeMisses(keys: readonly string[], capacity: number, policy: 'lru' | 'fifo', warmup: number, ends: readonly number[]): number[] {
  const cache = new Map<string, true>();
  const out: number[] = [];
  let misses = 0;
  let next = 0;
  keys.forEach((key, i) => {
    if (cache.has(key)) {
      if (policy === 'lru') {
        cache.delete(key);
        cache.set(key, true);
      }
    } else {
      if (i >= warmup) misses++;
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
      cache.set(key, true);
    }
    if (i + 1 === ends[next]) {
      out.push(misses);
      next++;
    }
  });
  return out;
}

describe('report audit: prefetch table', () => {
  it('"without prefetch" is the same policy entry (by label), not the first policy of that name', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: writeSkewedTrace(dir, 3_000, 400, 5), name: 'skewed' }],
      sizes: [40],
      policies: [
        { name: 'clock', label: 'clock1', params: { bits: 1 } },
        { name: 'clock', label: 'clock3', params: { bits: 3 } },
      ],
      prefetch: [{ name: 'markov', degree: 1 }],
    });
    const run = await runExperiment('pfl', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run pfl' });
    expect(run.failed).toEqual([]);
    const clock1 = summaryOf(run.runDir, 'skewed-40-clock1-s0').stats.missRatio as number;
    const clock3 = summaryOf(run.runDir, 'skewed-40-clock3-s0').stats.missRatio as number;
    // The two entries differ at 4 decimals, so a wrong match shows.
    expect(clock1.toFixed(4)).not.toBe(clock3.toFixed(4));
    const model = buildReportModel(loadRun(run.runDir));
    const table = model.sections.flatMap((s) => s.blocks).find((b): b is ReportTable => b.kind === 'table' && b.title === 'Prefetch: skewed')!;
    const without = Object.fromEntries(table.rows.map((r) => [r[0], r[6]]));
    expect(without).toEqual({ 'clock1+markov': clock1.toFixed(4), 'clock3+markov': clock3.toFixed(4) });
  });
});

describe('report audit: means over fewer seeds', () => {
  it('the gap-to-Belady table names a figure averaged over fewer seeds, as the miss-ratio tables do', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: writeSkewedTrace(dir, 2_000, 300, 3), name: 'skewed' }],
      sizes: ['5%', '20%'],
      policies: ['lru', 'random', 'belady'],
      seeds: [0, 1],
    });
    const run = await runExperiment('fewer', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run fewer' });
    expect(run.failed).toEqual([]);
    rmSync(join(run.runDir, 'skewed-20pct-random-s1', 'summary.json'));
    const model = buildReportModel(loadRun(run.runDir));
    const tables = model.sections.flatMap((s) => s.blocks).filter((b): b is ReportTable => b.kind === 'table');
    const gap = tables.find((t) => t.title === 'Gap to belady (request miss ratio − optimum): skewed')!;
    const ratio = (cell: string) => summaryOf(run.runDir, cell).stats.missRatio as number;
    const belady20 = (ratio('skewed-20pct-belady-s0') + ratio('skewed-20pct-belady-s1')) / 2;
    // The figure itself: seed 0 alone (the only complete one) minus Belady.
    expect(gap.rows.find((r) => r[0] === 'random')![2]).toBe(`+${(ratio('skewed-20pct-random-s0') - belady20).toFixed(4)}`);
    expect(gap.note).toBe('Means over fewer seeds (their other cells are incomplete): random at 20% (1 of 2 seeds).');
  });
});

describe('report audit: scoreboard on a partial run', () => {
  it('names a candidate cell that never completed instead of dropping it silently', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: writeSkewedTrace(dir, 2_000, 300, 3), name: 'skewed' }],
      sizes: ['2%', '10%'],
      policies: ['lru', 'fifo'],
      seeds: [1],
    });
    const run = await runExperiment('partial', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run partial' });
    expect(run.failed).toEqual([]);
    rmSync(join(run.runDir, 'skewed-10pct-fifo-s1', 'summary.json'));
    const board = buildScoreboard(loadRun(run.runDir), boardOptions({}));
    expect(board.cells.map((c) => c.size)).toEqual(['2%']);
    expect(board.seeds.map((s) => s.cells)).toEqual([1]);
    expect(board.skipped).toEqual(['skewed-10pct-fifo-s1: not complete (no summary.json); run the experiment again to finish it']);
    // The CLI prints it under the per-seed tally.
    const { code, stdout } = await runCli(['report', run.runDir, '--out', join(dir, 'r'), '--candidate', 'fifo', '--resamples', '200']);
    expect(code).toBe(0);
    expect(stdout).toContain('seed 1: beats lru in ');
    expect(stdout).toContain('left out: skewed-10pct-fifo-s1: not complete (no summary.json)');
  });
});

describe('report audit: scoreboard windows with a warmup', () => {
  it('leaves the warmup windows (no request counted) out of the bootstrap', async () => {
    const dir = tempDir();
    const trace = writeSkewedTrace(dir, 2_000, 300, 3);
    const keys = readFileSync(trace, 'utf8').trim().split('\n');
    const experiment = parseExperiment({
      traces: [{ path: trace, name: 'skewed' }],
      sizes: [30],
      policies: ['lru', 'fifo'],
      warmup: 1_000,
    });
    const run = await runExperiment('warm', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run warm' });
    expect(run.failed).toEqual([]);
    const data = loadRun(run.runDir);
    // 20 windows of 100 requests; the first 10 lie inside the warmup.
    const ends = Array.from({ length: 10 }, (_, i) => 1_100 + 100 * i);
    const lru = bruteCumulativeMisses(keys, 30, 'lru', 1_000, ends);
    const fifo = bruteCumulativeMisses(keys, 30, 'fifo', 1_000, ends);
    for (const [label, expected] of [['lru', lru], ['fifo', fifo]] as const) {
      const cell = data.replay.find((c) => c.policy.label === label)!;
      expect(cell.windows).toEqual({ position: ends, misses: expected });
      expect(cell.stats.misses).toBe(expected.at(-1));
    }
    const board = buildScoreboard(data, boardOptions({}));
    const cell = board.cells[0]!;
    expect(cell.baseline.difference).toBe(fifo.at(-1)! - lru.at(-1)!);
    const expected = pairedMissDifference(fifo, lru, { confidence: 0.95, resamples: 500, seed: 'scoreboard:1:skewed\u000030\u00000:lru' });
    expect([cell.baseline.low, cell.baseline.high, cell.baseline.significant]).toEqual([expected.low, expected.high, expected.significant]);
    expect(expected.blockLength).toBe(2); // 10 windows: blocks of round(10^⅓) = 2
  });

  it('gives no interval from a single measured window instead of a zero-width "significant" one', async () => {
    const dir = tempDir();
    // Capacity 2: LRU keeps 1 when 3 arrives and hits on the last request; FIFO evicts 1 and misses.
    const experiment = parseExperiment({
      traces: [{ path: writeKeys(dir, [1, 2, 1, 3, 1]), name: 'tiny' }],
      sizes: [2],
      policies: ['lru', 'fifo'],
      warmup: 4,
    });
    const run = await runExperiment('one', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run one' });
    expect(run.failed).toEqual([]);
    const board = buildScoreboard(loadRun(run.runDir), boardOptions({ candidate: 'lru', baseline: 'fifo' }));
    const c = board.cells[0]!.baseline;
    expect([board.cells[0]!.misses, c.misses, c.difference]).toEqual([0, 1, -1]);
    expect(c).toMatchObject({ verdict: 'win', low: null, high: null, significant: false });
    expect(verdictText(c)).toBe('win (no interval)');
    expect(board.seeds[0]!.baseline).toEqual({ wins: 1, significantWins: 0, ties: 0, losses: 0, significantLosses: 0 });
  });
});

describe('runs written before dqn-select joined its models with "+"', () => {
  it('are read with "+" and their labels (so their cell folders) as written, instead of refused', async () => {
    const dir = tempDir();
    const trace = writeSkewedTrace(dir, 500, 50);
    const result = await runExperiment('legacy', parseExperiment({ traces: [{ path: trace, name: 'tiny' }], sizes: ['10%'], policies: ['lru'] }), {
      runsDir: join(dir, 'runs'),
      workers: 1,
      quiet: true,
      command: 'test',
    });
    // The stored experiment as an older cachelab wrote it: comma-joined model lists.
    const headerFile = join(result.runDir, 'experiment.json');
    const header = JSON.parse(readFileSync(headerFile, 'utf8'));
    header.experiment.policies = ['lru', 'dqn-select:@a,@b', { name: 'dqn-select:@b,@a', label: 'sel' }];
    header.experiment.dqn = { train: [{ name: 'a', trace: 'tiny', size: '10%' }, { name: 'b', trace: 'tiny', size: '10%' }] };
    writeFileSync(headerFile, JSON.stringify(header));
    const run = loadRun(result.runDir);
    expect(run.experiment.policies).toEqual(['lru', 'dqn-select:@a+@b', expect.objectContaining({ name: 'dqn-select:@b+@a', label: 'sel' })]);
    // The folders an older cachelab named these cells by: the label made from the comma name.
    expect(policyLabel('dqn-select:@a,@b')).toBe('dqn-select-a__b');
    expect(run.cells.filter((cell) => cell.kind === 'replay').map((cell) => cell.id)).toEqual(['tiny-10pct-lru-s0', 'tiny-10pct-dqn-select-a__b-s0', 'tiny-10pct-sel-s0']);
    expect(run.replay.map((cell) => cell.policy.label)).toEqual(['lru']);
  });
});
