/** Fails fast, before any cell runs, on a policy name nobody registered (the error lists the known names). */
import { UnknownPolicyError, createPolicy } from '@cachelab/cache-core';
import { isLearnedPolicyName } from './learned-names.js';

export function assertPoliciesKnown(names: readonly string[]): void {
  for (const name of names) {
    if (isLearnedPolicyName(name)) continue; // resolved by @cachelab/rl-agent when the cell runs
    try {
      createPolicy(name, { capacity: 1, keySpace: 1 });
    } catch (error) {
      if (error instanceof UnknownPolicyError) throw error;
      // other errors (bad parameters) are reported by the cell that uses them
    }
  }
}
