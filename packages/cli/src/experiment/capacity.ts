/**
 * Turns a size spec into a capacity in the cache's unit. Percentages are of the trace's distinct
 * objects (object mode) or distinct bytes (byte mode), rounded down as libCacheSim does
 * (1% of 48,974 objects = 489).
 */
import * as core from '@cachelab/cache-core';
import { ConfigError } from '@cachelab/cache-core';
import type { SizeSpec } from './schema.js';
import type { LoadedTrace } from './trace-cache.js';

export function resolveCapacity(size: SizeSpec, unit: 'objects' | 'bytes', trace: LoadedTrace): number {
  if (typeof size === 'number') return Math.max(1, Math.floor(size));
  const text = size.trim();
  if (text.endsWith('%')) {
    const percent = Number(text.slice(0, -1));
    const base = unit === 'objects' ? trace.keyCount : trace.distinctBytes;
    return Math.max(1, Math.floor((base * percent) / 100));
  }
  if (/^\d+(\.\d+)?$/.test(text)) return Math.max(1, Math.floor(Number(text)));
  if (unit === 'objects') throw new ConfigError('sizes', `"${size}" is a byte size but the experiment's unit is objects; use "unit": "bytes"`);
  // TEMP until cache-core exports parseCapacity
  const parse = (core as unknown as { parseCapacity?: (text: string) => number }).parseCapacity;
  if (!parse) throw new ConfigError('sizes', `byte sizes such as "${size}" need parseCapacity from @cachelab/cache-core`);
  return parse(text);
}
