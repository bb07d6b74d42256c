/**
 * Learned policy names in the CLI. The prefixes (`dqn:DIR`, `dqn-guard:DIR`,
 * `dqn-select:DIR1+DIR2+…`) come from @cachelab/rl-agent's TensorFlow-free `policy-names` module,
 * so recognising a name loads nothing heavy. In an experiment a model directory may be a model the
 * experiment trains itself: `PREFIX:@NAME` (and `dqn-select:@A+@B+…`).
 */
import { DQN_SELECT_POLICY_PREFIX, learnedPolicyPrefix, splitModelList } from '@cachelab/rl-agent/policy-names';

export { isLearnedPolicyName, LEARNED_POLICY_PREFIXES } from '@cachelab/rl-agent/policy-names';

/** A learned policy name split into its prefix and model directories (`@NAME` entries still unresolved). */
export interface LearnedPolicyRef {
  prefix: string;
  /** Model directories in order; `@NAME` for a model of the experiment's own dqn.train. */
  dirs: string[];
}

/** The prefix and model directories of a learned policy name; null for any other name. */
export function learnedPolicyRef(name: string): LearnedPolicyRef | null {
  const prefix = learnedPolicyPrefix(name);
  if (prefix === undefined) return null;
  const rest = name.slice(prefix.length + 1);
  return { prefix, dirs: prefix === DQN_SELECT_POLICY_PREFIX ? splitModelList(rest) : [rest] };
}

/** The dqn.train entry names a learned policy name refers to with `@NAME` (empty for none). */
export function trainedModelNames(name: string): string[] {
  const ref = learnedPolicyRef(name);
  return ref ? ref.dirs.filter((dir) => dir.startsWith('@')).map((dir) => dir.slice(1)) : [];
}

/** The name with every `@NAME` replaced by `dirOf(NAME)`. */
export function resolveTrainedModels(name: string, dirOf: (model: string) => string): string {
  const ref = learnedPolicyRef(name);
  if (!ref || !ref.dirs.some((dir) => dir.startsWith('@'))) return name;
  return `${ref.prefix}:${ref.dirs.map((dir) => (dir.startsWith('@') ? dirOf(dir.slice(1)) : dir)).join('+')}`;
}
