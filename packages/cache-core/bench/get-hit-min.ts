/**
 * Get-hit cost per call, as the minimum over many short rounds: on a shared machine the minimum
 * is the figure least disturbed by other processes (vitest bench reports means). Same keys,
 * values and comparisons as manager.bench.ts: CacheManager(memory).get and .getSync, the floor (lru-cache get
 * + the codec's decoding route, bench/floor.ts; sync and awaited) and cache-manager 7 +
 * Keyv(CacheableMemory).
 *
 *   node --import tsx packages/cache-core/bench/get-hit-min.ts [rounds]
 */
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { createCache } from 'cache-manager';
import { CacheableMemory } from 'cacheable';
import { Keyv } from 'keyv';
import { CacheManager } from '../src/manager/cache-manager.js';
import { createFloor, floorDecode, floorSet } from './floor.js';
import { Codec } from '../src/manager/codec.js';
import type { SerializationFormat } from '../src/manager/config.js';
import { silentLogger } from '../src/manager/logger.js';

const ROUNDS = Number(process.argv[2] ?? 30);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error(`rounds must be a positive integer, got ${process.argv[2]}\nusage: node --import tsx packages/cache-core/bench/get-hit-min.ts [rounds=30]`);
  process.exit(2);
}
const KEYS = 1000;
const keys = Array.from({ length: KEYS }, (_, i) => `/api/users/${i}`);
const small = (i: number) => ({ id: i, name: `user-${i}`, email: `user${i}@example.com`, active: true, score: 12.5, tags: ['a', 'b'] });
const large = (i: number) => ({
  id: i,
  rows: Array.from({ length: 80 }, (_, r) => ({ row: r, sku: `SKU-${(i * 31 + r) % 9973}`, name: `item ${r} of order ${i}`, price: (r * 1.25) % 97, qty: r % 7 })),
});

interface Contender {
  fn: (i: number) => unknown;
  awaitEach: boolean;
}

/**
 * Minimum ns per call of each contender over ROUNDS rounds of `calls` calls. The contenders take
 * turns within each round, so a change of machine speed during the run (this VM has slow and
 * fast spells of seconds) reaches all of them instead of skewing their ratio.
 */
async function minNs(contenders: Contender[], calls: number): Promise<number[]> {
  const best = contenders.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, { fn, awaitEach }] of contenders.entries()) {
      const start = performance.now();
      if (awaitEach) for (let i = 0; i < calls; i++) await fn(i % KEYS);
      else for (let i = 0; i < calls; i++) fn(i % KEYS);
      best[k] = Math.min(best[k]!, ((performance.now() - start) * 1e6) / calls);
    }
  }
  return best;
}

const rows: Record<string, string | number>[] = [];
for (const [size, make] of [['~100 B', small], ['~10 KB', large]] as const) {
  const calls = size === '~100 B' ? 20_000 : 400;
  for (const format of ['v8', 'json'] as SerializationFormat[]) {
    for (const compressionEnabled of [true, false]) {
      const json = format === 'json';
      const manager = new CacheManager({ serializationFormat: format, compressionEnabled, logger: silentLogger, backendConfig: { maxEntries: 10_000 } });
      await manager.start();
      const codec = new Codec({ format, compressionEnabled, compressionThreshold: 1024, compressionLevel: 6, maxEntrySize: 1 << 20 });
      const floor = createFloor(10_000);
      const peer = createCache({ stores: [new Keyv({ store: new CacheableMemory({ lruSize: 10_000 }) })] });
      for (let i = 0; i < KEYS; i++) {
        await manager.set(keys[i]!, make(i));
        floorSet(floor, keys[i]!, codec.encode(make(i), keys[i]!).bytes);
        await peer.set(keys[i]!, make(i));
      }
      // Every contender must hit and return the stored value: a miss (undefined) would be far cheaper.
      for (const i of [0, KEYS - 1]) {
        const want = make(i);
        const got = [await manager.get(keys[i]!), manager.getSync(keys[i]!), floorDecode(floor.get(keys[i]!)!, json), await peer.get(keys[i]!)];
        if (!got.every((value) => isDeepStrictEqual(value, want))) throw new Error(`${size} ${format}: a contender did not return the stored value of ${keys[i]}`);
      }
      const [m, ms, f, fa, c] = (await minNs(
        [
          { fn: (i) => manager.get(keys[i]!), awaitEach: true },
          { fn: (i) => manager.getSync(keys[i]!), awaitEach: false },
          { fn: (i) => floorDecode(floor.get(keys[i]!)!, json), awaitEach: false },
          { fn: async (i) => floorDecode(floor.get(keys[i]!)!, json), awaitEach: true },
          { fn: (i) => peer.get(keys[i]!), awaitEach: true },
        ],
        calls,
      )) as [number, number, number, number, number];
      const metrics = await manager.getMetrics();
      if (metrics.misses !== 0) throw new Error(`${size} ${format}: the manager missed ${metrics.misses} times during the measurement`);
      rows.push({
        variant: `${size} ${format} compression ${compressionEnabled ? 'on' : 'off'}`,
        'manager ns': Math.round(m),
        'getSync ns': Math.round(ms),
        'floor ns': Math.round(f),
        'floor awaited ns': Math.round(fa),
        'cache-manager ns': Math.round(c),
        'manager/floor': +(f / m).toFixed(2),
        'manager/floor awaited': +(fa / m).toFixed(2),
        'getSync/floor': +(f / ms).toFixed(2),
        'manager/cache-manager': +(c / m).toFixed(2),
        'getSync/cache-manager': +(c / ms).toFixed(2),
      });
    }
  }
}
console.table(rows);
