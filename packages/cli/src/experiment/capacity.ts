/**
 * A size spec → a capacity in the experiment's unit, through cache-core's parseCapacity:
 * percentages are of the trace's distinct objects (object mode) or distinct bytes (byte mode),
 * rounded down as libCacheSim does (1% of 48,974 objects = 489).
 */
import { ConfigError, parseCapacity } from '@cachelab/cache-core';
import type { SizeSpec } from './schema.js';
import type { LoadedTrace } from './trace-cache.js';

/** `hasSizes`: whether the trace has object sizes (cache-core's LoadedTrace.hasSizes); false refuses byte sizes. */
export function resolveCapacity(size: SizeSpec, unit: 'objects' | 'bytes', trace: LoadedTrace): number {
  const parsed = parseCapacity(String(size), { distinctObjects: trace.keyCount, distinctBytes: trace.distinctBytes, unit, hasSizes: trace.hasSizes });
  if (parsed.unit !== unit) {
    throw new ConfigError('sizes', `"${size}" is a byte size but the experiment's unit is ${unit}; set "unit": "bytes" or give a count or a percentage`);
  }
  return parsed.capacity;
}
