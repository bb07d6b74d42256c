/**
 * Second audit's regressions: each test failed on the code before its fix (see the audit report).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Replayer, type Prefetcher, type RequestBatch } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { CheckpointError, loadForward } from '../src/dqn/checkpoint.js';
import { resolveDqnConfig } from '../src/dqn/config.js';
import { trainDqn } from '../src/dqn/train.js';
import { CandidateCache } from '../src/env/candidate-cache.js';
import { CacheEnv } from '../src/env/cache-env.js';
import { EvictionEnv } from '../src/env/eviction-env.js';
import { MixtureEnv } from '../src/env/mixture-env.js';
import type { AccessScorer } from '../src/env/features.js';
import { checkEnv, checkEnvAsync } from '../src/env/checker.js';
import type { AsyncEnv, ResetResult, StepResult } from '../src/env/env.js';
import { Box, Discrete } from '../src/env/spaces.js';
import { QForward } from '../src/dqn/forward.js';
import { GuardedLearnedPolicy } from '../src/guarded-policy.js';
import { SelectedPolicy } from '../src/selected-policy.js';
import { SuccessorPredictor } from './helpers/predictor.js';
import { ChainEnv } from './helpers/chain-env.js';
import { traceOf, zipfTrace } from './helpers/trace.js';
import { tempDirs } from './helpers/temp-dirs.js';

const tempDir = tempDirs('rl-audit2');

/** A scorer that records every key it is shown. */
function recordingScorer(): AccessScorer & { seen: number[] } {
  const seen: number[] = [];
  return { seen, observe: (key) => void seen.push(key), accessProbability: () => 0 };
}

/** Prefetches the key after the one just requested (a deterministic stand-in for a predictor). */
class NextKeyPrefetcher implements Prefetcher {
  private last = 0;
  observe(batch: RequestBatch, i: number): void {
    this.last = batch.key[i]!;
  }
  predict(out: Uint32Array): number {
    out[0] = this.last + 1;
    return 1;
  }
}

const lruTail = (c: CandidateCache) => {
  c.sampleCandidates();
  return c.candidates[0]!;
};

describe('a prefetch admission is not a request to the learned policy', () => {
  // keys 0..9 twice: after the first pass every key has been seen, so the prefetcher can fetch it.
  const keys = [...Array.from({ length: 10 }, (_, i) => i), 3, 7, 1, 9, 0, 5, 2, 8, 4, 6, 3, 3, 1];

  it('CandidateCache: its scorer and request statistics see demand requests only', () => {
    const scorer = recordingScorer();
    const cache = new CandidateCache({ name: 't', capacity: 4, candidates: 3, rng: seedrandom('x'), scorer }, lruTail);
    const replayer = new Replayer(cache, { unit: 'objects', prefetcher: new NextKeyPrefetcher() });
    replayer.feed(traceOf(keys));
    expect(replayer.result().prefetchesIssued).toBeGreaterThan(0);
    expect(scorer.seen).toEqual(keys);
    expect(cache.clock).toBe(keys.length);
  });

  it('dqn-guard: the flag reaches the inner cache', () => {
    const scorer = recordingScorer();
    const inner = new CandidateCache({ name: 'g', capacity: 4, candidates: 3, rng: seedrandom('x'), scorer }, lruTail);
    const guard = new GuardedLearnedPolicy(inner, { name: 'guard' });
    const replayer = new Replayer(guard, { unit: 'objects', prefetcher: new NextKeyPrefetcher() });
    replayer.feed(traceOf(keys));
    expect(replayer.result().prefetchesIssued).toBeGreaterThan(0);
    expect(scorer.seen).toEqual(keys);
    expect(inner.clock).toBe(keys.length);
  });
});

describe('EvictionEnv in byte mode', () => {
  it('a large object that needs more than 64 evictions is one request of many decisions, not a crash', () => {
    // 100 objects of 10 bytes fill 1,000 bytes; a 1,000-byte object then needs all of them gone.
    const keys = [...Array.from({ length: 100 }, (_, i) => i), 100, 0];
    const sizes = [...Array.from({ length: 100 }, () => 10), 1000, 10];
    const env = new EvictionEnv(traceOf(keys, sizes), { capacity: 1000, unit: 'bytes', candidates: 4 });
    env.reset({ seed: 1 });
    let decisions = 0;
    for (;;) {
      const r = env.step(0);
      decisions++;
      if (r.terminated) break;
    }
    // 100 for key 100, then 1 for key 0 (which evicts key 100).
    expect(decisions).toBe(101);
    expect(env.hitRatio()).toBe(0);
  });
});

describe('a checkpoint whose agent.json does not describe its weights', () => {
  it('loadForward (what dqn:DIR and the controller read) refuses it with a CheckpointError, not a RangeError or TypeError', async () => {
    await initBackend();
    const dir = tempDir();
    const env = new EvictionEnv(traceOf([0, 1, 2, 3, 0, 4, 1, 5, 2, 0, 6, 1]), { capacity: 3 });
    const { agent } = await trainDqn({
      env,
      config: resolveDqnConfig({ totalSteps: 20, learningStarts: 5, batchSize: 4, hiddenLayers: [4] }),
      outDir: dir,
      envMeta: { kind: 'eviction', settings: env.settings() },
    });
    agent.dispose();
    const file = path.join(dir, 'agent.json');
    const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as { spec: { hiddenLayers: number[]; features: number } };
    fs.writeFileSync(file, JSON.stringify({ ...meta, spec: { ...meta.spec, features: 16 } }));
    expect(() => loadForward(dir)).toThrow(CheckpointError);
    const { spec: _spec, ...withoutSpec } = meta;
    fs.writeFileSync(file, JSON.stringify(withoutSpec));
    expect(() => loadForward(dir)).toThrow(CheckpointError);
    const { env: _env, ...withoutEnv } = meta as typeof meta & { env: unknown };
    fs.writeFileSync(file, JSON.stringify(withoutEnv));
    expect(() => loadForward(dir)).toThrow(CheckpointError);
    fs.writeFileSync(file, 'null');
    expect(() => loadForward(dir)).toThrow(CheckpointError);
  });
});

describe('dqn-select: a prefetch admission is not a request to its caches', () => {
  it('the real cache and every shadow count demand requests only', () => {
    const features = 14;
    const forward = new QForward({ layout: 'per-action', features, actions: 3, hiddenLayers: [1] }, [
      { inputs: features, units: 1, kernel: new Float32Array(features).fill(0.1), bias: new Float32Array(1) },
      { inputs: 1, units: 1, kernel: Float32Array.of(1), bias: new Float32Array(1) },
    ]);
    const policy = new SelectedPolicy('dqn-select:test', [{ forward, envOptions: {}, markovScorer: false }], { capacity: 4, seed: 1 });
    const keys = [...Array.from({ length: 10 }, (_, i) => i), 3, 7, 1, 9, 0, 5, 2, 8, 4, 6, 3, 3, 1];
    const replayer = new Replayer(policy, { unit: 'objects', prefetcher: new NextKeyPrefetcher() });
    replayer.feed(traceOf(keys));
    expect(replayer.result().prefetchesIssued).toBeGreaterThan(0);
    const inside = policy as unknown as { real: CandidateCache; shadows: CandidateCache[] };
    expect([inside.real, ...inside.shadows].map((c) => c.clock)).toEqual([keys.length, keys.length, keys.length]);
    policy.verify();
  });
});

describe('EvictionEnv trains on the decisions dqn:DIR replays, in byte mode too', () => {
  it('several evictions for one request: same candidates, features and victims as the replay', () => {
    const rng = seedrandom('bytes');
    const keys: number[] = [];
    const sizes: number[] = [];
    const sizeOf = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const k = Math.floor(rng() ** 2 * 200);
      keys.push(k);
      if (!sizeOf.has(k)) sizeOf.set(k, 1 + Math.floor(rng() * 100));
      sizes.push(sizeOf.get(k)!);
    }
    const trace = traceOf(keys, sizes);
    const options = { capacity: 2000, unit: 'bytes' as const, candidates: 6, recentCandidates: 1, regimeFeatures: true, reuseFeatures: true, decayFeatures: true };
    // The env with a fixed action (a sampled candidate, not the LRU tail) …
    const action = 4;
    const env = new EvictionEnv(trace, options);
    const trained: number[][] = [[...env.reset({ seed: 9 }).observation]];
    for (;;) {
      const r = env.step(action);
      if (r.terminated) break;
      trained.push([...r.observation]);
    }
    // … and the replay of a policy that takes the same row, with the env's candidate generator.
    const replayed: number[][] = [];
    const obs = new Float32Array(env.observationSpace.size);
    const cache = new CandidateCache({ name: 'replay', keySpace: 200, rng: seedrandom('eviction-env-9'), ...options }, (c) => {
      c.sampleCandidates();
      c.writeFeatures(obs);
      replayed.push([...obs]);
      return c.candidates[action]!;
    });
    const replayer = new Replayer(cache, { unit: 'bytes' });
    replayer.feed(trace);
    expect(replayed.length).toBe(trained.length);
    expect(replayed.length).toBeGreaterThan(keys.length / 4);
    const firstDifference = trained.findIndex((row, i) => row.some((v, j) => !Object.is(v, replayed[i]![j])));
    expect(firstDifference).toBe(-1);
    expect(env.hitRatio()).toBe(replayer.result().hits / replayer.result().requests);
  });
});

describe('CacheEnv options', () => {
  it('refuses a topK, eviction fraction or prefetch threshold the controller could not run (a RangeError naming it)', () => {
    const trace = traceOf([0, 1, 2, 3, 0, 1]);
    const make = (options: { topK?: number; evictFractions?: number[]; prefetchThresholds?: number[] }) => () =>
      new CacheEnv(trace, { capacity: 2, window: 2, predictor: () => new SuccessorPredictor(), ...options });
    for (const topK of [0, -1, 2.5, Number.NaN]) expect(make({ topK }), `topK ${topK}`).toThrow(/topK must be a positive integer/);
    for (const f of [0, -0.1, 1.5, Number.NaN]) expect(make({ evictFractions: [0.01, f] }), `fraction ${f}`).toThrow(/evictFractions/);
    for (const t of [-0.1, 1.5, Number.NaN]) expect(make({ prefetchThresholds: [t] }), `threshold ${t}`).toThrow(/prefetchThresholds/);
    expect(make({ topK: 3, evictFractions: [0.5, 1], prefetchThresholds: [0, 1] })().actionSpace.n).toBe(7);
  });
});

describe('environment ranges and horizons that would replay the wrong requests or reward NaN', () => {
  it('a fractional start or end, or an infinite horizonFactor, is a RangeError', () => {
    const trace = traceOf([0, 1, 2, 3, 0, 1, 4, 2]);
    expect(() => new EvictionEnv(trace, { capacity: 2, start: 1.5 })).toThrow(/start/);
    expect(() => new EvictionEnv(trace, { capacity: 2, end: 6.5 })).toThrow(/end/);
    expect(() => new EvictionEnv(trace, { capacity: 2, horizonFactor: Number.POSITIVE_INFINITY, rewardShape: 'hyperbolic' })).toThrow(/horizonFactor/);
    const predictor = () => new SuccessorPredictor();
    expect(() => new CacheEnv(trace, { capacity: 2, window: 2, predictor, start: 0.5 })).toThrow(/start/);
    expect(() => new CacheEnv(trace, { capacity: 2, window: 2, predictor, end: 7.5 })).toThrow(/end/);
  });
});

describe('a finished mixture run, extended with --resume, then interrupted', () => {
  it('resumes exactly (its actions are replayed from the episode the extension started at)', async () => {
    const traces = [zipfTrace(4000, 300, 0.9, 1), zipfTrace(4000, 300, 0.9, 2)];
    const make = () => new MixtureEnv(traces.map((batch) => new EvictionEnv(batch, { capacity: 30 })), { segmentSteps: 150 });
    const config = (totalSteps: number) => resolveDqnConfig({ seed: 4, totalSteps, learningStarts: 100, logInterval: 250, bufferSize: 500, batchSize: 8, hiddenLayers: [4] });
    const straight = tempDir();
    const broken = tempDir();
    for (const dir of [straight, broken]) (await trainDqn({ env: make(), config: config(700), outDir: dir })).agent.dispose();
    (await trainDqn({ env: make(), config: config(2500), outDir: straight, resume: true })).agent.dispose();
    const stop = new AbortController();
    const first = await trainDqn({ env: make(), config: config(2500), outDir: broken, resume: true, signal: stop.signal, onProgress: (s) => s === 2000 && stop.abort() });
    first.agent.dispose();
    expect(first).toMatchObject({ steps: 2000, interrupted: true, exactResume: false });
    const resumed = await trainDqn({ env: make(), config: config(2500), outDir: broken, resume: true });
    resumed.agent.dispose();
    expect(resumed).toMatchObject({ resumedAt: 2000, exactResume: true, steps: 2500 });
    for (const file of ['weights.bin', 'target/weights.bin']) {
      expect(fs.readFileSync(path.join(broken, file)).equals(fs.readFileSync(path.join(straight, file))), file).toBe(true);
    }
  });
});

describe('an extended run interrupted before it learned again', () => {
  it('resumes exactly: learning restarts where the extension said, not learningStarts steps into the run', async () => {
    const make = () => new ChainEnv(9, 200, true);
    const config = (totalSteps: number) => resolveDqnConfig({ seed: 7, totalSteps, learningStarts: 1500, logInterval: 250, hiddenLayers: [4] });
    const straight = tempDir();
    const broken = tempDir();
    for (const dir of [straight, broken]) (await trainDqn({ env: make(), config: config(600), outDir: dir })).agent.dispose();
    // Resumed from the weights alone at 600, the extension learns from step 600 + 1500 = 2100.
    const whole = await trainDqn({ env: make(), config: config(3000), outDir: straight, resume: true });
    whole.agent.dispose();
    const stop = new AbortController();
    const first = await trainDqn({ env: make(), config: config(3000), outDir: broken, resume: true, signal: stop.signal, onProgress: (s) => s === 2000 && stop.abort() });
    first.agent.dispose();
    expect(first).toMatchObject({ steps: 2000, interrupted: true, updates: 0 });
    const resumed = await trainDqn({ env: make(), config: config(3000), outDir: broken, resume: true });
    resumed.agent.dispose();
    expect(resumed).toMatchObject({ resumedAt: 2000, exactResume: true, updates: whole.updates });
    for (const file of ['weights.bin', 'target/weights.bin']) {
      expect(fs.readFileSync(path.join(broken, file)).equals(fs.readFileSync(path.join(straight, file))), file).toBe(true);
    }
  });
});

describe('checkEnvAsync', () => {
  it('refuses end flags that are not booleans, as checkEnv does', async () => {
    class NumericFlags implements AsyncEnv {
      readonly actionSpace = new Discrete(2);
      readonly observationSpace = new Box(0, 1, [1]);
      async reset(): Promise<ResetResult> {
        return { observation: new Float32Array(1), info: {} };
      }
      async step(): Promise<StepResult> {
        return { observation: new Float32Array(1), reward: 0, terminated: 0 as unknown as boolean, truncated: false, info: {} };
      }
    }
    await expect(checkEnvAsync(() => new NumericFlags(), { steps: 3 })).rejects.toThrow(/terminated and truncated must be booleans/);
  });

  it('checks every reset’s observation against the box, not only the first one (checkEnv too)', async () => {
    class BadSecondReset {
      readonly actionSpace = new Discrete(2);
      readonly observationSpace = new Box(0, 1, [1]);
      private resets = 0;
      reset(): ResetResult {
        return { observation: Float32Array.of(this.resets++ === 0 ? 0 : 2), info: {} };
      }
      step(): StepResult {
        return { observation: new Float32Array(1), reward: 0, terminated: true, truncated: false, info: {} };
      }
    }
    expect(() => checkEnv(() => new BadSecondReset(), { steps: 3 })).toThrow(/outside the observation space/);
    const asyncOf = (env: BadSecondReset): AsyncEnv => ({
      actionSpace: env.actionSpace,
      observationSpace: env.observationSpace,
      reset: async () => env.reset(),
      step: async () => env.step(),
    });
    await expect(checkEnvAsync(() => asyncOf(new BadSecondReset()), { steps: 3 })).rejects.toThrow(/outside the observation space/);
  });
});

describe('a fresh run into a folder that holds a model', () => {
  it('leaves that model as it was when the new run fails before its environment resets', async () => {
    const config = resolveDqnConfig({ seed: 1, totalSteps: 300, learningStarts: 50, logInterval: 100, bufferSize: 200, batchSize: 8, hiddenLayers: [4] });
    const dir = tempDir();
    (await trainDqn({ env: new ChainEnv(), config, outDir: dir })).agent.dispose();
    const before = ['agent.json', 'metrics.jsonl', 'weights.bin'].map((name) => fs.readFileSync(path.join(dir, name)));
    const failing = new ChainEnv();
    failing.reset = () => {
      throw new RangeError('the cache never fills');
    };
    await expect(trainDqn({ env: failing, config, outDir: dir })).rejects.toThrow('the cache never fills');
    expect(['agent.json', 'metrics.jsonl', 'weights.bin'].map((name) => fs.readFileSync(path.join(dir, name)))).toEqual(before);
    expect(() => loadForward(dir)).not.toThrow();
    // Once the environment resets, the folder is the new run's: it starts over, as before.
    const fresh = await trainDqn({ env: new ChainEnv(), config: { ...config, totalSteps: 100 }, outDir: dir });
    fresh.agent.dispose();
    expect(fresh.steps).toBe(100);
    expect(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).every((line) => (JSON.parse(line) as { global_step: number }).global_step <= 100)).toBe(true);
  });
});
