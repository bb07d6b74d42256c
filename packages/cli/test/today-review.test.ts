/** Review of today's cli changes: each case pins a suspicion that was tried. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandLine } from '../src/util/options.js';

/** The arguments a POSIX shell reads back from `line` (after its leading `cachelab`). */
function shellWords(line: string): string[] {
  const rest = line.slice('cachelab'.length);
  const out = execFileSync('sh', ['-c', `set --${rest}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('commandLine', () => {
  it('pasted into a POSIX shell, gives back every argument as typed', () => {
    const argv = ['run', '', "it's", 'a\nb', 'café', '$HOME', '`id`', '--x=$(id)', '"q"', 'tab\there', '*', '~', '-', 'back\\slash', '!', "''"];
    const line = commandLine(argv);
    expect(line.startsWith('cachelab run ')).toBe(true);
    expect(shellWords(line)).toEqual(argv);
  });
});
