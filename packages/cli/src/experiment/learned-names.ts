/**
 * Learned policy names in the CLI. The prefixes (`dqn:DIR`, `dqn-guard:DIR`,
 * `dqn-select:DIR1+DIR2+…`) come from @cachelab/rl-agent's TensorFlow-free `policy-names` module,
 * so recognising a name loads nothing heavy. In an experiment a model directory may be a model the
 * experiment trains itself: `PREFIX:@NAME` (and `dqn-select:@A+@B+…`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DQN_SELECT_POLICY_PREFIX, learnedPolicyPrefix, splitModelList } from '@cachelab/rl-agent/policy-names';
import { sha256Hex } from '../util/hash.js';

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

/**
 * SHA-256 of the summary.json of each model of the experiment (`@NAME`) a replay of `policyName`
 * evaluates, from the run folder (null for a model without one); null when it names none. A replay
 * records them in its summary.json and counts as complete (for `run` and for reports) only while
 * they are unchanged: a model trained again from other trace bytes has another summary. Training
 * is deterministic, so a model trained again from the same bytes keeps its checksum.
 */
export function trainedModelChecksums(runDir: string, policyName: string, seed: number): Record<string, string | null> | null {
  const models = trainedModelNames(policyName);
  if (models.length === 0) return null;
  return Object.fromEntries(
    models.map((model) => {
      const file = join(runDir, `train-${model}-s${seed}`, 'summary.json');
      return [model, existsSync(file) ? sha256Hex(readFileSync(file)) : null];
    }),
  );
}

/**
 * Whether a replay's summary.json measured the models the run holds now: its recorded `models`
 * checksums equal `trainedModelChecksums`. A summary written before replays recorded them (no
 * `models` field) cannot be checked and is taken as it is.
 */
export function replayModelsCurrent(summary: unknown, runDir: string, policyName: string, seed: number): boolean {
  if (summary === null || typeof summary !== 'object' || !('models' in summary)) return true;
  const current = trainedModelChecksums(runDir, policyName, seed);
  const recorded = (summary as { models: unknown }).models;
  return current !== null && recorded !== null && typeof recorded === 'object' && Object.keys(current).length === Object.keys(recorded).length &&
    Object.entries(current).every(([model, sha]) => sha !== null && (recorded as Record<string, unknown>)[model] === sha);
}
