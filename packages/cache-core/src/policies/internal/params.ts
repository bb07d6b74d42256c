/**
 * Policy parameter validation: every policy declares its parameters (name → default and doc, the
 * same object its PolicyInfo shows); `readParams` merges the caller's values over the defaults and
 * rejects unknown names and values of the wrong type with a ConfigError naming the field.
 */
import { ConfigError } from '../../errors.js';
import type { PolicyInfo, PolicyOptions } from '../policy.js';

export type ParamSpec = PolicyInfo['params'];
type Value<T> = T extends { default: infer D } ? (D extends number ? number : D extends boolean ? boolean : string) : never;
export type ParamValues<S extends ParamSpec> = { [K in keyof S]: Value<S[K]> };

export function readParams<S extends ParamSpec>(policy: string, spec: S, given: PolicyOptions['params']): ParamValues<S> {
  const out: Record<string, number | string | boolean> = {};
  for (const [name, entry] of Object.entries(spec)) out[name] = entry.default;
  for (const [name, value] of Object.entries(given ?? {})) {
    // Own entries only: `constructor` or `toString` would otherwise find Object.prototype's.
    const entry = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!entry) {
      const known = Object.keys(spec);
      throw new ConfigError(
        `${policy}.${name}`,
        `unknown parameter for policy "${policy}"; ${known.length ? `known parameters: ${known.join(', ')}` : 'it takes no parameters'}`,
      );
    }
    if (typeof value !== typeof entry.default || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new ConfigError(`${policy}.${name}`, `expected a ${typeof entry.default}, got ${JSON.stringify(value)}`);
    }
    out[name] = value;
  }
  return out as ParamValues<S>;
}

/** Throws a ConfigError unless `lo <= value <= hi`. */
export function checkRange(policy: string, name: string, value: number, lo: number, hi: number): void {
  if (!(value >= lo && value <= hi)) {
    throw new ConfigError(`${policy}.${name}`, `must be between ${lo} and ${hi}, got ${value}`);
  }
}

/** Throws a ConfigError unless `value` is a whole number with `lo <= value <= hi`. */
export function checkInteger(policy: string, name: string, value: number, lo: number, hi: number): void {
  if (!(Number.isInteger(value) && value >= lo && value <= hi)) {
    throw new ConfigError(`${policy}.${name}`, `must be a whole number from ${lo} to ${hi}, got ${value}`);
  }
}

/** Validates the capacity every policy receives. */
export function checkCapacity(policy: string, capacity: number): void {
  // Capacities count objects, or bytes in byte mode: a fraction is a caller's mistake (the CLI's
  // sizes are whole numbers), which would otherwise round differently in each policy's shares.
  if (Number.isInteger(capacity) && capacity > Number.MAX_SAFE_INTEGER) {
    throw new ConfigError('capacity', `policy "${policy}": a capacity above 2^53 - 1 (${capacity}) is not exact; use a smaller one (larger than the trace's distinct objects or bytes is already unbounded)`);
  }
  if (!(Number.isSafeInteger(capacity) && capacity >= 0)) {
    throw new ConfigError('capacity', `policy "${policy}" needs a whole-number capacity >= 0 (objects, or bytes in byte mode), got ${capacity}`);
  }
}
