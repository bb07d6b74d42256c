/**
 * Audit regressions: each test failed on the code before its fix (see the report of the audit).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CacheManager, CachelabError, silentLogger, type RequestBatch } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { AgentController } from '../src/controller.js';
import { epsilonAt, resolveDqnConfig } from '../src/dqn/config.js';
import { QForward } from '../src/dqn/forward.js';
import { trainDqn } from '../src/dqn/train.js';
import { CandidateCache } from '../src/env/candidate-cache.js';
import { CACHE_ENV_FEATURES, CacheEnv, cacheEnvActions, type NextRequestPredictor } from '../src/env/cache-env.js';
import { EvictionEnv } from '../src/env/eviction-env.js';
import { FEATURE_COUNT, F_PROBABILITY } from '../src/env/features.js';
import { markovAccessScorer } from '../src/env/markov-scorer.js';
import { ChainEnv } from './helpers/chain-env.js';
import { SuccessorPredictor } from './helpers/predictor.js';
import { traceOf, zipfTrace } from './helpers/trace.js';
import { tempDirs } from './helpers/temp-dirs.js';

const tempDir = tempDirs('rl-audit');

const ACCURACY = CACHE_ENV_FEATURES.indexOf('markov_window_accuracy');
const TOPK_MASS = CACHE_ENV_FEATURES.indexOf('markov_topk_mass');

async function startedManager(capacity: number): Promise<CacheManager> {
  const manager = new CacheManager({ backendType: 'memory', backendConfig: { maxEntries: capacity }, defaultTtl: 0, logger: silentLogger });
  await manager.start();
  return manager;
}

/** A flat forward pass whose greedy action is always `best`. */
function constantForward(actions: number, best: number): QForward {
  const bias = new Float32Array(actions);
  bias[best] = 1;
  return new QForward({ layout: 'flat', features: CACHE_ENV_FEATURES.length, actions, hiddenLayers: [1] }, [
    { inputs: CACHE_ENV_FEATURES.length, units: 1, kernel: new Float32Array(CACHE_ENV_FEATURES.length), bias: new Float32Array(1) },
    { inputs: 1, units: actions, kernel: new Float32Array(actions), bias },
  ]);
}

/** Predicts `count` keys (0, 1, …), each with probability `p`, whatever it has seen. */
class FlatPredictor implements NextRequestPredictor {
  constructor(
    private readonly count: number,
    private readonly p: number,
  ) {}
  updateBatch(): void {}
  predictSession(_session: number, k: number, outKeys: Uint32Array, outProbabilities: Float64Array): number {
    const n = Math.min(k, this.count, outKeys.length);
    for (let i = 0; i < n; i++) {
      outKeys[i] = i;
      outProbabilities[i] = this.p;
    }
    return n;
  }
}

/** A tiny cache-env checkpoint (CacheEnv with `topK`), for AgentController.fromCheckpoint. */
async function cacheCheckpoint(trace: RequestBatch, options: { topK?: number; window: number }): Promise<string> {
  const dir = tempDir();
  const env = new CacheEnv(trace, { capacity: 50, window: options.window, predictor: () => new SuccessorPredictor(), ...(options.topK ? { topK: options.topK } : {}) });
  const config = resolveDqnConfig({ seed: 1, totalSteps: 4, learningStarts: 100, logInterval: 100, hiddenLayers: [4] });
  const result = await trainDqn({ env, config, outDir: dir, envMeta: { kind: 'cache', settings: env.settings() } });
  result.agent.dispose();
  return dir;
}

describe('ε schedule', () => {
  it('rising from startEpsilon to endEpsilon stops at endEpsilon (never above it, never above 1)', () => {
    const c = resolveDqnConfig({ totalSteps: 1_000, startEpsilon: 0.1, endEpsilon: 0.5, explorationFraction: 0.3 });
    expect(epsilonAt(c, 0)).toBe(0.1);
    expect(epsilonAt(c, 150)).toBeCloseTo(0.3, 12);
    expect(epsilonAt(c, 300)).toBeCloseTo(0.5, 12);
    expect(epsilonAt(c, 999)).toBe(0.5);
  });
});

describe('AgentController', () => {
  it('refuses a cadence or capacity that is not a positive integer (every: 0 never decided)', async () => {
    const actions = cacheEnvActions(100, [0.01, 0.05], [0.5, 0.2]);
    const manager = await startedManager(100);
    const make = (options: { capacity: number; every?: number }) => () => new AgentController(manager, constantForward(actions.length, 0), actions, options);
    for (const every of [0, -5, 2.5, Number.NaN]) expect(make({ capacity: 100, every }), `every ${every}`).toThrow(/every: must be a positive integer/);
    for (const capacity of [0, -1, Number.NaN]) expect(make({ capacity }), `capacity ${capacity}`).toThrow(/capacity: must be a positive integer/);
    expect(make({ capacity: 100, every: 3 })().every).toBe(3);
    await manager.stop();
  });

  it('fromCheckpoint scales the eviction counts to the live capacity (they are shares of the training capacity)', async () => {
    const dir = await cacheCheckpoint(zipfTrace(2_000, 200, 0.8, 1), { window: 100 });
    const counts = (c: AgentController) => c.actions.flatMap((a) => ('count' in a ? [a.count] : []));
    const manager = await startedManager(500);
    // Trained at capacity 50: 1 % and 5 % are 1 and 3 (rounded, at least 1).
    expect(counts(AgentController.fromCheckpoint(dir, manager, { capacity: 50 }))).toEqual([1, 3, 1, 3]);
    // At 500 the shares are 5 and 25 (scaling the stored 1 and 3 gave 10 and 30: 2 % and 6 %).
    expect(counts(AgentController.fromCheckpoint(dir, manager, { capacity: 500 }))).toEqual([5, 25, 5, 25]);
    expect(counts(AgentController.fromCheckpoint(dir, manager, { capacity: 5 }))).toEqual([1, 1, 1, 1]);
    expect(AgentController.fromCheckpoint(dir, manager, { capacity: 500 }).actions.filter((a) => a.kind === 'prefetch')).toEqual([
      { kind: 'prefetch', threshold: 0.5 },
      { kind: 'prefetch', threshold: 0.2 },
    ]);
    await manager.stop();
  });

  it('fromCheckpoint decides every training window when `every` is passed as undefined', async () => {
    const dir = await cacheCheckpoint(zipfTrace(2_000, 200, 0.8, 1), { window: 100 });
    const manager = await startedManager(50);
    const options: { capacity: number; every?: number } = { capacity: 50, every: undefined };
    expect(AgentController.fromCheckpoint(dir, manager, options).every).toBe(100);
    await manager.stop();
  });

  it('reads the predictor’s top-k with the k the model was trained with (agent.json topK)', async () => {
    const trace = zipfTrace(2_000, 200, 0.8, 1);
    // CacheEnv with topK 2 and a predictor of 8 guesses at 0.1 each: the top-k mass feature is 0.2.
    const env = new CacheEnv(trace, { capacity: 50, window: 100, topK: 2, predictor: () => new FlatPredictor(8, 0.1) });
    await env.reset({ seed: 1 });
    const trained = await env.step(0);
    expect(trained.observation[TOPK_MASS]).toBeCloseTo(0.2, 6);

    const dir = await cacheCheckpoint(trace, { topK: 2, window: 100 });
    const manager = await startedManager(50);
    const controller = AgentController.fromCheckpoint(dir, manager, { capacity: 50, predictor: new FlatPredictor(8, 0.1) });
    const decision = await controller.tick();
    expect(decision.observation[TOPK_MASS]).toBeCloseTo(0.2, 6);
    await manager.stop();
  });

  it('feeds markov_window_accuracy from observeRequest as CacheEnv computes it (not a constant 0)', async () => {
    // A cycle of 10 keys: after the first lap, the successor predictor's top guess is always right.
    const trace = traceOf(Array.from({ length: 400 }, (_, i) => i % 10));
    const env = new CacheEnv(trace, { capacity: 5, window: 100, predictor: () => new SuccessorPredictor() });
    await env.reset({ seed: 1 });
    const trained = (await env.step(0)).observation[ACCURACY]!;
    expect(trained).toBeGreaterThan(0.8);

    const manager = await startedManager(5);
    const actions = cacheEnvActions(5, [0.01, 0.05], [0.5, 0.2]);
    const controller = new AgentController(manager, constantForward(actions.length, 0), actions, { capacity: 5, every: 100, predictor: new SuccessorPredictor() });
    for (let i = 0; i < 100; i++) {
      controller.observeRequest(trace, i);
      const name = `k${trace.key[i]}`;
      if ((await manager.get(name)) === undefined) await manager.set(name, trace.key[i]);
    }
    const decision = await controller.tick();
    expect(decision.observation[ACCURACY]).toBe(trained);
    // The next window starts counting afresh.
    for (let i = 100; i < 150; i++) controller.observeRequest(trace, i);
    expect((await controller.tick()).observation[ACCURACY]).toBe(1);
    await manager.stop();
  });

  it('does not act on a stopped manager: tick() is a typed error, recordOperation() skips the decision', async () => {
    const actions = cacheEnvActions(100, [0.01, 0.05], [0.5, 0.2]);
    const manager = await startedManager(100);
    const prefetchAll = actions.findIndex((a) => a.kind === 'prefetch' && a.threshold === 0.2);
    const controller = new AgentController(manager, constantForward(actions.length, prefetchAll), actions, { capacity: 100, every: 2, predictor: new FlatPredictor(4, 0.5) });
    await manager.stop();
    await expect(controller.tick()).rejects.toThrow(CachelabError);
    await expect(controller.tick()).rejects.toThrow(/manager is not running/);
    expect(await controller.recordOperation()).toBeUndefined();
    expect(await controller.recordOperation()).toBeUndefined();
    expect(controller.decisions).toHaveLength(0);
    expect(manager.getPrefetchQueue()).toHaveLength(0); // nothing queued for a manager that will not fetch it
  });
});

describe('resume', () => {
  it('metrics.jsonl holds each step once after resuming a run that logged past its last checkpoint', async () => {
    const dir = tempDir();
    const config = resolveDqnConfig({ seed: 2, totalSteps: 300, learningStarts: 50, logInterval: 25, checkpointInterval: 100, hiddenLayers: [4] });
    // The run dies at step 250, after logging up to step 225; its last checkpoint is step 200.
    await expect(
      trainDqn({
        env: new ChainEnv(5, 20),
        config,
        outDir: dir,
        onMetrics: (r) => {
          if (r.global_step === 250 && r['charts/epsilon'] !== undefined) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"global_step":23'); // a line torn by the interruption
    const resumed = await trainDqn({ env: new ChainEnv(5, 20), config, outDir: dir, resume: true });
    resumed.agent.dispose();
    const records = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const charts = records.filter((r) => r['charts/epsilon'] !== undefined).map((r) => r.global_step);
    expect(charts).toEqual(Array.from({ length: 12 }, (_, i) => 25 * (i + 1)));
    // Episode records are in step order too (none repeated from the replayed stretch).
    const episodes = records.filter((r) => r['charts/episodic_return'] !== undefined).map((r) => r.global_step!);
    expect(episodes).toEqual([...episodes].sort((a, b) => a - b));
    expect(new Set(episodes).size).toBe(episodes.length);
  });
});

describe('Markov access probability: training sees what replay sees', () => {
  it('EvictionEnv writes the feature after the scorer has seen the missing request, as dqn:DIR does', () => {
    const keys = Array.from({ length: 200 }, (_, i) => (i * 7) % 13);
    const trace = traceOf(keys);
    const env = new EvictionEnv(trace, { capacity: 5, candidates: 5, scorer: 'markov' });
    let { observation, info } = env.reset({ seed: 1 });
    // The replay side: the same CandidateCache features, written after the lookup (as learnedChooser does).
    for (let decision = 0; decision < 30; decision++) {
      const position = info.requests!;
      // dqn:DIR decides inside evict(), after the lookup: its scorer has seen requests 0..position.
      const scorer = markovAccessScorer();
      for (let i = 0; i <= position; i++) scorer.observe(keys[i]!);
      const envCandidates = [...(env as unknown as { cache: CandidateCache }).cache.candidates];
      for (let row = 0; row < 5; row++) {
        expect(observation[row * FEATURE_COUNT + F_PROBABILITY], `decision ${decision} row ${row}`).toBeCloseTo(Math.min(1, Math.max(0, scorer.accessProbability(envCandidates[row]!))), 6);
      }
      const r = env.step(0);
      if (r.terminated) break;
      observation = r.observation;
      info = r.info;
    }
  });
});
