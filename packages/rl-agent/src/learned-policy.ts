/**
 * A trained eviction model as a simulator policy: `createPolicy('dqn:DIR', options)`.
 * At each eviction it samples K candidates, writes their features and evicts the candidate
 * with the highest Q-value, computed by the pure-TS forward pass (no tfjs on the replay path).
 */
import { ConfigError, registerPolicyResolver, type PolicyOptions } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';
import { loadForward } from './dqn/checkpoint.js';
import type { QForward } from './dqn/forward.js';
import { CandidateCache } from './env/candidate-cache.js';
import { featureCount, type AccessScorer } from './env/features.js';
import { markovAccessScorer } from './env/markov-scorer.js';
import { DQN_POLICY_PREFIX } from './policy-names.js';


/** Builds the eviction policy of a checkpoint directory written by `cachelab train --env eviction`. */
export function createLearnedPolicy(dir: string, options: PolicyOptions): CandidateCache {
  if (options.params && Object.keys(options.params).length > 0) {
    throw new ConfigError('params', `dqn:${dir} takes no parameters (got ${Object.keys(options.params).join(', ')}); settings come from the model's agent.json`);
  }
  const { forward, meta } = loadForward(dir);
  const settings = meta.env.settings;
  const envOptions: LearnedEnvOptions = {
    recentCandidates: typeof settings.recentCandidates === 'number' ? settings.recentCandidates : 0,
    regimeFeatures: settings.regimeFeatures === true,
    reuseFeatures: settings.reuseFeatures === true,
  };
  const expected = featureCount(envOptions);
  if (meta.env.kind !== 'eviction' || meta.spec.layout !== 'per-action' || meta.spec.features !== expected) {
    throw new ConfigError(
      'policy',
      `dqn:${dir} was trained on the ${meta.env.kind} environment with ${meta.spec.features} features; ` +
        `an eviction policy needs a model trained with --env eviction (${expected} candidate features for its agent.json settings)`,
    );
  }
  return learnedPolicyFromForward(`dqn:${dir}`, forward, options, settings.scorer === 'markov' ? markovAccessScorer() : undefined, envOptions);
}

/** The eviction-env options a learned policy must rebuild (from agent.json; defaults: off). */
export interface LearnedEnvOptions {
  recentCandidates?: number;
  regimeFeatures?: boolean;
  reuseFeatures?: boolean;
}

/** The policy around an in-memory forward pass (also used right after training). */
export function learnedPolicyFromForward(
  name: string,
  forward: QForward,
  options: PolicyOptions,
  scorer?: AccessScorer,
  envOptions: LearnedEnvOptions = {},
): CandidateCache {
  const regimeFeatures = envOptions.regimeFeatures ?? false;
  const reuseFeatures = envOptions.reuseFeatures ?? false;
  const expected = featureCount({ regimeFeatures, reuseFeatures });
  if (forward.spec.features !== expected) {
    throw new ConfigError('policy', `${name}: the model reads ${forward.spec.features} features, the env options give ${expected}`);
  }
  const obs = new Float32Array(forward.spec.actions * forward.spec.features);
  return new CandidateCache(
    {
      name,
      capacity: options.capacity,
      candidates: forward.spec.actions,
      ...(options.keySpace !== undefined ? { keySpace: options.keySpace } : {}),
      rng: seedrandom(`learned-policy-${options.seed ?? 0}`),
      recentCandidates: envOptions.recentCandidates ?? 0,
      regimeFeatures,
      reuseFeatures,
      ...(scorer ? { scorer } : {}),
    },
    (cache) => {
      cache.sampleCandidates();
      cache.writeFeatures(obs);
      return cache.candidates[forward.argmax(obs)]!;
    },
  );
}

let registered = false;

/** Registers the `dqn:DIR` resolver (idempotent; done when the package is imported). */
export function registerLearnedPolicy(): void {
  if (registered) return;
  registered = true;
  registerPolicyResolver(DQN_POLICY_PREFIX, createLearnedPolicy, 'learned eviction policy from a `cachelab train --env eviction` directory');
}
