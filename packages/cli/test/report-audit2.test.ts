/**
 * Second audit of the report path: figures a report publishes from cells the runner itself no
 * longer counts as complete (a trace rewritten, a model trained again, and the run stopped before
 * redoing every cell), so one table mixes two traces or two models.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { loadRun } from '../src/report/load-run.js';
import { buildScoreboard } from '../src/report/scoreboard.js';
import { scoreboardOptions } from './helpers/scoreboard.js';
import { repoRoot } from '../src/util/paths.js';
import { runCli, tempDir, writeKeys, writeSkewedTrace } from './helpers/workflow.js';

const options = (runsDir: string) => ({ runsDir, workers: 1, quiet: true, command: 'cachelab run audit2' });

/** Restores a cell folder as an earlier run left it: what a Ctrl-C before the cell ran again leaves. */
function restore(saved: string, cell: string): void {
  rmSync(cell, { recursive: true, force: true });
  cpSync(saved, cell, { recursive: true });
}

describe('a report of a run stopped while redoing the cells of a rewritten trace', () => {
  it('refuses to put cells of two versions of one trace in one table, naming the trace and the way out', async () => {
    const dir = tempDir();
    const trace = writeKeys(dir, Array.from({ length: 30 }, (_, i) => [10, 11, 12][i % 3]!), 'loop.txt');
    const experiment = parseExperiment({ traces: [{ path: trace, name: 'loop' }], sizes: [2], policies: ['lru', 'fifo'] });
    const runs = join(dir, 'runs');
    const first = await runExperiment('mixed', experiment, options(runs));
    expect(first.ran).toBe(2);
    const fifo = join(first.runDir, 'loop-2-fifo-s0');
    cpSync(fifo, join(dir, 'fifo-before'), { recursive: true });
    // Same path, other requests: two keys alternate (2 misses instead of 30).
    writeKeys(dir, Array.from({ length: 30 }, (_, i) => [10, 11][i % 2]!), 'loop.txt');
    const second = await runExperiment('mixed', experiment, options(runs));
    expect(second.ran).toBe(2);
    restore(join(dir, 'fifo-before'), fifo);
    // The runner redoes that cell; the report must not print lru's 2 misses next to fifo's 30.
    expect(() => loadRun(first.runDir)).toThrow(/trace "loop".*two versions.*loop-2-fifo-s0.*run the experiment again/s);
    const { code, stderr } = await runCli(['report', first.runDir, '--out', join(dir, 'report'), '--quiet']);
    expect(code).toBe(1);
    expect(stderr).toContain('trace "loop"');
    // Running again redoes the stale cell, and the report reads.
    const third = await runExperiment('mixed', experiment, options(runs));
    expect([third.ran, third.skipped]).toEqual([1, 1]);
    expect(loadRun(first.runDir).replay.map((c) => c.stats.misses)).toEqual([2, 2]);
  });
});

describe('a report of a run stopped between training a model again and replaying it', () => {
  it('lists the replay of the old model as incomplete instead of reporting its figures', async () => {
    const dir = tempDir();
    const web07 = readFileSync(join(repoRoot(), 'traces', 'cache2k-web07.txt'), 'utf8').split('\n');
    const trainTrace = join(dir, 'train.txt');
    writeFileSync(trainTrace, `${web07.slice(0, 1500).join('\n')}\n`);
    const experiment = parseExperiment({
      traces: [
        { path: trainTrace, name: 'train' },
        { path: writeSkewedTrace(dir, 1_500, 300, 4), name: 'other' },
      ],
      sizes: ['5%'],
      policies: ['lru', 'dqn:@tiny'],
      dqn: { train: [{ name: 'tiny', trace: 'train', size: '5%', config: { totalSteps: 120, learningStarts: 40, logInterval: 40, bufferSize: 500, batchSize: 8 } }] },
    });
    const runs = join(dir, 'runs');
    const first = await runExperiment('dqnreport', experiment, options(runs));
    expect(first.failed).toEqual([]);
    const evalCell = join(first.runDir, 'other-5pct-dqn-tiny-s0');
    // A summary written before replays recorded their models' checksums is reported as it is.
    const summaryFile = join(evalCell, 'summary.json');
    const recorded = readFileSync(summaryFile, 'utf8');
    const { models, ...legacy } = JSON.parse(recorded) as { models: unknown };
    expect(models).toEqual({ tiny: expect.stringMatching(/^[0-9a-f]{64}$/) });
    writeFileSync(summaryFile, JSON.stringify(legacy));
    expect(loadRun(first.runDir).incomplete).toEqual([]);
    writeFileSync(summaryFile, recorded);
    cpSync(evalCell, join(dir, 'before'), { recursive: true });
    writeFileSync(trainTrace, `${web07.slice(1500, 3000).join('\n')}\n`);
    expect((await runExperiment('dqnreport', experiment, options(runs))).failed).toEqual([]);
    restore(join(dir, 'before'), evalCell);
    const run = loadRun(first.runDir);
    expect(run.incomplete).toEqual(['other-5pct-dqn-tiny-s0']);
    expect(buildScoreboard(run, scoreboardOptions({ candidate: 'dqn-tiny' })).skipped).toContainEqual(
      'other-5pct-dqn-tiny-s0: not complete (its model was trained again after this replay); run the experiment again to finish it',
    );
    expect(run.replay.map((c) => c.cell)).not.toContain('other-5pct-dqn-tiny-s0');
  });
});

describe('a scoreboard of a policy none of whose cells completed', () => {
  it('lists its cells as left out instead of saying the run has no policy of that label', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({ traces: [{ path: writeSkewedTrace(dir, 1_000, 200, 2), name: 'skewed' }], sizes: ['5%', '10%'], policies: ['lru', 'fifo'] });
    const run = await runExperiment('none', experiment, options(join(dir, 'runs')));
    for (const cell of ['skewed-5pct-fifo-s0', 'skewed-10pct-fifo-s0']) rmSync(join(run.runDir, cell, 'summary.json'));
    const data = loadRun(run.runDir);
    const board = buildScoreboard(data, scoreboardOptions({ candidate: 'fifo' }));
    expect(board.cells).toEqual([]);
    expect(board.skipped).toEqual([
      'skewed-5pct-fifo-s0: not complete (no summary.json); run the experiment again to finish it',
      'skewed-10pct-fifo-s0: not complete (no summary.json); run the experiment again to finish it',
    ]);
    // As baseline: every candidate cell is named, none compared.
    expect(buildScoreboard(data, scoreboardOptions({ candidate: 'lru', baseline: 'fifo' })).skipped).toEqual([
      'skewed-5pct-lru-s0: no fifo replay at this trace, size and seed',
      'skewed-10pct-lru-s0: no fifo replay at this trace, size and seed',
    ]);
    // A label the experiment does not have is still an error, listing every label of the run.
    expect(() => buildScoreboard(data, scoreboardOptions({ candidate: 'arc' }))).toThrow('its replay cells are labelled: lru, fifo');
  });
});

describe('report --resamples', () => {
  it('is refused outside 100..1,000,000 with the flag named (1e10 failed deep inside as "Invalid typed array length")', async () => {
    for (const value of ['10000000000', '5']) {
      const { code, stderr } = await runCli(['report', 'runs/none', '--candidate', 'x', '--resamples', value]);
      expect(code).toBe(1);
      expect(stderr).toContain(`--resamples must be from 100 to 1000000`);
      expect(stderr).toContain(`got "${value}"`);
    }
  });
});
