/** The stderr notice for learned models replayed in a unit other than the one they were trained in. */
import { modelsTrainedInOtherUnit, type ModelUnit } from '@cachelab/rl-agent/model-unit';

/** One note line per model of `policies` trained in another unit than `unit` (none for other policies). */
export function trainingUnitNotes(policies: readonly string[], unit: ModelUnit): string[] {
  const dirs = new Set<string>();
  const notes: string[] = [];
  for (const policy of policies) {
    for (const { dir, trainedIn } of modelsTrainedInOtherUnit(policy, unit)) {
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      notes.push(`note: ${dir} was trained with sizes in ${trainedIn} and is replayed in ${unit}: its size feature sees values it never saw in training`);
    }
  }
  return notes;
}

/** Writes `trainingUnitNotes` to stderr. */
export function noteTrainingUnits(policies: readonly string[], unit: ModelUnit): void {
  for (const note of trainingUnitNotes(policies, unit)) process.stderr.write(`${note}\n`);
}
