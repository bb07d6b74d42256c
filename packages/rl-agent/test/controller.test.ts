import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CacheManager, silentLogger } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { AgentController } from '../src/controller.js';
import { resolveDqnConfig } from '../src/dqn/config.js';
import { QForward } from '../src/dqn/forward.js';
import { trainDqn } from '../src/dqn/train.js';
import { CacheEnv, cacheEnvActions } from '../src/env/cache-env.js';
import { SuccessorPredictor } from './helpers/predictor.js';
import { zipfTrace } from './helpers/trace.js';

const trace = zipfTrace(6_000, 800, 0.8, 5, 0.1);

async function filledManager(capacity: number): Promise<CacheManager> {
  const manager = new CacheManager({ backendType: 'memory', backendConfig: { maxEntries: capacity }, defaultTtl: 0, logger: silentLogger });
  await manager.start();
  for (let k = 0; k < capacity; k++) await manager.set(`k${k}`, k);
  return manager;
}

/** A forward pass whose Q-values are constant: action `best` always wins. */
function constantForward(actions: number, best: number): QForward {
  const bias = new Float32Array(actions);
  bias[best] = 1;
  return new QForward({ layout: 'flat', features: 10, actions, hiddenLayers: [1] }, [
    { inputs: 10, units: 1, kernel: new Float32Array(10), bias: new Float32Array(1) },
    { inputs: 1, units: actions, kernel: new Float32Array(actions), bias },
  ]);
}

describe('DQN on CacheEnv and the live AgentController', () => {
  it('trains on the async CacheEnv and runs the checkpoint live every N operations', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-cache-env-'));
    const env = new CacheEnv(trace, { capacity: 100, window: 100, predictor: () => new SuccessorPredictor() });
    const config = resolveDqnConfig({ seed: 1, totalSteps: 150, learningStarts: 50, logInterval: 50, hiddenLayers: [8] });
    const records: Record<string, number>[] = [];
    const result = await trainDqn({ env, config, outDir: dir, envMeta: { kind: 'cache', settings: env.settings() }, onMetrics: (r) => records.push(r) });
    expect(result.steps).toBe(150);
    expect(result.episodes).toBe(2); // 60 windows of 100 requests per episode
    expect(records.filter((r) => r['charts/episodic_length'] !== undefined).map((r) => r['charts/episodic_length'])).toEqual([60, 60]);
    result.agent.dispose();

    const manager = await filledManager(100);
    const controller = AgentController.fromCheckpoint(dir, manager, { capacity: 100 });
    expect(controller.every).toBe(100);
    let decided = 0;
    for (let i = 0; i < 1_000; i++) {
      await manager.get(`k${i % 150}`);
      if (await controller.recordOperation()) decided++;
    }
    expect(decided).toBe(10);
    for (const d of controller.decisions) {
      expect(env.actions).toContainEqual(d.action);
      expect(d.q.indexOf(Math.max(...d.q))).toBe(env.actions.indexOf(env.actions.find((a) => JSON.stringify(a) === JSON.stringify(d.action))!));
    }
    await manager.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies the chosen action to the manager: evictLru(5) removes five entries', async () => {
    const actions = cacheEnvActions(100, [0.01, 0.05], [0.5, 0.2]);
    const manager = await filledManager(100);
    const controller = new AgentController(manager, constantForward(actions.length, 2), actions, { capacity: 100, every: 10 });
    const decision = await controller.tick();
    expect(decision.action).toEqual({ kind: 'evictLru', count: 5 });
    expect((await manager.getMetrics()).currentEntries).toBe(95);
    // The oldest entries went first.
    expect(await manager.get('k0')).toBeUndefined();
    expect(await manager.get('k5')).toBe(5);
    await manager.stop();
  });
});
