/**
 * The episode range (`start`, `end`) and CacheEnv's `randomStart` are part of an environment's
 * settings (agent.json), so a resume with another range is refused; recorded only when they differ
 * from the defaults, so the settings (and agent.json) of a run with the defaults are unchanged.
 */
import { describe, expect, it } from 'vitest';
import { resolveDqnConfig, DqnConfigError } from '../src/dqn/config.js';
import { trainDqn } from '../src/dqn/train.js';
import { CacheEnv } from '../src/env/cache-env.js';
import { EvictionEnv } from '../src/env/eviction-env.js';
import { SuccessorPredictor } from './helpers/predictor.js';
import { zipfTrace } from './helpers/trace.js';
import { tempDirs } from './helpers/temp-dirs.js';

const tempDir = tempDirs('env-range');
const trace = zipfTrace(6_000, 800, 0.8, 5, 0.1);

describe('EvictionEnv settings: start and end', () => {
  it('defaults (and an end past the trace, which is the whole trace) record neither', () => {
    const plain = { unit: 'objects', candidates: 8, horizonFactor: 4, features: 14, scorer: 'none' };
    expect(new EvictionEnv(trace, { capacity: 50 }).settings()).toEqual(plain);
    expect(new EvictionEnv(trace, { capacity: 50, start: 0, end: trace.length }).settings()).toEqual(plain);
    expect(new EvictionEnv(trace, { capacity: 50, end: trace.length + 10 }).settings()).toEqual(plain);
  });

  it('records a start or an end that differs from the default', () => {
    expect(new EvictionEnv(trace, { capacity: 50, start: 1_000 }).settings()).toMatchObject({ start: 1_000 });
    expect(new EvictionEnv(trace, { capacity: 50, start: 1_000 }).settings()).not.toHaveProperty('end');
    expect(new EvictionEnv(trace, { capacity: 50, end: 4_000 }).settings()).toMatchObject({ end: 4_000 });
    expect(new EvictionEnv(trace, { capacity: 50, end: 4_000 }).settings()).not.toHaveProperty('start');
  });

  it('a resume with another start or end is refused with a DqnConfigError naming it', async () => {
    const dir = tempDir();
    const config = resolveDqnConfig({ seed: 1, totalSteps: 150, learningStarts: 50, bufferSize: 500, batchSize: 16, logInterval: 50 });
    const train = (options: { start?: number; end?: number }, totalSteps: number, resume: boolean) => {
      const env = new EvictionEnv(trace, { capacity: 50, ...options });
      return trainDqn({ env, config: { ...config, totalSteps }, outDir: dir, envMeta: { kind: 'eviction', settings: env.settings() }, resume });
    };
    (await train({}, 150, false)).agent.dispose();
    await expect(train({ start: 1_000 }, 300, true)).rejects.toThrow(DqnConfigError);
    await expect(train({ start: 1_000 }, 300, true)).rejects.toThrow(/cannot resume .*differs in: start/);
    await expect(train({ end: 4_000 }, 300, true)).rejects.toThrow(/differs in: end/);
    // The same (default) range resumes.
    const resumed = await train({ end: trace.length + 10 }, 300, true);
    expect(resumed.steps).toBe(300);
    resumed.agent.dispose();
  });
});

describe('CacheEnv settings: start, end and randomStart', () => {
  const env = (options: { start?: number; end?: number; randomStart?: boolean }) =>
    new CacheEnv(trace, { capacity: 100, predictor: () => new SuccessorPredictor(), ...options });

  it('defaults record none of them', () => {
    const plain = env({}).settings();
    expect(Object.keys(plain).sort()).toEqual(['actions', 'baselinePolicy', 'capacity', 'reward', 'topK', 'window']);
    expect(env({ start: 0, end: trace.length, randomStart: false }).settings()).toEqual(plain);
  });

  it('records each one that differs from its default', () => {
    expect(env({ start: 1_000 }).settings()).toMatchObject({ start: 1_000 });
    expect(env({ end: 4_000 }).settings()).toMatchObject({ end: 4_000 });
    expect(env({ randomStart: true }).settings()).toMatchObject({ randomStart: true });
  });

  it('a resume with randomStart switched on is refused', async () => {
    const dir = tempDir();
    const config = resolveDqnConfig({ seed: 1, totalSteps: 4, learningStarts: 2, bufferSize: 50, batchSize: 2, trainFrequency: 1, logInterval: 2 });
    const train = (options: { randomStart?: boolean }, totalSteps: number, resume: boolean) => {
      const e = env(options);
      return trainDqn({ env: e, config: { ...config, totalSteps }, outDir: dir, envMeta: { kind: 'cache', settings: e.settings() }, resume });
    };
    (await train({}, 4, false)).agent.dispose();
    await expect(train({ randomStart: true }, 8, true)).rejects.toThrow(/differs in: randomStart/);
  });
});
