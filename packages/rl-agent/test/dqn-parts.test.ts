import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { DQN_DEFAULTS, DQN_DOCS, DqnConfigError, epsilonAt, resolveDqnConfig } from '../src/dqn/config.js';
import { QForward } from '../src/dqn/forward.js';
import { ReplayBuffer } from '../src/dqn/replay-buffer.js';

describe('DQN config', () => {
  it('documents every field and rejects unknown or out-of-range settings by name', () => {
    expect(Object.keys(DQN_DOCS).sort()).toEqual(Object.keys(DQN_DEFAULTS).sort());
    expect(() => resolveDqnConfig({ gama: 0.9 } as never)).toThrow(/unknown DQN setting "gama"/);
    expect(() => resolveDqnConfig({ gamma: 1.5 })).toThrow(DqnConfigError);
    expect(() => resolveDqnConfig({ batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => resolveDqnConfig({ hiddenLayers: [] })).toThrow(/hiddenLayers/);
  });

  it('ε decays linearly from 1 to 0.05 over 30% of the steps, then stays', () => {
    const c = resolveDqnConfig({ totalSteps: 1_000 });
    expect(epsilonAt(c, 0)).toBe(1);
    expect(epsilonAt(c, 150)).toBeCloseTo(0.525, 12);
    expect(epsilonAt(c, 300)).toBeCloseTo(0.05, 12);
    expect(epsilonAt(c, 999)).toBeCloseTo(0.05, 12);
  });
});

describe('ReplayBuffer', () => {
  it('keeps the newest `capacity` transitions in a ring and stores terminated, not truncated', () => {
    const buffer = new ReplayBuffer(3, 2);
    for (let i = 0; i < 5; i++) buffer.add(Float32Array.of(i, i), i % 2, i * 10, Float32Array.of(i + 1, i + 1), i === 4);
    expect(buffer.size).toBe(3);
    const batch = buffer.sample(seedrandom('s'), buffer.allocateBatch(200));
    const seen = new Set<number>();
    for (let b = 0; b < 200; b++) {
      const i = batch.obs[2 * b]!;
      seen.add(i);
      expect(batch.rewards[b]).toBe(i * 10);
      expect(batch.actions[b]).toBe(i % 2);
      expect(batch.nextObs[2 * b]).toBe(i + 1);
      expect(batch.dones[b]).toBe(i === 4 ? 1 : 0);
    }
    expect([...seen].sort()).toEqual([2, 3, 4]);
  });
});

describe('QForward', () => {
  it('computes a hand-worked per-action MLP: q = w2 · relu(W1 x + b1) + b2 for each row', () => {
    // 2 features → 2 hidden → 1, two action rows.
    const f = new QForward({ layout: 'per-action', features: 2, actions: 2, hiddenLayers: [2] }, [
      { inputs: 2, units: 2, kernel: Float32Array.of(1, -1, 2, 1), bias: Float32Array.of(0, 0.5) },
      { inputs: 2, units: 1, kernel: Float32Array.of(1, 2), bias: Float32Array.of(-1) },
    ]);
    // row 0 x = (1, 1): h = relu(1+2, −1+1+0.5) = (3, 0.5); q = 3 + 1 − 1 = 3
    // row 1 x = (−1, 0): h = relu(−1, 1+0.5) = (0, 1.5); q = 0 + 3 − 1 = 2
    const q = f.evaluate(Float32Array.of(1, 1, -1, 0));
    expect([...q]).toEqual([3, 2]);
    expect(f.argmax(Float32Array.of(1, 1, -1, 0))).toBe(0);
  });
});

describe('QForward equals the tfjs network it was read from', () => {
  it.each([
    { layout: 'per-action' as const, features: 5, actions: 4, hiddenLayers: [6, 5] },
    { layout: 'flat' as const, features: 7, actions: 3, hiddenLayers: [7, 3] },
    { layout: 'per-action' as const, features: 14, actions: 8, hiddenLayers: [8] },
  ])('$layout $hiddenLayers', async (spec) => {
    const tf = await import('@tensorflow/tfjs');
    const { initBackend } = await import('../src/backend.js');
    const { DqnAgent } = await import('../src/dqn/agent.js');
    const { batchShape, observationSize } = await import('../src/dqn/network.js');
    await initBackend();
    const agent = new DqnAgent(spec, resolveDqnConfig({ seed: 4, hiddenLayers: spec.hiddenLayers }));
    const rng = seedrandom('x');
    for (let trial = 0; trial < 5; trial++) {
      const obs = Float32Array.from({ length: observationSize(spec) }, () => (rng() < 0.3 ? 0 : rng() * 2 - 1));
      const expected = tf.tidy(() => (agent.online.predict(tf.tensor(obs, batchShape(spec, 1))) as import('@tensorflow/tfjs').Tensor).dataSync());
      const q = agent.forward.evaluate(obs);
      for (let a = 0; a < spec.actions; a++) expect(q[a]).toBeCloseTo(expected[a]!, 5);
    }
    agent.dispose();
  });
});
