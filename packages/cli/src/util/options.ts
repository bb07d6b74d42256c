/** Parsers for option values; a bad value is a CliUsageError naming the option (exit code 1). */
import { CliUsageError } from './cli-error.js';

export function parseNonNegativeInt(option: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new CliUsageError(`${option} must be a whole number ≥ 0, got "${value}"`);
    const n = Number(value);
    // Above 2^53 a number is rounded to a neighbour: another seed or count than the one typed.
    if (!Number.isSafeInteger(n)) throw new CliUsageError(`${option} must be at most ${Number.MAX_SAFE_INTEGER} (2^53 − 1), got "${value}"`);
    return n;
  };
}

export function parsePositiveInt(option: string) {
  return (value: string): number => {
    const n = parseNonNegativeInt(option)(value);
    if (n === 0) throw new CliUsageError(`${option} must be at least 1, got "${value}"`);
    return n;
  };
}

/** A whole number from `lo` to `hi`. */
export function parseIntInRange(option: string, lo: number, hi: number, why = '') {
  return (value: string): number => {
    const n = parseNonNegativeInt(option)(value);
    if (n < lo || n > hi) throw new CliUsageError(`${option} must be from ${lo} to ${hi}${why}, got "${value}"`);
    return n;
  };
}

/** `a,b, c` → ['a', 'b', 'c'] (empty entries dropped). */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Commander collector for a repeatable option (`--trace a --trace b` → ['a', 'b']). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The command line as typed, for manifests and resume hints (`cachelab run experiments/x.json`),
 * quoted for a POSIX shell: an argument with anything but safe characters goes in single quotes
 * (a `'` inside as '\''), so pasting it back runs the same arguments ($ and ` not expanded).
 */
export function commandLine(argv: readonly string[]): string {
  return ['cachelab', ...argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`))].join(' ');
}
