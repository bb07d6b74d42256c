/**
 * Policy names that @cachelab/rl-agent resolves when it is imported: `dqn:DIR` (the learned
 * eviction policy) and `dqn-guard:DIR` (the same model behind a LeCaR regret guard). In an
 * experiment either may name a model the experiment trains itself: `PREFIX:@NAME`.
 */
export const LEARNED_POLICY_PREFIXES = ['dqn', 'dqn-guard'] as const;

const LEARNED = /^(dqn|dqn-guard):/;
const TRAINED = /^(dqn|dqn-guard):@(.*)$/;

/** Whether the name needs @cachelab/rl-agent (`dqn:…`, `dqn-guard:…`). */
export function isLearnedPolicyName(name: string): boolean {
  return LEARNED.test(name);
}

/** For `PREFIX:@NAME`: the prefix and the dqn.train entry NAME; null for any other name. */
export function trainedModelRef(name: string): { prefix: string; model: string } | null {
  const match = TRAINED.exec(name);
  return match ? { prefix: match[1]!, model: match[2]! } : null;
}
