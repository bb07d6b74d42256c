/** What `run` and `compare` say when a run ends, and how an unfinished run becomes exit code 1. */
import { InterruptedError } from '../util/interrupt.js';
import { CellsFailedError } from './errors.js';
import type { RunResult } from './runner.js';

export function describeRun(result: RunResult): string {
  return `${result.name}: ${result.cells} cell${result.cells === 1 ? '' : 's'}, ${result.ran} ran, ${result.skipped} already complete (skipped), ${result.failed.length} failed → ${result.runDir}`;
}

/** Throws when the run did not finish every cell; finished cells stay on disk either way. */
export function assertRunFinished(result: RunResult, rerun: string): void {
  if (result.interrupted) {
    throw new InterruptedError(`${result.ran + result.skipped} of ${result.cells} cells are complete in ${result.runDir}; run \`${rerun}\` again to resume`);
  }
  if (result.failed.length > 0) throw new CellsFailedError(result.failed, result.runDir);
}
