/**
 * Second audit of the experiment path (run, compare, replay, mrc): bad inputs that failed without
 * naming what was wrong, option values silently changed, and a resumed run that kept the figures of
 * a model trained before.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { repoRoot } from '../src/util/paths.js';
import { runCli, tempDir, writeKeys, writeSkewedTrace } from './helpers/workflow.js';

const options = (runsDir: string) => ({ runsDir, workers: 1, quiet: true, command: 'cachelab run audit2' });

describe('a trace path that is a folder', () => {
  it('`run` and `compare` fail naming the path (not a bare "EISDIR: illegal operation on a directory, read")', async () => {
    const dir = tempDir();
    const folder = join(dir, 'traces');
    mkdirSync(folder);
    const file = join(dir, 'exp.json');
    writeFileSync(file, JSON.stringify({ traces: [folder], sizes: [2], policies: ['lru'] }));
    const run = await runCli(['run', file, '--runs', join(dir, 'runs'), '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(folder);
    expect(run.stderr).toContain('is a directory');
    const compare = await runCli(['compare', '--trace', folder, '--policies', 'lru', '--sizes', '2', '--out', join(dir, 'cmp'), '--quiet']);
    expect(compare.code).toBe(1);
    expect(compare.stderr).toContain(folder);
    expect(compare.stderr).toContain('is a directory');
  });
});

describe('whole-number options beyond 2^53', () => {
  it('are refused instead of rounded onto another value (two --seed values giving one seed)', async () => {
    const dir = tempDir();
    const trace = writeKeys(dir, [1, 2, 3, 1, 2, 4, 1]);
    // 2^53 + 1 reads as 2^53: a different seed than asked for, recorded as such in manifests.
    const mrc = await runCli(['mrc', '--trace', trace, '--policies', 'random', '--sizes', '2', '--seed', '9007199254740993', '--workers', '0', '--quiet']);
    expect(mrc.code).toBe(1);
    expect(mrc.stderr).toMatch(/^cachelab: --seed .*9007199254740993/);
    const run = await runCli(['run', join(repoRoot(), 'experiments', 'compare-web07.json'), '--seed', '18014398509481985', '--runs', join(dir, 'runs'), '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^cachelab: --seed /);
  });
});

describe('compare: a bad option value', () => {
  it('names the option once, without the experiment field repeated after it', async () => {
    const dir = tempDir();
    const trace = writeKeys(dir, [1, 2, 3, 1]);
    const { code, stderr } = await runCli(['compare', '--trace', trace, '--policies', 'lru', '--sizes', ',', '--out', join(dir, 'cmp'), '--quiet']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^cachelab: --sizes: /);
    expect(stderr).not.toContain('sizes: sizes');
  });
});

describe('resuming a run whose model was trained again', () => {
  it('evaluates `dqn:@NAME` again when the run stopped after the training and before its replay', async () => {
    const dir = tempDir();
    const web07 = readFileSync(join(repoRoot(), 'traces', 'cache2k-web07.txt'), 'utf8').split('\n');
    const trainTrace = join(dir, 'train.txt');
    writeFileSync(trainTrace, `${web07.slice(0, 1500).join('\n')}\n`);
    const other = writeSkewedTrace(dir, 1_500, 300, 4);
    const experiment = parseExperiment({
      traces: [
        { path: trainTrace, name: 'train' },
        { path: other, name: 'other' },
      ],
      sizes: ['5%'],
      policies: ['lru', 'dqn:@tiny'],
      dqn: { train: [{ name: 'tiny', trace: 'train', size: '5%', config: { totalSteps: 120, learningStarts: 40, logInterval: 40, bufferSize: 500, batchSize: 8 } }] },
    });
    const runs = join(dir, 'runs');
    const first = await runExperiment('dqn2', experiment, options(runs));
    expect([first.ran, first.failed]).toEqual([5, []]);
    const evalCell = join(first.runDir, 'other-5pct-dqn-tiny-s0');
    const before = join(dir, 'before');
    cpSync(evalCell, before, { recursive: true });
    // The training trace is rewritten (other requests): the model is trained again, and every
    // replay of it, also on the unchanged trace "other", must measure the new model.
    writeFileSync(trainTrace, `${web07.slice(1500, 3000).join('\n')}\n`);
    const second = await runExperiment('dqn2', experiment, options(runs));
    expect([second.ran, second.skipped, second.failed]).toEqual([4, 1, []]);
    const retrained = readFileSync(join(evalCell, 'summary.json'), 'utf8');
    const missesOf = (text: string) => (JSON.parse(text) as { stats: { misses: number } }).stats.misses;
    // The two models miss differently on "other", so keeping the old replay is a wrong figure.
    expect(missesOf(retrained)).not.toBe(missesOf(readFileSync(join(before, 'summary.json'), 'utf8')));
    // The state a Ctrl-C between the training and this replay leaves: the new model, the old replay.
    rmSync(evalCell, { recursive: true });
    cpSync(before, evalCell, { recursive: true });
    const third = await runExperiment('dqn2', experiment, options(runs));
    expect([third.ran, third.skipped, third.failed]).toEqual([1, 4, []]);
    expect(readFileSync(join(evalCell, 'summary.json'), 'utf8')).toBe(retrained);
    const fourth = await runExperiment('dqn2', experiment, options(runs));
    expect([fourth.ran, fourth.skipped]).toEqual([0, 5]);
  });
});
