/**
 * The policy-name prefixes @cachelab/rl-agent registers with the simulator when it is imported.
 * This module loads nothing else (no TensorFlow.js), so tools can recognise learned policy names
 * cheaply and import the whole package only when one is used: `@cachelab/rl-agent/policy-names`.
 */
import { ConfigError } from '@cachelab/cache-core';

/** `dqn:DIR`: a trained eviction model (learned-policy.ts). */
export const DQN_POLICY_PREFIX = 'dqn';
/** `dqn-guard:DIR`: the same model behind a LeCaR regret guard (guarded-policy.ts). */
export const DQN_GUARD_POLICY_PREFIX = 'dqn-guard';
/** `dqn-select:DIR1+DIR2+…`: several models and LRU, following the best recent shadow cache (selected-policy.ts). */
export const DQN_SELECT_POLICY_PREFIX = 'dqn-select';
export const LEARNED_POLICY_PREFIXES = [DQN_POLICY_PREFIX, DQN_GUARD_POLICY_PREFIX, DQN_SELECT_POLICY_PREFIX] as const;

/**
 * The model directories of a `dqn-select:` spec, joined by `+` (not a comma, so the name fits in the
 * CLI's comma-separated policy lists): blanks trimmed; a ConfigError naming the whole policy for an
 * empty entry.
 */
export function splitModelList(spec: string): string[] {
  const parts = spec.split('+').map((part) => part.trim());
  if (parts.some((part) => part.length === 0)) {
    throw new ConfigError('policy', `"${DQN_SELECT_POLICY_PREFIX}:${spec}": expected model directories joined by "+" (${DQN_SELECT_POLICY_PREFIX}:DIR1+DIR2+…), one of them is empty`);
  }
  return parts;
}

/** Whether `name` is `PREFIX:…` for one of LEARNED_POLICY_PREFIXES. */
export function isLearnedPolicyName(name: string): boolean {
  return learnedPolicyPrefix(name) !== undefined;
}

/** The learned-policy prefix of `name`, or undefined. */
export function learnedPolicyPrefix(name: string): string | undefined {
  const colon = name.indexOf(':');
  if (colon < 0) return undefined;
  const prefix = name.slice(0, colon);
  return (LEARNED_POLICY_PREFIXES as readonly string[]).includes(prefix) ? prefix : undefined;
}
