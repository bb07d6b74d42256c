import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { resolveDqnConfig } from '../src/dqn/config.js';
import { trainDqn } from '../src/dqn/train.js';
import { checkEnv } from '../src/env/checker.js';
import type { Env } from '../src/env/env.js';
import { Box, Discrete } from '../src/env/spaces.js';
import { ChainEnv, greedyReturn } from './helpers/chain-env.js';

/** One state, reward 1 per step, and every episode ends after one step: terminated or truncated. */
class OneStepEnv implements Env {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 1, [1]);
  constructor(private readonly end: 'terminated' | 'truncated') {}
  reset() {
    return { observation: Float32Array.of(1), info: {} };
  }
  step() {
    return { observation: Float32Array.of(1), reward: 1, terminated: this.end === 'terminated', truncated: this.end === 'truncated', info: {} };
  }
}

const toyConfig = resolveDqnConfig({
  seed: 3,
  totalSteps: 3_000,
  learningStarts: 200,
  bufferSize: 5_000,
  batchSize: 32,
  trainFrequency: 1,
  targetUpdateInterval: 100,
  gamma: 0.95,
  explorationFraction: 0.5,
  hiddenLayers: [16],
  learningRate: 5e-3,
  logInterval: 500,
});

describe('DQN on a chain whose optimal policy is "always right"', () => {
  it('the chain environment passes the checker', () => {
    const t = checkEnv(() => new ChainEnv(5, 20, true), { seed: 7, steps: 100 });
    expect(t.rewards).toHaveLength(100);
  });

  it('learns the optimal return 0.97 within 3,000 steps', async () => {
    const env = new ChainEnv(5, 20);
    const result = await trainDqn({ env, config: toyConfig });
    const ret = greedyReturn(new ChainEnv(5, 20), (o) => result.agent.forward.argmax(o));
    expect(ret).toBeCloseTo(0.97, 6);
    // Every greedy action is "right", from every cell.
    for (let cell = 0; cell < 4; cell++) {
      const o = new Float32Array(5);
      o[cell] = 1;
      const q = result.agent.forward.evaluate(o);
      expect(q[1]!).toBeGreaterThan(q[0]!);
    }
    result.agent.dispose();
  });

  it('is deterministic under a seed (same seed → same Q-values; other seed → different)', async () => {
    const short = { ...toyConfig, totalSteps: 600 };
    const run = async (seed: number) => {
      const r = await trainDqn({ env: new ChainEnv(5, 20), config: { ...short, seed } });
      const q = [...r.agent.forward.evaluate(new Float32Array([1, 0, 0, 0, 0]))];
      r.agent.dispose();
      return q;
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('bootstraps through truncation but not through termination (γ = 0.9: Q → 10 vs Q → 1)', async () => {
    const q = async (end: 'terminated' | 'truncated') => {
      const config = { ...toyConfig, gamma: 0.9, totalSteps: 1_500, learningStarts: 100, targetUpdateInterval: 25, learningRate: 1e-2, maxGradNorm: 100 };
      const r = await trainDqn({ env: new OneStepEnv(end), config });
      const value = r.agent.forward.evaluate(Float32Array.of(1))[0]!;
      r.agent.dispose();
      return value;
    };
    expect(await q('terminated')).toBeCloseTo(1, 1);
    // 56 target updates of value iteration from ≈ 0: 10 · (1 − 0.9^56) ≈ 9.97; allow slack for SGD.
    expect(await q('truncated')).toBeGreaterThan(7);
  });

  it('keeps tf.memory().numTensors flat over 1,000 training steps', async () => {
    await initBackend();
    const counts: number[] = [];
    const { agent, updates } = await trainDqn({
      env: new ChainEnv(5, 20),
      config: { ...toyConfig, totalSteps: 1_050, learningStarts: 50, logInterval: 100 },
      onMetrics: (r) => {
        if (r['charts/epsilon'] !== undefined) counts.push(tf.memory().numTensors);
      },
    });
    expect(updates).toBe(1_000);
    expect(counts).toHaveLength(10);
    // Adam's moment variables appear at the first update (step 50); from step 100 on nothing grows.
    expect(new Set(counts).size).toBe(1);
    const live = tf.memory().numTensors;
    agent.dispose();
    expect(tf.memory().numTensors).toBeLessThan(live);
  });
});
