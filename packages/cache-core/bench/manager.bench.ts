/**
 * CacheManager (memory backend) against its floor and a peer, on the same keys and values:
 *   - floor: lru-cache holding the same encoded entries + the codec's decoding route and nothing
 *     else (bench/floor.ts), called synchronously;
 *   - peer: cache-manager 7 with a Keyv store backed by cacheable's CacheableMemory({ lruSize }).
 * Values: a ~100 B object and a ~10 KB object; formats v8 and json; compression on and off.
 * Targets: get-hit ≥ 3× cache-manager and ≥ 0.7× the floor. vitest reports means, which other
 * processes on a shared machine disturb; bench/get-hit-min.ts measures the same get-hit figures
 * as minimum-of-rounds.
 *
 *   pnpm vitest bench --run --project cache-core bench/manager.bench.ts
 */
import { createCache } from 'cache-manager';
import { CacheableMemory } from 'cacheable';
import { Keyv } from 'keyv';
import { bench, describe } from 'vitest';
import { CacheManager } from '../src/manager/cache-manager.js';
import { createFloor, floorDecode, floorSet } from './floor.js';
import { Codec } from '../src/manager/codec.js';
import type { SerializationFormat } from '../src/manager/config.js';
import { silentLogger } from '../src/manager/logger.js';

const KEYS = 1000;
const keys = Array.from({ length: KEYS }, (_, i) => `/api/users/${i}`);

function smallValue(i: number) {
  return { id: i, name: `user-${i}`, email: `user${i}@example.com`, active: true, score: 12.5, tags: ['a', 'b'] };
}
function largeValue(i: number) {
  return {
    id: i,
    rows: Array.from({ length: 80 }, (_, r) => ({ row: r, sku: `SKU-${(i * 31 + r) % 9973}`, name: `item ${r} of order ${i}`, price: (r * 1.25) % 97, qty: r % 7 })),
  };
}

const sizes = { '~100 B': smallValue, '~10 KB': largeValue } as const;
const formats: SerializationFormat[] = ['v8', 'json'];
const compressions = [true, false];
const options = { time: 1000, warmupTime: 200 };


for (const [sizeLabel, makeValue] of Object.entries(sizes)) {
  const values = keys.map((_, i) => makeValue(i));
  for (const format of formats) {
    for (const compressionEnabled of compressions) {
      const variant = `${sizeLabel}, ${format}, compression ${compressionEnabled ? 'on' : 'off'}`;
      const json = format === 'json';
      const config = { serializationFormat: format, compressionEnabled, logger: silentLogger, backendConfig: { maxEntries: 10_000 } };
      const manager = new CacheManager(config);
      const codec = new Codec({ format, compressionEnabled, compressionThreshold: 1024, compressionLevel: 6, maxEntrySize: 1024 * 1024 });
      const floor = createFloor(10_000);
      const peer = createCache({ stores: [new Keyv({ store: new CacheableMemory({ lruSize: 10_000 }) })] });
      const setup = async () => {
        await manager.start();
        for (let i = 0; i < KEYS; i++) {
          await manager.set(keys[i]!, values[i]);
          floorSet(floor, keys[i]!, codec.encode(values[i], keys[i]!).bytes);
          await peer.set(keys[i]!, values[i]);
        }
      };
      let n = 0;
      const next = () => (n = (n + 1) % KEYS);
      const factory = () => values[0];

      describe(`get-hit: ${variant}`, () => {
        bench('CacheManager(memory).get', async () => {
          await manager.get(keys[next()]!);
        }, { ...options, setup });
        // The synchronous read of a memory-backed manager (no Promise, no await).
        bench('CacheManager(memory).getSync', () => {
          manager.getSync(keys[next()]!);
        }, { ...options, setup });
        bench('floor: lru-cache get + decode', () => {
          floorDecode(floor.get(keys[next()]!)!, json);
        }, { ...options, setup });
        // The same floor behind an await: separates the cost of an async API from the cache's own work.
        bench('floor awaited: lru-cache get + decode', async () => {
          floorDecode(floor.get(keys[next()]!)!, json);
        }, { ...options, setup });
        bench('cache-manager@7 + Keyv(CacheableMemory).get', async () => {
          await peer.get(keys[next()]!);
        }, { ...options, setup });
      });

      describe(`set: ${variant}`, () => {
        bench('CacheManager(memory).set', async () => {
          const i = next();
          await manager.set(keys[i]!, values[i]);
        }, { ...options, setup });
        bench('floor: encode + lru-cache set', () => {
          const i = next();
          floorSet(floor, keys[i]!, codec.encode(values[i], keys[i]!).bytes);
        }, { ...options, setup });
        bench('cache-manager@7 + Keyv(CacheableMemory).set', async () => {
          const i = next();
          await peer.set(keys[i]!, values[i]);
        }, { ...options, setup });
      });

      describe(`getOrSet-hit: ${variant}`, () => {
        bench('CacheManager(memory).getOrSet', async () => {
          await manager.getOrSet(keys[next()]!, factory);
        }, { ...options, setup });
        bench('cache-manager@7 + Keyv(CacheableMemory).wrap', async () => {
          await peer.wrap(keys[next()]!, factory);
        }, { ...options, setup });
      });
    }
  }
}
