/**
 * The floor for the CacheManager get/set benchmarks: the least a cache of encoded entries must do
 * on a hit, with the codec's own decoding route and nothing else (no counters, no timings, no
 * error handling). Entries are held as latin1 strings, as the memory backend holds them.
 *   - marker 0x01: inflate, then parse the inflated bytes;
 *   - marker 0x00: json → JSON.parse of the text after the marker when it is ASCII (a latin1
 *     string is the UTF-8 text only then), else of the bytes decoded as UTF-8;
 *     v8 → the plain-data reader, v8.deserialize for anything it leaves to V8.
 */
import { Buffer } from 'node:buffer';
import { deserialize } from 'node:v8';
import { inflateSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { NOT_PLAIN, readPlainV8 } from '../src/manager/v8-plain-reader.js';

const NON_ASCII = /[^\x00-\x7f]/;

export type FloorCache = LRUCache<string, string>;

export function createFloor(max: number): FloorCache {
  return new LRUCache<string, string>({ max });
}

/** Stores encoded entry bytes the way the memory backend does (one latin1 string). */
export function floorSet(floor: FloorCache, key: string, bytes: Buffer): void {
  floor.set(key, bytes.toString('latin1'));
}

export function floorDecode(entry: string, json: boolean): unknown {
  if (entry.charCodeAt(0) === 1) {
    const inflated = inflateSync(Buffer.from(entry, 'latin1').subarray(1));
    if (json) return JSON.parse(inflated.toString('utf8'));
    const value = readPlainV8(inflated.toString('latin1'), 0);
    return value !== NOT_PLAIN ? value : deserialize(inflated);
  }
  if (entry.charCodeAt(0) !== 0) return undefined;
  if (json) return JSON.parse(NON_ASCII.test(entry) ? Buffer.from(entry, 'latin1').toString('utf8', 1) : entry.slice(1));
  const value = readPlainV8(entry, 1);
  return value !== NOT_PLAIN ? value : deserialize(Buffer.from(entry, 'latin1').subarray(1));
}
