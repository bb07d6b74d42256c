/**
 * Provenance of replays of models given by path (`dqn:DIR`, `dqn-guard:DIR`, `dqn-select:A+B`),
 * which an experiment does not train: a replay records the SHA-256 of each one's weights.bin, and
 * a model trained again outside the experiment after the replay makes that replay stale, as for
 * `dqn:@NAME`. A model missing at report time, or a replay from before the checksum was recorded,
 * is said, not a crash. And the run folders the README cites keep their names.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../src/experiment/load.js';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { loadRun } from '../src/report/load-run.js';
import { buildScoreboard } from '../src/report/scoreboard.js';
import { configHash } from '../src/util/hash.js';
import { repoRoot } from '../src/util/paths.js';
import { scoreboardOptions } from './helpers/scoreboard.js';
import { runCli, tempDir, writeSkewedTrace } from './helpers/workflow.js';

const options = (runsDir: string) => ({ runsDir, workers: 1, quiet: true, command: 'cachelab run path-model' });

describe('replays of a model given by path', () => {
  it('record its weights checksum; a model changed since is stale, a missing one or an unrecorded checksum is said', async () => {
    const dir = tempDir();
    const web07 = readFileSync(join(repoRoot(), 'traces', 'cache2k-web07.txt'), 'utf8').split('\n');
    const trainTrace = join(dir, 'train.txt');
    writeFileSync(trainTrace, `${web07.slice(0, 1500).join('\n')}\n`);
    const traces = [
      { path: trainTrace, name: 'train' },
      { path: writeSkewedTrace(dir, 1_500, 300, 4), name: 'other' },
    ];
    // Two models (seeds 0 and 1) to stand for one model folder before and after training it again.
    const training = parseExperiment({
      traces,
      sizes: ['5%'],
      seeds: [0, 1],
      policies: ['lru'],
      dqn: { train: [{ name: 'tiny', trace: 'train', size: '5%', config: { totalSteps: 120, learningStarts: 40, logInterval: 40, bufferSize: 500, batchSize: 8 } }] },
    });
    const trained = await runExperiment('models', training, options(join(dir, 'runs')));
    expect(trained.failed).toEqual([]);
    const model = join(dir, 'models', 'm');
    cpSync(join(trained.runDir, 'train-tiny-s0', 'model'), model, { recursive: true });

    const experiment = parseExperiment({ traces, sizes: ['5%'], policies: ['lru', { name: `dqn:${model}`, label: 'learned' }] });
    const first = await runExperiment('pathmodel', experiment, options(join(dir, 'runs')));
    expect([first.ran, first.failed]).toEqual([4, []]);
    const cell = 'other-5pct-learned-s0';
    const summaryFile = join(first.runDir, cell, 'summary.json');
    const recorded = readFileSync(summaryFile, 'utf8');
    const summary = JSON.parse(recorded) as { modelWeights?: unknown };
    expect(summary.modelWeights).toEqual({ [model]: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(loadRun(first.runDir).incomplete).toEqual([]);
    // Summaries of other policies are unchanged: no modelWeights.
    expect(JSON.parse(readFileSync(join(first.runDir, 'other-5pct-lru-s0', 'summary.json'), 'utf8'))).not.toHaveProperty('modelWeights');

    // The model folder is trained again outside the experiment (here: the other seed's weights).
    rmSync(model, { recursive: true });
    cpSync(join(trained.runDir, 'train-tiny-s1', 'model'), model, { recursive: true });
    const run = loadRun(first.runDir);
    expect(run.staleReplays).toEqual(['train-5pct-learned-s0', cell]);
    expect(run.replay.map((c) => c.cell)).not.toContain(cell);
    expect(buildScoreboard(run, scoreboardOptions({ candidate: 'learned' })).skipped).toContainEqual(
      `${cell}: not complete (its model was trained again after this replay); run the experiment again to finish it`,
    );
    // `run` redoes the replays of the changed model, and then they are current again.
    const second = await runExperiment('pathmodel', experiment, options(join(dir, 'runs')));
    expect([second.ran, second.skipped, second.failed]).toEqual([2, 2, []]);
    expect(loadRun(first.runDir).staleReplays).toEqual([]);

    // A model gone at report time: the figures stay, and the report says it could not check them.
    rmSync(model, { recursive: true });
    const gone = loadRun(first.runDir);
    expect(gone.replay.map((c) => c.cell)).toContain(cell);
    expect(gone.uncheckedModels.map((u) => u.text)).toContainEqual(`${cell}: model ${model} not found now, so whether it changed since this replay cannot be checked`);
    const board = buildScoreboard(gone, scoreboardOptions({ candidate: 'learned' }));
    expect(board.unchecked).toContainEqual(`${cell}: model ${model} not found now, so whether it changed since this replay cannot be checked`);
    const report = await runCli(['report', first.runDir, '--out', join(dir, 'report'), '--candidate', 'learned']);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`model not checked: ${cell}: model ${model} not found now`);
    expect(readFileSync(join(dir, 'report', 'summary.md'), 'utf8')).toContain('Models given by path not checked against the replays that ran them (figures kept)');

    // A summary written before replays recorded the checksum is read as it is, and said.
    const { modelWeights: _recorded, ...legacy } = JSON.parse(readFileSync(summaryFile, 'utf8')) as { modelWeights: unknown };
    writeFileSync(summaryFile, JSON.stringify(legacy));
    const old = loadRun(first.runDir);
    expect(old.replay.map((c) => c.cell)).toContain(cell);
    expect(old.uncheckedModels.map((u) => u.text)).toContainEqual(`${cell}: model ${model} checksum not recorded (replayed before cachelab recorded it)`);
  });

  it('modelWeightsChecksums covers the models given by path only (a `dqn-select:` may mix both)', async () => {
    const { modelWeightsChecksums } = await import('../src/experiment/learned-names.js');
    expect(modelWeightsChecksums('lru')).toBeNull();
    expect(modelWeightsChecksums('dqn:@tiny')).toBeNull();
    expect(modelWeightsChecksums('dqn-select:@tiny+/nowhere/model')).toEqual({ '/nowhere/model': null });
  });
});

describe('run folder names (fingerprints)', () => {
  it('the configurations the README cites keep their hashes', async () => {
    const loaded = await loadExperiment(join(repoRoot(), 'experiments', 'dqn-select-rankloop-shared.json'));
    expect(configHash(loaded.experiment)).toBe('d6cff26d9c11');
    expect(configHash({ ...loaded.experiment, seeds: [4] })).toBe('1475803ae4a1');
    expect(configHash({ ...loaded.experiment, seeds: [5] })).toBe('a3a2f419ec54');
  });
});
