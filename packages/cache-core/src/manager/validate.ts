/**
 * `runValidation()`: the counterpart of the spec's validation script. Each check exercises the
 * real CacheManager and compares what it sees with an answer known independently (the input
 * value, a hand-ordered queue, the simulator's own LRU replay of the same workload).
 * `cachelab validate` prints these checks and exits 1 when one fails.
 */
import { isDeepStrictEqual } from 'node:util';
import seedrandom from 'seedrandom';
import { LruPolicy } from '../policies/lru.js';
import { replay } from '../sim/replay.js';
import { generateZipf } from '../traces/generators.js';
import { CacheManager } from './cache-manager.js';
import type { CacheManagerConfig, SerializationFormat } from './config.js';
import { SerializationError } from './errors.js';
import { generateCacheKey } from './keys.js';
import { silentLogger } from './logger.js';

export interface ValidationCheck {
  name: string;
  passed: boolean;
  /** What was measured, or what went wrong. */
  detail: string;
}

export interface ValidationOptions {
  /** Seed of the skewed workload and the incompressible bytes. Default 42. */
  seed?: number;
  /** Requests in the skewed workload. Default 20000. */
  requests?: number;
}

/** Values every format must round-trip exactly. */
export function jsonSampleValues(): Record<string, unknown> {
  return {
    string: 'hello',
    unicode: 'ключ 🗝️ 鍵',
    emptyString: '',
    integer: 42,
    negative: -7,
    float: 3.14159,
    large: Number.MAX_SAFE_INTEGER,
    booleanTrue: true,
    booleanFalse: false,
    null: null,
    array: [1, 'two', { three: 3 }, [4]],
    emptyArray: [],
    object: { id: 123, name: 'John', email: 'john@example.com', tags: ['a', 'b'] },
    emptyObject: {},
    nested: { a: { b: { c: { d: [1, 2, { e: 'deep' }] } } } },
  };
}

/** Values only the v8 format can hold (on top of the JSON ones). */
export function v8SampleValues(): Record<string, unknown> {
  const cyclic: { name: string; self?: unknown } = { name: 'cycle' };
  cyclic.self = cyclic;
  return {
    ...jsonSampleValues(),
    undefined: undefined,
    nan: Number.NaN,
    infinity: Number.POSITIVE_INFINITY,
    negativeZero: -0,
    bigint: 12345678901234567890n,
    date: new Date('2024-01-02T03:04:05.678Z'),
    regexp: /ca+che/gi,
    map: new Map<unknown, unknown>([['a', 1], [2, { b: true }]]),
    set: new Set([1, 'two', 3n]),
    uint8Array: Uint8Array.from([0, 1, 254, 255]),
    float64Array: Float64Array.from([1.5, -2.25, Number.NaN]),
    int32Array: Int32Array.from([-1, 0, 2 ** 31 - 1]),
    bigInt64Array: BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n]),
    arrayBuffer: Uint8Array.from([9, 8, 7]).buffer,
    sparseArray: [1, , 3],
    cycle: cyclic,
  };
}

type Check = () => Promise<string>;

async function withManager<T>(config: CacheManagerConfig, body: (manager: CacheManager) => Promise<T>): Promise<T> {
  const manager = new CacheManager({ logger: silentLogger, ...config });
  if (!(await manager.start())) throw new Error('the in-memory backend did not start');
  try {
    return await body(manager);
  } finally {
    await manager.stop();
  }
}

function roundTrip(format: SerializationFormat, values: Record<string, unknown>): Check {
  return () =>
    withManager({ serializationFormat: format }, async (manager) => {
      const failed: string[] = [];
      for (const [name, value] of Object.entries(values)) {
        await manager.set(name, value);
        const back = await manager.get(name, Symbol('missing'));
        if (!isDeepStrictEqual(back, value)) failed.push(name);
      }
      if (failed.length > 0) throw new Error(`did not round-trip: ${failed.join(', ')}`);
      return `${Object.keys(values).length} values round-trip (${Object.keys(values).join(', ')})`;
    });
}

const jsonRefusals: Check = () =>
  withManager({ serializationFormat: 'json' }, async (manager) => {
    const refused: Record<string, unknown> = {
      function: { f: () => 1 },
      bigint: { n: 1n },
      map: new Map([[1, 2]]),
      symbol: Symbol('s'),
    };
    for (const [name, value] of Object.entries(refused)) {
      const error = await manager.set(name, value).then(() => undefined, (e: unknown) => e);
      if (!(error instanceof SerializationError)) throw new Error(`json accepted a ${name}`);
    }
    const metrics = await manager.getMetrics();
    if (metrics.serializationErrors !== 4 || metrics.currentEntries !== 0) {
      throw new Error(`expected 4 serializationErrors and nothing stored, got ${metrics.serializationErrors} / ${metrics.currentEntries}`);
    }
    return 'function, BigInt, Map and symbol refused with SerializationError, 4 counted';
  });

const compressionPays: Check = () =>
  withManager({ compressionThreshold: 1024 }, async (manager) => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ id: i, status: 'active', role: 'member', region: 'eu-west-1' }));
    await manager.set('rows', rows);
    const metrics = await manager.getMetrics();
    const back = await manager.get('rows');
    if (!isDeepStrictEqual(back, rows)) throw new Error('compressed value did not round-trip');
    if (metrics.compressionCount !== 1 || !(metrics.compressionRatio > 0 && metrics.compressionRatio < 0.5)) {
      throw new Error(`expected 1 compression with ratio < 0.5, got ${metrics.compressionCount} at ${metrics.compressionRatio}`);
    }
    return `200 rows stored in ${metrics.currentSizeBytes} bytes, compression ratio ${metrics.compressionRatio.toFixed(3)}`;
  });

function compressionSkipped(seed: number): Check {
  return () =>
    withManager({ compressionThreshold: 1024 }, async (manager) => {
      const random = seedrandom(`validate-noise:${seed}`);
      const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256));
      await manager.set('noise', noise);
      // Deflate would shrink this one a lot: only the threshold keeps it plain.
      const small = { id: 1, text: 'below the threshold '.repeat(40) };
      await manager.set('small', small);
      const metrics = await manager.getMetrics();
      if (metrics.compressionCount !== 0) throw new Error(`expected no compression, got ${metrics.compressionCount}`);
      if (!isDeepStrictEqual(await manager.get('noise'), noise)) throw new Error('random bytes did not round-trip');
      if (!isDeepStrictEqual(await manager.get('small'), small)) throw new Error('the value below the threshold did not round-trip');
      return `4 KiB of random bytes (deflate would grow them) and a compressible value below the threshold stored plain (${metrics.currentSizeBytes} bytes)`;
    });
}

const prefetchOrder: Check = async () => {
  const manager = new CacheManager({ logger: silentLogger, prefetchQueueSize: 5 });
  const outcomes = [
    manager.prefetch('/api/users/1', null, 0.7),
    manager.prefetch('/api/users/2', null, 0.6),
    manager.prefetch('/api/products/42', { details: 'full' }, 0.9),
    manager.prefetch('/api/users/3', null, 0.6), // tie with users/2: first in, first out
    manager.prefetch('/api/users/4', null, 0.6), // tie again; the queue is now full
    manager.prefetch('/api/low', null, 0.1), // full, lowest priority: the new item is dropped
    manager.prefetch('/api/urgent', null, 0.8), // full, beats the lowest: pushes out users/4 (newest among equals)
    manager.prefetch('/api/users/1', null, 0.95), // duplicate: merged, the higher priority wins
    manager.prefetch('/api/products/42', { details: 'full' }, 0.5), // duplicate with a lower priority: 0.9 kept
  ];
  const order = manager.getPrefetchQueue().map((item) => `${item.key}@${item.priority}`);
  const expected = ['/api/users/1@0.95', '/api/products/42|details=full@0.9', '/api/urgent@0.8', '/api/users/2@0.6', '/api/users/3@0.6'];
  if (!isDeepStrictEqual(order, expected)) throw new Error(`queue is ${order.join(', ')}; expected ${expected.join(', ')}`);
  const expectedOutcomes = ['queued', 'queued', 'queued', 'queued', 'queued', 'dropped', 'queued', 'merged', 'merged'];
  if (!isDeepStrictEqual(outcomes, expectedOutcomes)) throw new Error(`prefetch returned ${outcomes.join(', ')}; expected ${expectedOutcomes.join(', ')}`);
  const metrics = await manager.getMetrics();
  if (metrics.prefetchRequests !== 6 || metrics.prefetchDropped !== 2) throw new Error(`expected 6 requests and 2 dropped, got ${metrics.prefetchRequests} / ${metrics.prefetchDropped}`);
  return `order ${order.join(' > ')}; ties first in first out, duplicates merged (higher priority kept), a full queue drops its lowest item or the newcomer`;
};

const prefetchWorker: Check = async () => {
  const fetched: string[] = [];
  return withManager(
    {
      prefetchConcurrency: 1,
      prefetchFetcher: async (endpoint, params) => {
        fetched.push(generateCacheKey(endpoint, params));
        return { endpoint, params: params ?? null };
      },
    },
    async (manager) => {
      // Queued in one synchronous burst, so the worker takes them in priority order.
      manager.prefetchMany([['/api/a', null, 0.2], ['/api/b', { page: 2 }, 0.9], ['/api/c', null, 0.5]]);
      await manager.drainPrefetchQueue();
      const hit = await manager.get('/api/b|page=2');
      await manager.get('/api/b|page=2'); // a second read of a prefetched entry is no second prefetch hit
      await manager.get('/api/a');
      const metrics = await manager.getMetrics();
      // The first item is taken as soon as it is queued; the rest come out by priority.
      const expected = ['/api/a', '/api/b|page=2', '/api/c'];
      if (!isDeepStrictEqual(fetched, expected)) throw new Error(`fetched ${fetched.join(', ')}; expected ${expected.join(', ')}`);
      if (!isDeepStrictEqual(hit, { endpoint: '/api/b', params: { page: 2 } })) throw new Error('prefetched value not readable');
      if (metrics.prefetchHits !== 2 || metrics.prefetchesStored !== 3) throw new Error(`expected 2 prefetch hits (b read twice counts once) of 3 stored, got ${metrics.prefetchHits} / ${metrics.prefetchesStored}`);
      return `worker fetched ${fetched.join(', ')}; prefetchHitRate ${metrics.prefetchHitRate.toFixed(3)}`;
    },
  );
};

const evictionControl: Check = () =>
  withManager({}, async (manager) => {
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) await manager.set(key, key);
    await manager.get('a'); // LRU order now b c d e f a
    // The backend's keys(), least to most recently used, read without touching the order.
    const cached = async () => (await manager.currentBackend!.keys()).join(',');
    const lru = await manager.evictLru(2); // b, c
    const afterLru = await cached();
    const low = await manager.evictLowProbability({ a: 0.05, d: 0.9, e: 0.5 }, 2); // f (absent = 0), then a (0.05)
    const afterLow = await cached();
    const metrics = await manager.getMetrics();
    if (lru !== 2 || afterLru !== 'd,e,f,a' || low !== 2 || afterLow !== 'd,e' || metrics.evictions !== 4) {
      throw new Error(`evictLru ${lru} left ${afterLru}, evictLowProbability ${low} left ${afterLow}, evictions ${metrics.evictions}; expected 2 left d,e,f,a, 2 left d,e, 4`);
    }
    return 'evictLru(2) removed b,c; evictLowProbability(2) removed f (unpredicted = 0) then a (0.05); d,e left';
  });

const corruptEntries: Check = async () => {
  const manager = new CacheManager({ logger: silentLogger });
  await manager.start();
  const backend = manager.currentBackend!;
  await backend.set('bad-marker', Uint8Array.from([0x07, 1, 2]));
  await backend.set('bad-zlib', Uint8Array.from([0x01, 0x78, 0x9c, 0x01]));
  await backend.set('bad-payload', Uint8Array.from([0x00, 0xff, 0x0f]));
  const got = [await manager.get('bad-marker', 'd'), await manager.get('bad-zlib', 'd'), await manager.get('bad-payload', 'd')];
  const metrics = await manager.getMetrics();
  await manager.stop();
  if (!isDeepStrictEqual(got, ['d', 'd', 'd']) || metrics.decodeErrors !== 3 || metrics.currentEntries !== 0) {
    throw new Error(`got ${JSON.stringify(got)}, decodeErrors ${metrics.decodeErrors}, entries ${metrics.currentEntries}`);
  }
  return 'unknown marker, truncated zlib and bad payload: 3 misses, 3 decodeErrors, entries deleted';
};

function skewedHitRate(seed: number, requests: number): Check {
  return async () => {
    const objects = 2000;
    const capacity = 200;
    const trace = generateZipf({ requests, objects, alpha: 1.2, seed });
    const reference = replay(new LruPolicy({ capacity }), trace.batch, { unit: 'objects' });
    return withManager({ backendConfig: { maxEntries: capacity } }, async (manager) => {
      const keys = trace.batch.key;
      for (let i = 0; i < requests; i++) {
        const id = keys[i]!;
        await manager.getOrSet(`/api/objects/${id}`, () => ({ id, payload: 'x'.repeat(64) }));
      }
      const metrics = await manager.getMetrics();
      const expected = reference.hits / reference.requests;
      if (metrics.hits !== reference.hits) throw new Error(`manager counted ${metrics.hits} hits, the simulator's LRU ${reference.hits}`);
      if (!(metrics.hitRate > 0.75)) throw new Error(`hit rate ${metrics.hitRate.toFixed(4)} is not above 0.75`);
      return `zipf(alpha 1.2, ${objects} keys, seed ${seed}), ${requests} getOrSet, ${capacity} entries: hit rate ${metrics.hitRate.toFixed(4)} = simulator LRU ${expected.toFixed(4)}`;
    });
  };
}

/** Runs every check; never throws (a failing check carries the error message). */
export async function runValidation(options: ValidationOptions = {}): Promise<ValidationCheck[]> {
  const seed = options.seed ?? 42;
  const requests = options.requests ?? 20_000;
  const checks: [string, Check][] = [
    ['v8: all data types round-trip', roundTrip('v8', v8SampleValues())],
    ['json: all JSON data types round-trip', roundTrip('json', jsonSampleValues())],
    ['json: unrepresentable values are refused and counted', jsonRefusals],
    ['compression works when it pays', compressionPays],
    ['compression is skipped when it does not pay', compressionSkipped(seed)],
    ['prefetch queue: priority order, FIFO ties, merge, bound', prefetchOrder],
    ['prefetch worker stores under generateCacheKey, counts hits', prefetchWorker],
    ['eviction control: evictLru and evictLowProbability', evictionControl],
    ['corrupt entries are counted misses', corruptEntries],
    ['hit rate above 75% on a skewed workload', skewedHitRate(seed, requests)],
  ];
  const results: ValidationCheck[] = [];
  for (const [name, check] of checks) {
    try {
      results.push({ name, passed: true, detail: await check() });
    } catch (error) {
      results.push({ name, passed: false, detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

