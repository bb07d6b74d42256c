/**
 * The capacity unit a model was trained in, read from its agent.json without loading
 * TensorFlow.js: `@cachelab/rl-agent/model-unit`. A model replayed in the other unit sees size
 * features it never saw in training (bytes where it learned object counts, or the reverse), so
 * tools say so when the units differ.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DQN_SELECT_POLICY_PREFIX, learnedPolicyPrefix, splitModelList } from './policy-names.js';

export type ModelUnit = 'objects' | 'bytes';

/** The unit of `dir`'s agent.json; `objects` for models from before the field, and for a directory without a readable agent.json (loading it fails later, with its own error). */
export function modelTrainingUnit(dir: string): ModelUnit {
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { env?: { settings?: { unit?: unknown } } };
    return meta.env?.settings?.unit === 'bytes' ? 'bytes' : 'objects';
  } catch {
    return 'objects';
  }
}

/**
 * The model directories of a learned policy name that were trained in a unit other than `unit`,
 * with the unit each was trained in (empty for other names and for `@NAME` entries, which an
 * experiment trains itself in its own unit).
 */
export function modelsTrainedInOtherUnit(policyName: string, unit: ModelUnit): { dir: string; trainedIn: ModelUnit }[] {
  const prefix = learnedPolicyPrefix(policyName);
  if (prefix === undefined) return [];
  const rest = policyName.slice(prefix.length + 1);
  const dirs = prefix === DQN_SELECT_POLICY_PREFIX ? splitModelList(rest) : [rest];
  return dirs
    .filter((dir) => !dir.startsWith('@'))
    .map((dir) => ({ dir, trainedIn: modelTrainingUnit(dir) }))
    .filter((model) => model.trainedIn !== unit);
}
