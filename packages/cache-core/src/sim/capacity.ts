/** Cache sizes as users write them: `4897` objects, `10%` of the trace, `128MiB` / `1GB` bytes. */
import { ConfigError } from '../errors.js';
import type { CapacityUnit } from './replay.js';

export interface CapacityContext {
  /** Distinct objects of the trace (what `10%` is a share of in object mode). */
  distinctObjects: number;
  /** Sum of the objects' sizes (what `10%` is a share of in byte mode). Needed only for `%` with unit bytes. */
  distinctBytes?: number;
  /** Unit of a plain number or a percentage. Default `objects`; a byte suffix always means bytes. */
  unit?: CapacityUnit;
  /**
   * Whether the trace has object sizes (`LoadedTrace.hasSizes`, `TraceReader.hasSizes`). When
   * false, a size in bytes is refused: every request of such a trace counts 1 byte, so `64MiB`
   * would silently be a cache of 67 million objects. Undefined: not checked.
   */
  hasSizes?: boolean | null | undefined;
}

export interface Capacity {
  capacity: number;
  unit: CapacityUnit;
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const SPEC = /^(\d+(?:\.\d+)?)\s*(%|[kmgt]i?b|b)?$/i;

/**
 * `4897` → 4,897 objects; `10%` → ⌊10% of distinct objects⌋ (libCacheSim's rounding: 10% of
 * 48,974 is 4,897); `128MiB` → 134,217,728 bytes, `1GB` → 10^9 bytes. Fractions round down;
 * a size that rounds to 0 is an error.
 */
export function parseCapacity(spec: string, context: CapacityContext): Capacity {
  const text = spec.trim();
  const match = SPEC.exec(text);
  if (!match) {
    throw new ConfigError('size', `bad cache size "${spec}": use an object count (4897), a share of distinct objects (10%) or bytes (128MiB, 1GB)`);
  }
  const value = Number(match[1]);
  const suffix = (match[2] ?? '').toLowerCase();
  let capacity: number;
  let unit: CapacityUnit;
  if (suffix === '%') {
    if (value > 100) throw new ConfigError('size', `bad cache size "${spec}": a share must be at most 100%`);
    unit = context.unit ?? 'objects';
    const whole = unit === 'bytes' ? context.distinctBytes : context.distinctObjects;
    if (whole === undefined) throw new ConfigError('size', `cache size "${spec}" is a share of the trace's bytes, which are not known here`);
    capacity = Math.floor((whole * value) / 100 + 1e-9);
  } else if (suffix !== '') {
    unit = 'bytes';
    capacity = Math.floor(value * BYTE_UNITS[suffix]!);
  } else {
    unit = context.unit ?? 'objects';
    if (!Number.isInteger(value)) throw new ConfigError('size', `bad cache size "${spec}": ${unit === 'bytes' ? 'a byte' : 'an object'} count must be a whole number`);
    capacity = value;
  }
  if (capacity < 1) throw new ConfigError('size', `cache size "${spec}" is ${capacity} ${unit}; it must be at least 1`);
  if (unit === 'bytes') assertTraceHasSizes(spec, context.hasSizes);
  return { capacity, unit };
}

/**
 * Refuses a byte-sized cache on a trace without object sizes (txt, CSV without a size column),
 * where every request counts 1 byte. `hasSizes` undefined or null (not known yet) passes. For
 * callers that learn `hasSizes` only after parsing the size (a streamed replay).
 */
export function assertTraceHasSizes(spec: string, hasSizes: boolean | null | undefined): void {
  if (hasSizes !== false) return;
  throw new ConfigError(
    'size',
    `cache size "${spec}" is in bytes, but this trace has no object sizes (a txt trace, or a CSV without a size column: every request counts as 1 byte); ` +
      'give the size in objects (4897) or as a share of the distinct objects (10%)',
  );
}

/** Parses a comma-separated list (`1%,5%,10%`); all entries must share one unit. */
export function parseCapacities(specs: string, context: CapacityContext): Capacity[] {
  const list = specs
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseCapacity(s, { ...context, hasSizes: undefined }));
  if (list.length === 0) throw new ConfigError('sizes', `no cache sizes in "${specs}"`);
  const unit = list[0]!.unit;
  if (list.some((c) => c.unit !== unit)) {
    throw new ConfigError('sizes', `sizes "${specs}" mix object counts and bytes; give them all in one unit (add --unit bytes to read plain numbers as bytes)`);
  }
  // After the unit check, so that mixed units are reported as such.
  if (unit === 'bytes') assertTraceHasSizes(specs, context.hasSizes);
  return list;
}
