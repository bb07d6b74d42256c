/**
 * A trained eviction model as a simulator policy: `createPolicy('dqn:DIR', options)`.
 * At each eviction it samples K candidates, writes their features and evicts the candidate
 * with the highest Q-value, computed by the pure-TS forward pass (no tfjs on the replay path).
 */
import { checkCapacity, ConfigError, registerPolicyResolver, type PolicyOptions } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';
import { loadForward } from './dqn/checkpoint.js';
import type { QForward } from './dqn/forward.js';
import { CandidateCache, type VictimChooser } from './env/candidate-cache.js';
import { featureCount, resolveFeatureOptions, type AccessScorer, type FeatureOptions } from './env/features.js';
import { markovAccessScorer } from './env/markov-scorer.js';
import { DQN_POLICY_PREFIX } from './policy-names.js';


/** Builds the eviction policy of a checkpoint directory written by `cachelab train --env eviction`. */
export function createLearnedPolicy(dir: string, options: PolicyOptions): CandidateCache {
  if (options.params && Object.keys(options.params).length > 0) {
    throw new ConfigError('params', `dqn:${dir} takes no parameters (got ${Object.keys(options.params).join(', ')}); settings come from the model's agent.json`);
  }
  checkCapacity(`dqn:${dir}`, options.capacity);
  const model = loadEvictionModel(dir);
  return learnedPolicyFromForward(`dqn:${dir}`, model.forward, options, model.markovScorer ? markovAccessScorer() : undefined, model.envOptions);
}

/** A trained eviction model: its forward pass and what its candidate rows need. */
export interface EvictionModel {
  forward: QForward;
  envOptions: LearnedEnvOptions;
  /** The access_probability feature comes from a Markov predictor (one per cache: it learns that cache's stream). */
  markovScorer: boolean;
}

/** Loads the checkpoint in `dir`; a ConfigError unless it is an eviction model whose width matches its agent.json settings. */
export function loadEvictionModel(dir: string): EvictionModel {
  const { forward, meta } = loadForward(dir);
  const settings = meta.env.settings;
  const envOptions: LearnedEnvOptions = {
    recentCandidates: typeof settings.recentCandidates === 'number' ? settings.recentCandidates : 0,
    regimeFeatures: settings.regimeFeatures === true,
    reuseFeatures: settings.reuseFeatures === true,
    decayFeatures: settings.decayFeatures === true,
  };
  const expected = featureCount(envOptions);
  if (meta.env.kind !== 'eviction' || meta.spec.layout !== 'per-action' || meta.spec.features !== expected) {
    throw new ConfigError(
      'policy',
      `dqn:${dir} was trained on the ${meta.env.kind} environment with ${meta.spec.features} features; ` +
        `an eviction policy needs a model trained with --env eviction (${expected} candidate features for its agent.json settings)`,
    );
  }
  return { forward, envOptions, markovScorer: settings.scorer === 'markov' };
}

/** The eviction-env options a learned policy must rebuild (from agent.json; defaults: off). */
export interface LearnedEnvOptions extends FeatureOptions {
  recentCandidates?: number;
}

/** The policy around an in-memory forward pass (also used right after training). */
export function learnedPolicyFromForward(
  name: string,
  forward: QForward,
  options: PolicyOptions,
  scorer?: AccessScorer,
  envOptions: LearnedEnvOptions = {},
): CandidateCache {
  const features = resolveFeatureOptions(envOptions);
  const expected = featureCount(features);
  if (forward.spec.features !== expected) {
    throw new ConfigError('policy', `${name}: the model reads ${forward.spec.features} features, the env options give ${expected}`);
  }
  return new CandidateCache(
    {
      name,
      capacity: options.capacity,
      candidates: forward.spec.actions,
      ...(options.keySpace !== undefined ? { keySpace: options.keySpace } : {}),
      rng: seedrandom(`learned-policy-${options.seed ?? 0}`),
      recentCandidates: envOptions.recentCandidates ?? 0,
      ...features,
      ...(scorer ? { scorer } : {}),
    },
    learnedChooser(forward),
  );
}

/**
 * The model's decision on any CandidateCache with matching features: sample K candidates, write
 * their rows into a buffer owned by the chooser, evict the argmax.
 */
export function learnedChooser(forward: QForward): VictimChooser {
  const obs = new Float32Array(forward.spec.actions * forward.spec.features);
  return (cache) => {
    cache.sampleCandidates();
    cache.writeFeatures(obs);
    return cache.candidates[forward.argmax(obs)]!;
  };
}

let registered = false;

/** Registers the `dqn:DIR` resolver (idempotent; done when the package is imported). */
export function registerLearnedPolicy(): void {
  if (registered) return;
  registered = true;
  registerPolicyResolver(DQN_POLICY_PREFIX, createLearnedPolicy, 'learned eviction policy from a `cachelab train --env eviction` directory');
}
