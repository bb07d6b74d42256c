/** Option helpers: the command line written into manifests and resume hints. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandLine } from '../src/util/options.js';

describe('commandLine', () => {
  it('leaves plain arguments bare', () => {
    expect(commandLine(['run', 'experiments/x.json', '--seed', '1', '--sizes', '1%,10%'])).toBe('cachelab run experiments/x.json --seed 1 --sizes 1%,10%');
  });

  it('quotes the rest so that a POSIX shell gives back exactly the arguments (no $ or ` expansion)', () => {
    const argv = ['run', 'my runs/x.json', "it's", '$HOME', '`id`', 'a"b', '', 'tab\there', 'ünï', '\\n'];
    const line = commandLine(argv);
    // The shell parses the line; printf prints each argument it got, NUL-terminated.
    const parsed = execFileSync('bash', ['-c', `set -- ${line.slice('cachelab '.length)}; printf '%s\\0' "$@"`], { encoding: 'utf8', env: { HOME: '/should-not-appear' } });
    expect(parsed.split('\0').slice(0, -1)).toEqual(argv);
  });
});
