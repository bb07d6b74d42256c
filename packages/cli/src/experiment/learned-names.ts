/**
 * Learned policy names in the CLI. The prefixes (`dqn:DIR`, `dqn-guard:DIR`) come from
 * @cachelab/rl-agent's TensorFlow-free `policy-names` module, so recognising a name loads nothing
 * heavy. In an experiment such a name may refer to a model the experiment trains itself:
 * `PREFIX:@NAME`.
 */
import { learnedPolicyPrefix } from '@cachelab/rl-agent/policy-names';

export { isLearnedPolicyName, LEARNED_POLICY_PREFIXES } from '@cachelab/rl-agent/policy-names';

/** For `PREFIX:@NAME`: the prefix and the dqn.train entry NAME; null for any other name. */
export function trainedModelRef(name: string): { prefix: string; model: string } | null {
  const prefix = learnedPolicyPrefix(name);
  if (prefix === undefined || name[prefix.length + 1] !== '@') return null;
  return { prefix, model: name.slice(prefix.length + 2) };
}
