import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMeta } from '../src/dqn/checkpoint.js';
import { resolveDqnConfig, type DqnConfig } from '../src/dqn/config.js';
import { trainDqn } from '../src/dqn/train.js';
import type { AnyEnv } from '../src/env/env.js';
import { evictionTrainingEnv } from '../src/env/eviction-training-env.js';
import { ChainEnv } from './helpers/chain-env.js';
import { zipfTrace } from './helpers/trace.js';
import { tempDirs } from './helpers/temp-dirs.js';

const tempDir = tempDirs('rl-resume-audit');

/** Trains straight, then stopped at `stopAt` and resumed: both must end with the same weights. */
async function expectExactResume(makeEnv: () => AnyEnv, config: DqnConfig, stopAt: number) {
  const straight = tempDir();
  const whole = await trainDqn({ env: makeEnv(), config, outDir: straight });
  whole.agent.dispose();
  const broken = tempDir();
  const stop = new AbortController();
  const first = await trainDqn({ env: makeEnv(), config, outDir: broken, signal: stop.signal, onProgress: (step) => step === stopAt && stop.abort() });
  first.agent.dispose();
  expect(first.steps).toBe(stopAt);
  const resumed = await trainDqn({ env: makeEnv(), config, outDir: broken, resume: true });
  resumed.agent.dispose();
  expect(resumed).toMatchObject({ resumedAt: stopAt, exactResume: true, steps: config.totalSteps, updates: whole.updates, episodes: whole.episodes });
  for (const file of ['weights.bin', 'target/weights.bin']) {
    expect(fs.readFileSync(path.join(broken, file)).equals(fs.readFileSync(path.join(straight, file))), file).toBe(true);
  }
}

describe('Ctrl-C seen at the very last step', () => {
  it('a run that reached totalSteps is finished, not interrupted: no resume state left behind', async () => {
    const dir = tempDir();
    const config = resolveDqnConfig({ seed: 3, totalSteps: 2000, learningStarts: 200, hiddenLayers: [4] });
    const stop = new AbortController();
    const result = await trainDqn({ env: new ChainEnv(5, 20), config, outDir: dir, signal: stop.signal, onProgress: (step) => step === 2000 && stop.abort() });
    result.agent.dispose();
    expect(result.steps).toBe(2000);
    // Old code: interrupted, with resume files at step 2000, which a --resume then refuses ("already has 2000 steps").
    expect(result.interrupted).toBeUndefined();
    expect(readMeta(dir).state.step).toBe(2000);
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('resume'))).toEqual([]);
  });
});

describe('exact resume of a MixtureEnv (several training traces or sizes)', () => {
  const traces = [zipfTrace(4_000, 300, 0.9, 3, 0.1), zipfTrace(4_000, 300, 0.8, 4, 0.1)];
  const config = resolveDqnConfig({ seed: 2, totalSteps: 3000, learningStarts: 300, bufferSize: 2000, batchSize: 16, hiddenLayers: [8] });

  it('with segments: the members continue across segments', async () => {
    const make = () => evictionTrainingEnv(traces.map((batch) => ({ batch, capacity: 30 })), { segmentSteps: 300 }).env;
    await expectExactResume(make, config, 2000);
  });

  it('with whole episodes: stopped in an episode of the second member', async () => {
    const make = () => evictionTrainingEnv(traces.map((batch) => ({ batch, capacity: 30 })), { maxEpisodeSteps: 700 }).env;
    await expectExactResume(make, config, 1000);
  });
});

describe('--resume with no checkpoint in the folder (a run killed before its first one)', () => {
  it('starts over: the killed run\'s metrics.jsonl records are not kept in front of the new ones', async () => {
    const config = resolveDqnConfig({ seed: 4, totalSteps: 1000, learningStarts: 200, logInterval: 250, hiddenLayers: [4] });
    const straight = tempDir();
    (await trainDqn({ env: new ChainEnv(5, 20), config, outDir: straight })).agent.dispose();
    const killed = tempDir();
    // What a killed run leaves: records flushed at its log intervals, no agent.json yet.
    fs.writeFileSync(path.join(killed, 'metrics.jsonl'), '{"global_step":250,"charts/epsilon":0.9}\n{"global_step":500,"charts/epsi');
    const resumed = await trainDqn({ env: new ChainEnv(5, 20), config, outDir: killed, resume: true });
    resumed.agent.dispose();
    expect(resumed.resumedAt).toBeUndefined();
    const steps = (dir: string) => fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).global_step as number);
    expect(steps(killed)).toEqual(steps(straight));
  });
});
