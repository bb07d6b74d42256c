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

/** The model directories a learned policy name gives by path (not `@NAME`), each once, in order. */
export function modelPaths(name: string): string[] {
  const ref = learnedPolicyRef(name);
  return ref ? [...new Set(ref.dirs.filter((dir) => !dir.startsWith('@')))] : [];
}

/**
 * SHA-256 of the weights.bin of each model a learned policy name gives by path (`dqn:DIR`, not
 * `@NAME`), keyed by the directory as written (null: no weights.bin there); null when it names none.
 * An experiment does not train these, so they may be trained again outside it: a replay records
 * them in its summary.json (`modelWeights`) to tell later whether it measured the model there now.
 */
export function modelWeightsChecksums(policyName: string): Record<string, string | null> | null {
  const dirs = modelPaths(policyName);
  if (dirs.length === 0) return null;
  return Object.fromEntries(
    dirs.map((dir) => {
      const file = join(dir, 'weights.bin');
      return [dir, existsSync(file) ? sha256Hex(readFileSync(file)) : null];
    }),
  );
}

/** A path model of a replay (see `modelWeightsChecksums`) whose recorded weights cannot be compared with the ones there now. */
export interface UncheckedModel {
  dir: string;
  /** 'not recorded': the summary predates `modelWeights`; 'missing': no weights.bin in the folder now. */
  reason: 'not recorded' | 'missing';
}

/**
 * The path models of a replay whose weights are not the ones it recorded (`changed`: trained again
 * since) and those that cannot be checked (`unchecked`: a summary from before replays recorded
 * `modelWeights`, or a model not found now).
 */
export function replayModelWeights(summary: unknown, policyName: string): { changed: string[]; unchecked: UncheckedModel[] } {
  const current = modelWeightsChecksums(policyName);
  const out: { changed: string[]; unchecked: UncheckedModel[] } = { changed: [], unchecked: [] };
  if (current === null) return out;
  const field = summary !== null && typeof summary === 'object' ? (summary as { modelWeights?: unknown }).modelWeights : undefined;
  const recorded = field !== null && typeof field === 'object' ? (field as Record<string, unknown>) : {};
  for (const [dir, sha] of Object.entries(current)) {
    const then = recorded[dir];
    if (typeof then !== 'string') out.unchecked.push({ dir, reason: 'not recorded' });
    else if (sha === null) out.unchecked.push({ dir, reason: 'missing' });
    else if (sha !== then) out.changed.push(dir);
  }
  return out;
}

/**
 * Whether a replay's summary.json measured the models the run holds now: its recorded `models`
 * checksums equal `trainedModelChecksums`, and no model given by path has other weights than it
 * recorded (`replayModelWeights`). A summary written before replays recorded them (no `models` or
 * `modelWeights` field), or a path model not found now, cannot be checked and is taken as it is.
 */
export function replayModelsCurrent(summary: unknown, runDir: string, policyName: string, seed: number): boolean {
  if (replayModelWeights(summary, policyName).changed.length > 0) return false;
  if (summary === null || typeof summary !== 'object' || !('models' in summary)) return true;
  const current = trainedModelChecksums(runDir, policyName, seed);
  const recorded = (summary as { models: unknown }).models;
  return current !== null && recorded !== null && typeof recorded === 'object' && Object.keys(current).length === Object.keys(recorded).length &&
    Object.entries(current).every(([model, sha]) => sha !== null && (recorded as Record<string, unknown>)[model] === sha);
}
