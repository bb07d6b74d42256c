/** Parsers for option values; a bad value is a CliUsageError naming the option (exit code 1). */
import { CliUsageError } from './cli-error.js';

/**
 * Digits only. `wanted` is what the option takes ("≥ 0", "≥ 1", "from 100 to 1000000"), so that a
 * value that is not a whole number says the same bound as one out of range; a whole number written
 * otherwise (`1e6`, `+5`) is refused with the digits to type instead.
 */
function parseDigits(option: string, value: string, wanted: string): number {
  if (!/^\d+$/.test(value.trim())) {
    const n = Number(value);
    const digits = value.trim() !== '' && Number.isSafeInteger(n) && n >= 0 ? ` (write it in digits: ${n})` : '';
    throw new CliUsageError(`${option} must be a whole number ${wanted}, got "${value}"${digits}`);
  }
  const n = Number(value);
  // Above 2^53 a number is rounded to a neighbour: another seed or count than the one typed.
  if (!Number.isSafeInteger(n)) throw new CliUsageError(`${option} must be at most ${Number.MAX_SAFE_INTEGER} (2^53 − 1), got "${value}"`);
  return n;
}

export function parseNonNegativeInt(option: string) {
  return (value: string): number => parseDigits(option, value, '≥ 0');
}

export function parsePositiveInt(option: string) {
  return (value: string): number => {
    const n = parseDigits(option, value, '≥ 1');
    if (n === 0) throw new CliUsageError(`${option} must be at least 1, got "${value}"`);
    return n;
  };
}

/** A whole number from `lo` to `hi`. */
export function parseIntInRange(option: string, lo: number, hi: number, why = '') {
  return (value: string): number => {
    const n = parseDigits(option, value, `from ${lo} to ${hi}`);
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
