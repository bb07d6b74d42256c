import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMeta } from '../src/dqn/checkpoint.js';
import { resolveDqnConfig, type DqnConfig } from '../src/dqn/config.js';
import { trainDqn } from '../src/dqn/train.js';
import { CacheEnv } from '../src/env/cache-env.js';
import type { AnyEnv } from '../src/env/env.js';
import { EvictionEnv } from '../src/env/eviction-env.js';
import { ChainEnv } from './helpers/chain-env.js';
import { SuccessorPredictor } from './helpers/predictor.js';
import { zipfTrace } from './helpers/trace.js';
import { tempDirs } from './helpers/temp-dirs.js';

const tempDir = tempDirs('rl-interrupt');

describe('stopping training with an AbortSignal (Ctrl-C)', () => {
  it('stops at the next 1,000-step boundary with a checkpoint there, and --resume finishes the run', async () => {
    const dir = tempDir();
    const config = resolveDqnConfig({ seed: 3, totalSteps: 5000, learningStarts: 200, hiddenLayers: [4] });
    const stop = new AbortController();
    const result = await trainDqn({
      env: new ChainEnv(5, 20),
      config,
      outDir: dir,
      signal: stop.signal,
      onProgress: (step) => {
        if (step === 2000) stop.abort();
      },
    });
    result.agent.dispose();
    expect(result.interrupted).toBe(true);
    expect(result.steps).toBe(2000);
    expect(readMeta(dir).state.step).toBe(2000);
    const resumed = await trainDqn({ env: new ChainEnv(5, 20), config, outDir: dir, resume: true });
    resumed.agent.dispose();
    expect(resumed.interrupted).toBeUndefined();
    expect(resumed.resumedAt).toBe(2000);
    expect(resumed.steps).toBe(5000);
  });

  it('yields to the event loop, so an abort from a timer or a signal handler is seen mid-run', async () => {
    // No gradient steps (learningStarts beyond the budget): the loop is pure synchronous env steps,
    // which without a yield would run all 2M steps before the timer could fire.
    const config = resolveDqnConfig({ seed: 1, totalSteps: 2_000_000, learningStarts: 2_000_000, hiddenLayers: [4] });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 30);
    const result = await trainDqn({ env: new ChainEnv(5, 20), config, signal: stop.signal });
    result.agent.dispose();
    expect(result.interrupted).toBe(true);
    expect(result.steps).toBeLessThan(2_000_000);
    expect(result.steps % 1000).toBe(0);
  });

  it('an untouched signal changes nothing: same steps, same weights as a run without one', async () => {
    const config = resolveDqnConfig({ seed: 4, totalSteps: 3000, learningStarts: 200, hiddenLayers: [4] });
    const plain = await trainDqn({ env: new ChainEnv(5, 20), config });
    const signalled = await trainDqn({ env: new ChainEnv(5, 20), config, signal: new AbortController().signal });
    expect(signalled.interrupted).toBeUndefined();
    expect(signalled.steps).toBe(3000);
    const weights = (r: typeof plain) => r.agent.online.getWeights().map((w) => Array.from(w.dataSync()));
    expect(weights(signalled)).toEqual(weights(plain));
    plain.agent.dispose();
    signalled.agent.dispose();
  });
});

/** metrics.jsonl without the wall-clock field (steps per second). */
function metricsOf(dir: string): Record<string, number>[] {
  return fs
    .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const record = JSON.parse(line) as Record<string, number>;
      delete record['charts/SPS'];
      return record;
    });
}

/** Trains uninterrupted, then again interrupted at `stopAt` and resumed: both must end byte for byte alike. */
async function expectExactResume(
  makeEnv: () => AnyEnv,
  config: DqnConfig,
  stopAt: number,
  envMeta?: { kind: string; settings: Record<string, unknown> },
  beforeResume?: (dir: string) => void,
) {
  const straight = tempDir();
  const whole = await trainDqn({ env: makeEnv(), config, outDir: straight, ...(envMeta ? { envMeta } : {}) });
  whole.agent.dispose();

  const broken = tempDir();
  const stop = new AbortController();
  const first = await trainDqn({
    env: makeEnv(),
    config,
    outDir: broken,
    ...(envMeta ? { envMeta } : {}),
    signal: stop.signal,
    onProgress: (step) => {
      if (step === stopAt) stop.abort();
    },
  });
  first.agent.dispose();
  expect(first.steps).toBe(stopAt);
  expect(fs.existsSync(path.join(broken, `resume-${stopAt}.bin`))).toBe(true);
  beforeResume?.(broken);
  const resumed = await trainDqn({ env: makeEnv(), config, outDir: broken, resume: true, ...(envMeta ? { envMeta } : {}) });
  resumed.agent.dispose();
  expect(resumed).toMatchObject({ resumedAt: stopAt, exactResume: true, steps: config.totalSteps, updates: whole.updates, episodes: whole.episodes });
  for (const file of ['weights.bin', 'target/weights.bin']) {
    expect(fs.readFileSync(path.join(broken, file)).equals(fs.readFileSync(path.join(straight, file))), file).toBe(true);
  }
  expect(metricsOf(broken)).toEqual(metricsOf(straight));
  // A finished run keeps no resume state (tens of MB at the default buffer size).
  expect(fs.readdirSync(broken).filter((name) => name.startsWith('resume'))).toEqual([]);
}

describe('an interrupted run resumed from its checkpoint continues exactly (buffer, Adam, episode restored)', () => {
  it('on a toy environment, interrupted in the middle of an episode', async () => {
    const config = resolveDqnConfig({ seed: 5, totalSteps: 4000, learningStarts: 300, logInterval: 250, hiddenLayers: [8] });
    await expectExactResume(() => new ChainEnv(9, 200, true), config, 2000);
  });

  it('on the eviction environment (candidate sampling from its seed), mid-episode', async () => {
    const trace = zipfTrace(6_000, 400, 0.9, 3, 0.1);
    const config = resolveDqnConfig({ seed: 2, totalSteps: 3000, learningStarts: 300, logInterval: 500, bufferSize: 2000, batchSize: 16, hiddenLayers: [16] });
    await expectExactResume(() => new EvictionEnv(trace, { capacity: 40 }), config, 1000);
  });

  it('on the cache environment (async, a CacheManager per episode), mid-episode', async () => {
    const trace = zipfTrace(30_000, 300, 0.9, 4);
    const config = resolveDqnConfig({ seed: 3, totalSteps: 1500, learningStarts: 100, logInterval: 100, bufferSize: 1000, batchSize: 16, hiddenLayers: [8] });
    await expectExactResume(() => new CacheEnv(trace, { capacity: 30, window: 70, predictor: () => new SuccessorPredictor() }), config, 1000);
  });

  it('a process killed while writing the next checkpoint leaves the last one exactly resumable', async () => {
    const config = resolveDqnConfig({ seed: 5, totalSteps: 4000, learningStarts: 300, logInterval: 250, hiddenLayers: [8] });
    // Killed after the next step's resume files were (partly) written, before agent.json: agent.json
    // still says 2000. Old code wrote one resume.json/resume.bin pair over the previous one, so the
    // step-2000 state was gone (a half-written pair was "damaged", a whole one disowned).
    await expectExactResume(() => new ChainEnv(9, 200, true), config, 2000, undefined, (dir) => {
      fs.writeFileSync(path.join(dir, 'resume-3000.bin'), Buffer.alloc(100, 7));
      fs.writeFileSync(path.join(dir, 'resume-3000.json'), '{"format":"cachelab-dqn-resume"');
    });
  });

  it('refuses to resume weights newer than agent.json (a process killed between writing them and agent.json)', async () => {
    const config = resolveDqnConfig({ seed: 5, totalSteps: 4000, learningStarts: 300, hiddenLayers: [8] });
    const stoppedAt = async (stopAt: number) => {
      const dir = tempDir();
      const stop = new AbortController();
      const run = await trainDqn({ env: new ChainEnv(9, 200, true), config, outDir: dir, signal: stop.signal, onProgress: (step) => step === stopAt && stop.abort() });
      run.agent.dispose();
      return dir;
    };
    const later = await stoppedAt(3000);
    for (const network of ['.', 'target']) {
      const torn = await stoppedAt(2000);
      // The next checkpoint (3000) got as far as this network's files.
      for (const file of ['weights.bin', 'model.json']) fs.copyFileSync(path.join(later, network, file), path.join(torn, network, file));
      // Old code resumed from step 2000 with step-3000 weights, and called the result exact.
      await expect(trainDqn({ env: new ChainEnv(9, 200, true), config, outDir: torn, resume: true })).rejects.toThrow(
        new RegExp(`${network === '.' ? 'online' : 'target'} network's weights are not the ones agent\\.json \\(step 2000\\) was written with`),
      );
    }
  });

  it('reads the resume state of the first version (resume.json + resume.bin), when it is agent.json’s step', async () => {
    const config = resolveDqnConfig({ seed: 5, totalSteps: 4000, learningStarts: 300, logInterval: 250, hiddenLayers: [8] });
    await expectExactResume(() => new ChainEnv(9, 200, true), config, 2000, undefined, (dir) => {
      fs.renameSync(path.join(dir, 'resume-2000.json'), path.join(dir, 'resume.json'));
      fs.renameSync(path.join(dir, 'resume-2000.bin'), path.join(dir, 'resume.bin'));
    });
  });

  it('refuses, with a CheckpointError, an environment that does not retrace its episode from the seed', async () => {
    const dir = tempDir();
    const config = resolveDqnConfig({ seed: 1, totalSteps: 3000, learningStarts: 100, hiddenLayers: [4] });
    let instances = 0;
    // Each new instance marks its observations with its own number: same seed, other observations.
    const drifting = () => {
      const env = new ChainEnv(12, 500);
      const mark = 0.25 * instances++;
      const step = env.step.bind(env);
      env.step = (action) => {
        const r = step(action);
        r.observation[0] = r.observation[0]! + mark;
        return r;
      };
      return env;
    };
    const stop = new AbortController();
    const first = await trainDqn({ env: drifting(), config, outDir: dir, signal: stop.signal, onProgress: (step) => step === 1000 && stop.abort() });
    first.agent.dispose();
    await expect(trainDqn({ env: drifting(), config, outDir: dir, resume: true })).rejects.toThrow(/did not retrace it.*delete its resume-\*\.json and resume-\*\.bin files/);
  });

  it('a checkpoint without resume state (a finished run extended) still resumes, from the weights alone', async () => {
    const dir = tempDir();
    const config = resolveDqnConfig({ seed: 6, totalSteps: 1500, learningStarts: 200, hiddenLayers: [4] });
    (await trainDqn({ env: new ChainEnv(5, 20), config, outDir: dir })).agent.dispose();
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('resume'))).toEqual([]);
    const longer = await trainDqn({ env: new ChainEnv(5, 20), config: { ...config, totalSteps: 2500 }, outDir: dir, resume: true });
    longer.agent.dispose();
    expect(longer).toMatchObject({ resumedAt: 1500, exactResume: false, steps: 2500 });
  });
});
