/**
 * DQN throughput. Target: ≥ 200 gradient steps/s on the wasm backend (batch 64, the default
 * per-action Q-network over 8 candidates × 14 features). Baseline in the same run: the same
 * step's tensor work without the backward pass (a Q-value prediction on the batch).
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { bench, describe } from 'vitest';
import { initBackend } from '../src/backend.js';
import { DqnAgent } from '../src/dqn/agent.js';
import { resolveDqnConfig } from '../src/dqn/config.js';
import { ReplayBuffer } from '../src/dqn/replay-buffer.js';
import { FEATURE_COUNT } from '../src/env/features.js';

const backend = await initBackend();
const config = resolveDqnConfig({});
const spec = { layout: 'per-action' as const, features: FEATURE_COUNT, actions: 8, hiddenLayers: config.hiddenLayers };
const agent = new DqnAgent(spec, config);
const rng = seedrandom('bench');
const size = spec.features * spec.actions;
const buffer = new ReplayBuffer(10_000, size);
const obs = new Float32Array(size);
for (let i = 0; i < 10_000; i++) {
  for (let j = 0; j < size; j++) obs[j] = rng();
  buffer.add(obs, i % 8, -rng(), obs, i % 100 === 0);
}
const batch = buffer.allocateBatch(config.batchSize);

describe(`DQN step on ${backend.name} (batch ${config.batchSize}, hidden [${config.hiddenLayers.join(',')}])`, () => {
  bench('sample + gradient step (Double DQN, Huber, clipping, Adam)', () => {
    agent.update(buffer.sample(rng, batch));
  });
  bench('baseline: sample + Q-value prediction only', () => {
    buffer.sample(rng, batch);
    tf.tidy(() => (agent.online.predict(tf.tensor(batch.obs, [batch.size, 8, FEATURE_COUNT])) as tf.Tensor).dataSync());
  });
});
