/**
 * @cachelab/rl-agent: Gym-style cache environments and a DQN on TensorFlow.js that learns
 * eviction policies. Importing the package registers the `dqn:DIR`, `dqn-guard:DIR` and
 * `dqn-select:DIR1+DIR2+…` policy resolvers.
 */
import { registerGuardedLearnedPolicy } from './guarded-policy.js';
import { registerLearnedPolicy } from './learned-policy.js';
import { registerSelectedPolicy } from './selected-policy.js';

export * from './backend.js';
export * from './env/spaces.js';
export * from './env/env.js';
export * from './env/wrappers.js';
export * from './env/checker.js';
export * from './env/features.js';
export * from './env/candidate-cache.js';
export * from './env/eviction-env.js';
export * from './env/mixture-env.js';
export * from './env/eviction-training-env.js';
export * from './env/cache-env.js';
export * from './env/markov-scorer.js';
export * from './dqn/config.js';
export * from './dqn/network.js';
export * from './dqn/forward.js';
export * from './dqn/replay-buffer.js';
export * from './dqn/agent.js';
export * from './dqn/checkpoint.js';
export * from './dqn/train.js';
export * from './policy-names.js';
export * from './learned-policy.js';
export * from './guarded-policy.js';
export * from './selected-policy.js';
export * from './controller.js';

registerLearnedPolicy();
registerGuardedLearnedPolicy();
registerSelectedPolicy();
