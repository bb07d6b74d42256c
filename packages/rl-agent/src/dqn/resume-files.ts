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
const LEGACY_RESUME_JSON = 'resume.json';
const LEGACY_RESUME_BIN = 'resume.bin';

const RESUME_FILE = /^resume(-\d+)?\.(json|bin)$/;

/**
 * The names of the resume files of checkpoint `step` in `dir`: resume-STEP.json/.bin, or the first
 * version's resume.json/.bin when it holds that step; null when there are none.
 */
export function resumeFilesOf(dir: string, step: number): { json: string; bin: string } | null {
  if (existsSync(join(dir, resumeJsonName(step)))) return { json: resumeJsonName(step), bin: resumeBinName(step) };
  if (!existsSync(join(dir, LEGACY_RESUME_JSON))) return null;
  const legacy = { json: LEGACY_RESUME_JSON, bin: LEGACY_RESUME_BIN };
  try {
    return (JSON.parse(readFileSync(join(dir, LEGACY_RESUME_JSON), 'utf8')) as { step?: unknown }).step === step ? legacy : null;
  } catch {
    return legacy; // unreadable: its reader says so (a CheckpointError naming the files)
  }
}

/** The step of `dir`'s agent.json when resume state of that step is there too, else null. */
export function resumableCheckpointStep(dir: string): number | null {
  try {
    const step = (JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { state?: { step?: unknown } }).state?.step;
    return typeof step === 'number' && resumeFilesOf(dir, step) !== null ? step : null;
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
