/**
 * Fails fast, before any cell runs, on a policy or prefetch setting no cell could run: an
 * unregistered policy name (the error lists the known names), a policy parameter the policy does
 * not take or a value it refuses (`policies[2].params.windowRatio: must be between 0 and 1, got 2`),
 * a prefetch setting the Markov predictor refuses. Without this, such a cell failed only after
 * every cell before it had run.
 */
import { ConfigError, UnknownPolicyError, createPolicy } from '@cachelab/cache-core';
import type { Experiment } from './schema.js';
import { createCellPrefetcher } from './prefetch.js';
import { isLearnedPolicyName } from './learned-names.js';

/**
 * The capacity policies are built with to check their parameters. Parameter checks do not depend
 * on it; errors that might (anything not naming one of the policy's own parameters) are left to
 * the cell, which knows the real capacity.
 */
const PROBE_CAPACITY = 1024;

/**
 * `field`: the list's name in an experiment file; an unknown policy's error then names its entry
 * (`policies[3]: unknown policy "s3fif"; …`).
 */
export function assertPoliciesValid(policies: Experiment['policies'] | readonly string[], field?: string): void {
  for (const [i, spec] of policies.entries()) {
    const { name, params } = typeof spec === 'string' ? { name: spec, params: undefined } : spec;
    if (isLearnedPolicyName(name)) continue; // resolved by @cachelab/rl-agent when the cell runs
    try {
      createPolicy(name, { capacity: PROBE_CAPACITY, keySpace: 1, ...(params ? { params } : {}) });
    } catch (error) {
      if (error instanceof UnknownPolicyError) throw field === undefined ? error : new UnknownPolicyError(error.policy, error.known, `${field}[${i}]`);
      const own = `${name}.`;
      if (error instanceof ConfigError && error.field.startsWith(own)) {
        throw new ConfigError(`policies[${i}].params.${error.field.slice(own.length)}`, `${error.detail} (policy "${name}")`);
      }
    }
  }
}

export function assertPrefetchValid(prefetch: Experiment['prefetch']): void {
  for (const [i, spec] of prefetch.entries()) {
    try {
      createCellPrefetcher(spec);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const field = error.field.startsWith('prefetch.') ? error.field.slice('prefetch.'.length) : `params.${error.field}`;
      throw new ConfigError(`prefetch[${i}].${field}`, error.detail);
    }
  }
}
