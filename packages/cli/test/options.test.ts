/** Option helpers: the command line written into manifests and resume hints. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandLine, parseIntInRange, parseNonNegativeInt, parsePositiveInt } from '../src/util/options.js';

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

describe('whole-number options', () => {
  const message = (parse: (value: string) => number, value: string): string => {
    try {
      parse(value);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`${value} was accepted`);
  };

  it('say the bound the option takes, also for a value that is not a whole number', () => {
    // Was "≥ 0" for every option: a user who then typed 0 for --requests was told "at least 1".
    expect(message(parsePositiveInt('--requests'), '-5')).toBe('--requests must be a whole number ≥ 1, got "-5"');
    expect(message(parsePositiveInt('--requests'), '0')).toBe('--requests must be at least 1, got "0"');
    expect(message(parseIntInRange('--resamples', 100, 1_000_000), 'x')).toBe('--resamples must be a whole number from 100 to 1000000, got "x"');
    expect(message(parseNonNegativeInt('--seed'), 'abc')).toBe('--seed must be a whole number ≥ 0, got "abc"');
  });

  it('name the digits to type for a whole number written another way (1e6)', () => {
    expect(message(parsePositiveInt('--requests'), '1e6')).toBe('--requests must be a whole number ≥ 1, got "1e6" (write it in digits: 1000000)');
    expect(message(parseNonNegativeInt('--seed'), '1.0')).toBe('--seed must be a whole number ≥ 0, got "1.0" (write it in digits: 1)');
    expect(message(parseNonNegativeInt('--seed'), '1.5')).toBe('--seed must be a whole number ≥ 0, got "1.5"');
    expect(parsePositiveInt('--requests')('1000000')).toBe(1_000_000);
  });
});
