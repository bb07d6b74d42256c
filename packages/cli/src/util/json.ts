/**
 * JSON files written the same way everywhere: sorted keys, two-space indent, trailing newline,
 * written to a temporary name and renamed so a reader (or a resumed run) never sees half a file.
 */
import { writeFileAtomic } from '@cachelab/cache-core';
import { canonicalJson } from './hash.js';

export function formatJson(value: unknown): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`;
}

export { writeFileAtomic };

export function writeJsonFile(path: string, value: unknown): void {
  writeFileAtomic(path, formatJson(value));
}

/** Prints a command's `--json` result on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(formatJson(value));
}
