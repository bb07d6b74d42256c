/** Review of today's rl-agent changes: each case pins a suspicion that was tried. */
import { CacheManager, ConfigError, createPolicy, silentLogger, type RequestBatch } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { AgentController } from '../src/controller.js';
import '../src/index.js'; // registers the dqn:, dqn-guard: and dqn-select: resolvers
import { resolveDqnConfig } from '../src/dqn/config.js';
import { trainDqn } from '../src/dqn/train.js';
import { CacheEnv } from '../src/env/cache-env.js';
import { SuccessorPredictor } from './helpers/predictor.js';
import { zipfTrace } from './helpers/trace.js';
import { tempDirs } from './helpers/temp-dirs.js';

const tempDir = tempDirs('rl-today-review');

async function startedManager(capacity: number): Promise<CacheManager> {
  const manager = new CacheManager({ backendType: 'memory', backendConfig: { maxEntries: capacity }, defaultTtl: 0, logger: silentLogger });
  await manager.start();
  return manager;
}

async function cacheCheckpoint(trace: RequestBatch, capacity: number, evictFractions?: number[]): Promise<string> {
  const dir = tempDir();
  const env = new CacheEnv(trace, { capacity, window: 100, predictor: () => new SuccessorPredictor(), ...(evictFractions ? { evictFractions } : {}) });
  const config = resolveDqnConfig({ seed: 1, totalSteps: 4, learningStarts: 100, logInterval: 100, hiddenLayers: [4] });
  const result = await trainDqn({ env, config, outDir: dir, envMeta: { kind: 'cache', settings: env.settings() } });
  result.agent.dispose();
  return dir;
}

const counts = (c: AgentController) => c.actions.flatMap((a) => ('count' in a ? [a.count] : []));

describe('AgentController.fromCheckpoint: eviction counts on a live cache of another capacity', () => {
  it('keeps the trained shares (1 % and 5 %), not the training counts rounded up at a small capacity and then scaled', async () => {
    const dir = await cacheCheckpoint(zipfTrace(2_000, 200, 0.8, 1), 50);
    const manager = await startedManager(500);
    // At capacity 50, 1 % and 5 % were stored as 1 and 3 (0.5 and 2.5 rounded); scaling those
    // gave 10 and 30 at 500: 2 % and 6 %. The shares at 500 are 5 and 25.
    expect(counts(AgentController.fromCheckpoint(dir, manager, { capacity: 500 }))).toEqual([5, 25, 5, 25]);
    expect(counts(AgentController.fromCheckpoint(dir, manager, { capacity: 10_000 }))).toEqual([100, 500, 100, 500]);
    expect(counts(AgentController.fromCheckpoint(dir, manager, { capacity: 50 }))).toEqual([1, 3, 1, 3]);
    await manager.stop();
  });

  it('fractions given to the training env are the ones kept', async () => {
    const dir = await cacheCheckpoint(zipfTrace(2_000, 200, 0.8, 1), 20, [0.02, 0.1]);
    const manager = await startedManager(1_000);
    expect(counts(AgentController.fromCheckpoint(dir, manager, { capacity: 1_000 }))).toEqual([20, 100, 20, 100]);
    await manager.stop();
  });
});

describe('learned policies: capacity', () => {
  it('dqn:, dqn-guard: and dqn-select: refuse a fractional capacity as every other policy does, before reading the model', () => {
    for (const name of ['dqn:/no/such/model', 'dqn-guard:/no/such/model', 'dqn-select:/no/such/a+/no/such/b']) {
      expect(() => createPolicy(name, { capacity: 10.5 }), name).toThrow(ConfigError);
      expect(() => createPolicy(name, { capacity: 10.5 }), name).toThrow(/needs a whole-number capacity >= 0 \(objects, or bytes in byte mode\), got 10\.5/);
    }
  });
});
