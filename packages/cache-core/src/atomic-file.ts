/**
 * Whole-file writes that a crash cannot leave half done: the data goes to a temporary file beside
 * the target, which is then renamed over it (atomic on one file system). Used for checkpoints,
 * run summaries and every JSON file the tools write.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}
