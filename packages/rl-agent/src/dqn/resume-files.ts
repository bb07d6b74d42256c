/**
 * Where a checkpoint's resume state lives, without loading TensorFlow.js:
 * `@cachelab/rl-agent/resume-files`. The files carry the checkpoint step in their names
 * (`resume-2000.json` + `resume-2000.bin`): a checkpoint writes the new step's files, then
 * agent.json, and only then removes the older step's, so a process killed anywhere in between
 * leaves agent.json's step with its own complete resume state.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const resumeJsonName = (step: number): string => `resume-${step}.json`;
export const resumeBinName = (step: number): string => `resume-${step}.bin`;
/** The names of the first version (one pair, the step inside resume.json): still read. */
export const LEGACY_RESUME_JSON = 'resume.json';
export const LEGACY_RESUME_BIN = 'resume.bin';

const RESUME_FILE = /^resume(-\d+)?\.(json|bin)$/;

/** The step of `dir`'s agent.json when resume state of that step is there too, else null. */
export function resumableCheckpointStep(dir: string): number | null {
  try {
    const step = (JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { state?: { step?: unknown } }).state?.step;
    if (typeof step !== 'number') return null;
    if (existsSync(join(dir, resumeJsonName(step)))) return step;
    const legacy = JSON.parse(readFileSync(join(dir, LEGACY_RESUME_JSON), 'utf8')) as { step?: unknown };
    return legacy.step === step ? step : null;
  } catch {
    return null;
  }
}

/** Removes every resume file in `dir` except those of step `keep` (null: all of them). */
export function pruneResumeFiles(dir: string, keep: number | null): void {
  const kept = keep === null ? [] : [resumeJsonName(keep), resumeBinName(keep)];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no directory: nothing to remove
  }
  for (const name of names) {
    if (RESUME_FILE.test(name) && !kept.includes(name)) rmSync(join(dir, name), { force: true });
  }
}
