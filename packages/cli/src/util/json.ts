/**
 * JSON files written the same way everywhere: sorted keys, two-space indent, trailing newline,
 * written to a temporary name and renamed so a reader (or a resumed run) never sees half a file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from './hash.js';

export function formatJson(value: unknown): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`;
}

export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

export function writeJsonFile(path: string, value: unknown): void {
  writeFileAtomic(path, formatJson(value));
}

/** Prints a command's `--json` result on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(formatJson(value));
}
