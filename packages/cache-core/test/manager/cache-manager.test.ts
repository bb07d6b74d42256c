import { serialize } from 'node:v8';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { CacheManager } from '../../src/manager/cache-manager.js';
import { ManualClock } from '../../src/manager/clock.js';
import { SerializationError, InvalidArgumentError } from '../../src/manager/errors.js';
import { AsyncBackend, FailingBackend, RecordingLogger, startedManager, UnreachableBackend } from './helpers.js';

describe('CacheManager: get / set / delete', () => {
  it('stores and returns values; a miss gives the default', async () => {
    const { manager } = await startedManager();
    const user = { id: 123, name: 'John', email: 'john@example.com' };
    expect(await manager.set('/api/users/123', user, { ttl: 300 })).toBe(true);
    expect(await manager.get('/api/users/123')).toEqual(user);
    expect(await manager.get('/api/settings', { theme: 'light' })).toEqual({ theme: 'light' });
    expect(await manager.get('/api/settings')).toBeUndefined();
    expect(await manager.delete('/api/users/123')).toBe(true);
    expect(await manager.delete('/api/users/123')).toBe(false);
    expect(await manager.get('/api/users/123', 'gone')).toBe('gone');
    const m = await manager.getMetrics();
    expect(m).toMatchObject({ hits: 1, misses: 3, sets: 1, deletes: 1, cacheOperations: 7, currentEntries: 0, currentSizeBytes: 0 });
    expect(m.hitRate).toBeCloseTo(0.25, 12);
  });

  it('returns a cached undefined / null / 0 instead of the default (v8)', async () => {
    const { manager } = await startedManager();
    await manager.set('u', undefined);
    await manager.set('n', null);
    await manager.set('z', 0);
    expect(await manager.get('u', 'default')).toBeUndefined();
    expect(await manager.get('n', 'default')).toBeNull();
    expect(await manager.get('z', 'default')).toBe(0);
  });

  it('keeps metadata with the entry (getEntry)', async () => {
    const { manager } = await startedManager();
    await manager.set('/api/products/42', { id: 42, name: 'Widget' }, { ttl: 600, metadata: { endpoint: '/api/products', user_type: 'premium' } });
    expect(await manager.getEntry('/api/products/42')).toEqual({
      value: { id: 42, name: 'Widget' },
      metadata: { endpoint: '/api/products', user_type: 'premium' },
      prefetched: false,
    });
    expect(await manager.getEntry('absent')).toBeUndefined();
  });

  it('returns an independent copy (changing the result does not change the cache)', async () => {
    const { manager } = await startedManager();
    const value = { list: [1, 2] };
    await manager.set('k', value);
    value.list.push(3);
    const first = (await manager.get('k')) as { list: number[] };
    first.list.push(4);
    expect(await manager.get('k')).toEqual({ list: [1, 2] });
  });

  it('works the same on a backend that answers with Promises', async () => {
    const { manager } = await startedManager({ backend: new AsyncBackend() });
    expect(await manager.set('k', new Map([[1, 'a']]))).toBe(true);
    expect(await manager.get('k')).toEqual(new Map([[1, 'a']]));
    expect(await manager.get('x', 7)).toBe(7);
    expect(await manager.getOrSet('y', async () => 'made')).toBe('made');
    expect(await manager.getOrSet('y', async () => 'again')).toBe('made');
    expect(await manager.getMetrics()).toMatchObject({ hits: 2, misses: 2, sets: 2, currentEntries: 2 });
  });

  it('uses a custom backend instance without touching the manager', async () => {
    const backend = new MemoryBackend({ maxEntries: 2 });
    const { manager } = await startedManager({ backend });
    await manager.set('a', 1);
    await manager.set('b', 2);
    await manager.set('c', 3);
    expect(manager.currentBackend).toBe(backend);
    expect(backend.keys()).toEqual(['b', 'c']);
    expect(await manager.getMetrics()).toMatchObject({ evictions: 1, currentEntries: 2, utilization: 1 });
  });

  it('refuses invalid arguments with InvalidArgumentError', async () => {
    const { manager } = await startedManager();
    await expect(manager.set('k', 1, { ttl: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(manager.evictLru(-1)).rejects.toThrow(/count/);
    await expect(manager.evictLru(1.5)).rejects.toThrow(/count/);
  });
});

describe('CacheManager: values are copies', () => {
  // The cache holds encoded bytes, so neither the caller's object nor a value handed out by get
  // shares state with what is cached. v8.deserialize returns typed arrays that are *views* of its
  // input buffer; decoding from a fresh buffer per get is what keeps them apart.
  for (const [format, compressionEnabled] of [['v8', false], ['v8', true], ['json', false], ['json', true]] as const) {
    it(`mutating the stored original or a returned value changes nothing cached (${format}, compression ${compressionEnabled ? 'on' : 'off'})`, async () => {
      const { manager } = await startedManager({ serializationFormat: format, compressionEnabled, compressionThreshold: 16 });
      const original = { rows: [{ id: 1, tags: ['a'] }], note: 'x'.repeat(200), ...(format === 'v8' ? { samples: new Float64Array([1, 2, 3]), seen: new Set([1]) } : {}) };
      const expected = structuredClone(original);
      await manager.set('k', original);
      original.rows[0]!.tags.push('changed after set');
      const first = (await manager.get('k')) as typeof original;
      expect(first).toEqual(expected);
      first.rows.push({ id: 2, tags: [] });
      first.note = 'changed';
      if (format === 'v8') {
        first.samples![0] = 99;
        first.seen!.add(2);
      }
      expect(await manager.get('k')).toEqual(expected);
      const fromGetOrSet = (await manager.getOrSet<unknown>('k', () => ({ other: true }))) as typeof original;
      fromGetOrSet.rows.length = 0;
      expect(await manager.get('k')).toEqual(expected);
    });
  }

  it('getOrSet hands the caller its own factory result, and caches a copy of it', async () => {
    const { manager } = await startedManager();
    const made = { list: [1, 2] };
    const returned = await manager.getOrSet('g', () => made);
    expect(returned).toBe(made);
    made.list.push(3);
    expect(await manager.get('g')).toEqual({ list: [1, 2] });
  });
});

describe('CacheManager: argument checks and metadata', () => {
  it('refuses a key that is not a string, in every method, as a rejected Promise', async () => {
    const { manager } = await startedManager();
    for (const key of [123, undefined, null, { id: 1 }] as unknown as string[]) {
      for (const call of [() => manager.get(key), () => manager.getEntry(key), () => manager.set(key, 1), () => manager.delete(key), () => manager.getOrSet(key, () => 1)]) {
        const outcome = call(); // never a synchronous throw
        await expect(outcome).rejects.toThrow(InvalidArgumentError);
        await expect(outcome).rejects.toThrow(/^key: must be a string/);
      }
    }
    await expect(manager.getOrSet('k', 5 as unknown as () => number)).rejects.toThrow('factory: must be a function');
    expect((await manager.getMetrics()).cacheOperations).toBe(0); // misuse is not an operation
  });

  it('metadata is JSON in every backend: a private copy in, a copy out', async () => {
    for (const backend of [undefined, new AsyncBackend()]) {
      const { manager } = await startedManager(backend ? { backend } : {});
      const metadata = { source: 'api', tags: ['a'], when: new Date(0), dropped: () => 1, missing: undefined };
      await manager.set('k', 1, { metadata: metadata as unknown as Record<string, unknown> });
      metadata.tags.push('changed after set');
      const first = await manager.getEntry('k');
      expect(first!.metadata).toEqual({ source: 'api', tags: ['a'], when: '1970-01-01T00:00:00.000Z' });
      (first!.metadata!.tags as string[]).push('changed after get');
      expect((await manager.getEntry('k'))!.metadata).toEqual({ source: 'api', tags: ['a'], when: '1970-01-01T00:00:00.000Z' });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(manager.set('c', 1, { metadata: cyclic })).rejects.toThrow(/^metadata: cannot be stored as JSON \(/);
      await expect(manager.set('b', 1, { metadata: { n: 1n } })).rejects.toThrow(/^metadata: cannot be stored as JSON/);
      await expect(manager.set('a', 1, { metadata: ['x'] as unknown as Record<string, unknown> })).rejects.toThrow('metadata: must be a plain object of JSON data, got an array');
      expect(await manager.get('c', 'absent')).toBe('absent'); // nothing stored on refusal
    }
  });
});

describe('CacheManager: TTL with an injected clock', () => {
  it('expires entries after ttl seconds, as misses, reclaimed and counted', async () => {
    const { manager, clock } = await startedManager({ defaultTtl: 60 });
    await manager.set('short', 'a', { ttl: 10 });
    await manager.set('default', 'b');
    await manager.set('forever', 'c', { ttl: 0 });
    clock.advance(9_999);
    expect(await manager.get('short')).toBe('a');
    clock.advance(1);
    expect(await manager.get('short', 'expired')).toBe('expired');
    clock.advance(49_999); // 'default' was stored 59,999 ms ago with the 60 s default TTL
    expect(await manager.get('default')).toBe('b');
    clock.advance(1);
    expect(await manager.get('default')).toBeUndefined();
    clock.advance(10 ** 9);
    expect(await manager.get('forever')).toBe('c');
    expect(await manager.getMetrics()).toMatchObject({ expirations: 2, currentEntries: 1, hits: 3, misses: 2 });
  });

  it('fractional ttl is honoured to the millisecond', async () => {
    const { manager, clock } = await startedManager();
    await manager.set('k', 1, { ttl: 0.25 });
    clock.advance(249);
    expect(await manager.get('k')).toBe(1);
    clock.advance(1);
    expect(await manager.get('k')).toBeUndefined();
  });
});

describe('CacheManager: getOrSet', () => {
  it('calls the factory only on a miss and caches with the given ttl', async () => {
    const { manager, clock } = await startedManager();
    let calls = 0;
    const factory = () => ({ result: 42, call: ++calls });
    expect(await manager.getOrSet('/api/expensive', factory, { ttl: 5 })).toEqual({ result: 42, call: 1 });
    expect(await manager.getOrSet('/api/expensive', factory, { ttl: 5 })).toEqual({ result: 42, call: 1 });
    clock.advance(5_000);
    expect(await manager.getOrSet('/api/expensive', factory, { ttl: 5 })).toEqual({ result: 42, call: 2 });
    expect(calls).toBe(2);
  });

  it('stampede protection: 50 concurrent calls run the async factory once and share its result', async () => {
    const { manager } = await startedManager({ backend: new AsyncBackend() });
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const factory = async () => {
      calls++;
      await gate;
      return { value: 'shared' };
    };
    const pending = Array.from({ length: 50 }, () => manager.getOrSet('hot', factory));
    await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    const results = await Promise.all(pending);
    expect(calls).toBe(1);
    expect(results.every((r) => r.value === 'shared')).toBe(true);
    expect(await manager.getMetrics()).toMatchObject({ sets: 1, misses: 50, hits: 0 });
    expect(await manager.getOrSet('hot', factory)).toEqual({ value: 'shared' });
    expect(calls).toBe(1);
  });

  it('a set or delete that lands while the factory runs is not overwritten by its (older) result', async () => {
    for (const backend of [undefined, new AsyncBackend()]) {
      const { manager } = await startedManager(backend ? { backend } : {});
      const gates: Array<(value: string) => void> = [];
      const slow = () => new Promise<string>((resolve) => gates.push(resolve));

      const racedBySet = manager.getOrSet('k', slow);
      await new Promise((resolve) => setTimeout(resolve, 1));
      await manager.set('k', 'newer');
      gates.shift()!('computed before the set');
      expect(await racedBySet).toBe('computed before the set'); // the caller still gets its value
      expect(await manager.get('k')).toBe('newer');

      const racedByDelete = manager.getOrSet('gone', slow);
      await new Promise((resolve) => setTimeout(resolve, 1));
      await manager.delete('gone'); // an invalidation: the data behind the key changed
      gates.shift()!('stale');
      expect(await racedByDelete).toBe('stale');
      expect(await manager.get('gone', 'absent')).toBe('absent');
      expect((await manager.getMetrics()).staleResultsDropped).toBe(2);

      // Once those producers are done, a getOrSet on the same keys stores as usual.
      await manager.delete('k');
      const fresh = manager.getOrSet('k', slow);
      await new Promise((resolve) => setTimeout(resolve, 1));
      gates.shift()!('fresh');
      expect(await fresh).toBe('fresh');
      expect(await manager.get('k')).toBe('fresh');
      expect((await manager.getMetrics()).staleResultsDropped).toBe(2);
    }
  });

  it('separate keys do not share a factory run', async () => {
    const { manager } = await startedManager();
    const seen: string[] = [];
    const [a, b] = await Promise.all([
      manager.getOrSet('a', async () => (seen.push('a'), 'A')),
      manager.getOrSet('b', async () => (seen.push('b'), 'B')),
    ]);
    expect([a, b, seen.sort()]).toEqual(['A', 'B', ['a', 'b']]);
  });

  it('a factory error reaches every waiting caller, caches nothing, and the next call retries', async () => {
    const { manager } = await startedManager();
    let calls = 0;
    const failing = async () => {
      calls++;
      await Promise.resolve();
      throw new Error('database down');
    };
    const results = await Promise.allSettled([manager.getOrSet('k', failing), manager.getOrSet('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('database down');
    expect(calls).toBe(1);
    expect(await manager.get('k', 'nothing')).toBe('nothing');
    expect(await manager.getOrSet('k', () => 'recovered')).toBe('recovered');
    expect(await manager.getMetrics()).toMatchObject({ sets: 1, currentEntries: 1 });
  });

  it('returns an unserializable factory result without caching it, counted', async () => {
    const { manager, logger } = await startedManager({ serializationFormat: 'json' });
    const fn = () => 1;
    expect(await manager.getOrSet('k', () => ({ fn }))).toEqual({ fn });
    expect(await manager.getMetrics()).toMatchObject({ serializationErrors: 1, sets: 0, currentEntries: 0 });
    expect(logger.at('warn').some((m) => m.includes('getOrSet could not cache "k"'))).toBe(true);
  });
});

describe('CacheManager: refused values', () => {
  it('an unserializable value rejects with SerializationError and is counted', async () => {
    const { manager } = await startedManager({ serializationFormat: 'json' });
    await expect(manager.set('k', { f: () => 1 })).rejects.toThrow(SerializationError);
    await expect(manager.set('k', { f: () => 1 })).rejects.toThrow(/cannot cache "k": property "f" is a function/);
    const v8 = await startedManager();
    await expect(v8.manager.set('s', Symbol('x'))).rejects.toThrow(SerializationError);
    expect(await manager.getMetrics()).toMatchObject({ serializationErrors: 2, sets: 0 });
    expect((await v8.manager.getMetrics()).serializationErrors).toBe(1);
  });

  it('an entry larger than maxEntrySize after encoding is refused (false), counted and logged', async () => {
    const { manager, logger } = await startedManager({ maxEntrySize: 100, serializationFormat: 'json', compressionEnabled: false });
    const fits = 'x'.repeat(97); // 97 + 2 quotes + marker = 100 bytes
    expect(await manager.set('fits', fits)).toBe(true);
    expect(await manager.set('big', `${fits}x`)).toBe(false);
    expect(await manager.get('big')).toBeUndefined();
    expect(await manager.getMetrics()).toMatchObject({ oversizedEntries: 1, sets: 1, currentSizeBytes: 100 });
    expect(logger.at('warn')[0]).toMatch(/"big" not cached: 101 encoded bytes exceed maxEntrySize 100/);
  });

  it('getSync answers like get without a Promise on the memory backend, with the same counts', async () => {
    const { manager, clock } = await startedManager({ defaultTtl: 10 });
    await manager.set('a', { n: 1 });
    await manager.set('gone', 'x', { ttl: 1 });
    clock.advance(1_500);
    expect(manager.getSync('a')).toEqual({ n: 1 });
    expect(manager.getSync('gone', 'default')).toBe('default'); // expired
    expect(manager.getSync('absent')).toBeUndefined();
    const twin = (await startedManager({ defaultTtl: 10 })).manager;
    await twin.set('a', { n: 1 });
    await twin.get('a');
    await twin.get('gone', 'default');
    await twin.get('absent');
    const counts = ({ hits, misses, cacheOperations }: { hits: number; misses: number; cacheOperations: number }) => ({ hits, misses, cacheOperations });
    expect(counts(await manager.getMetrics())).toEqual({ hits: 1, misses: 2, cacheOperations: 5 });
    expect(counts(await twin.getMetrics())).toEqual({ hits: 1, misses: 2, cacheOperations: 4 });
    // A value is a copy, as from get.
    const first = manager.getSync<{ n: number }>('a')!;
    first.n = 99;
    expect(manager.getSync('a')).toEqual({ n: 1 });
    // Stopped: no-cache mode, as get.
    await manager.stop();
    expect(manager.getSync('a', 'off')).toBe('off');
    expect(() => manager.getSync(42 as unknown as string)).toThrow(InvalidArgumentError);
  });

  it('getSync refuses a backend that answers with Promises, and one that says it is synchronous but is not', async () => {
    const { manager } = await startedManager({ backend: new AsyncBackend() });
    expect(() => manager.getSync('a')).toThrow(/answers with Promises, so use get\(\)/);
    const liar = Object.assign(new AsyncBackend(), { synchronous: true });
    const lied = (await startedManager({ backend: liar })).manager;
    expect(() => lied.getSync('a')).toThrow(/says it is synchronous but its get returned a Promise/);
    expect(() => new CacheManager({ backendType: 'redis' }).getSync('a')).toThrow(/backend "redis" answers with Promises/);
  });

  it('a value refused for maxEntrySize removes the older value of its key (it is no longer current), on a remote backend too', async () => {
    for (const backend of [undefined, new AsyncBackend()]) {
      const { manager } = await startedManager({ maxEntrySize: 100, serializationFormat: 'json', compressionEnabled: false, ...(backend ? { backend } : {}) });
      expect(await manager.set('k', 'old')).toBe(true);
      expect(await manager.set('k', 'x'.repeat(200))).toBe(false);
      expect(await manager.get('k', 'absent')).toBe('absent');
      expect(await manager.getMetrics()).toMatchObject({ oversizedEntries: 1, sets: 1, deletes: 0, currentEntries: 0 });
    }
  });

  it('metadata whose toJSON gives nothing or a non-object is an InvalidArgumentError, not a SyntaxError', async () => {
    const { manager } = await startedManager();
    for (const metadata of [{ toJSON: () => undefined }, { toJSON: () => [1, 2] }, { toJSON: () => 'text' }]) {
      await expect(manager.set('k', 1, { metadata })).rejects.toThrow(InvalidArgumentError);
    }
    expect(await manager.set('k', 1, { metadata: { toJSON: () => ({ a: 1 }) } })).toBe(true);
    expect((await manager.getEntry('k'))?.metadata).toEqual({ a: 1 });
  });

  it('compression counts towards the limit: a large compressible value fits', async () => {
    const { manager } = await startedManager({ maxEntrySize: 1000 });
    expect(await manager.set('rows', 'abc'.repeat(3000))).toBe(true);
    const m = await manager.getMetrics();
    expect(m.compressionCount).toBe(1);
    expect(m.currentSizeBytes).toBeLessThan(1000);
    expect(await manager.get('rows')).toBe('abc'.repeat(3000));
  });
});

describe('CacheManager: corrupt entries', () => {
  it('unknown marker, truncated zlib and bad payload: misses with default, counted, logged, deleted', async () => {
    const { manager, logger } = await startedManager();
    const backend = manager.currentBackend!;
    await manager.set('good', 'x'.repeat(5000));
    const good = (await backend.get('good'))!.value;
    await backend.set('marker', Uint8Array.from([0x09, 1]));
    await backend.set('truncated', good.subarray(0, good.length - 10));
    await backend.set('payload', Uint8Array.from([0x00, 0xff, 0x0d]));
    for (const key of ['marker', 'truncated', 'payload']) expect(await manager.get(key, 'default')).toBe('default');
    const m = await manager.getMetrics();
    expect(m).toMatchObject({ decodeErrors: 3, misses: 3, compressionErrors: 1, currentEntries: 1 });
    expect(logger.at('warn')).toHaveLength(3);
    expect(logger.at('warn')[0]).toMatch(/"marker" is corrupt \(unknown marker byte 0x09/);
  });

  it('fuzz: 3,000 seeded random entries never make get throw, and each undecodable one is counted', async () => {
    const { manager } = await startedManager({ logger: new RecordingLogger() });
    const backend = manager.currentBackend!;
    const random = seedrandom('manager-fuzz');
    let stored = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 48) }, () => Math.floor(random() * 256));
      if (bytes.length > 0 && i % 2 === 0) bytes[0] = i % 4;
      await backend.set(`f${i}`, bytes);
      stored++;
    }
    let hits = 0;
    for (let i = 0; i < 3000; i++) {
      const value = await manager.get(`f${i}`, Symbol.for('miss'));
      if (value !== Symbol.for('miss')) hits++;
    }
    const m = await manager.getMetrics();
    expect(m.hits).toBe(hits);
    expect(m.decodeErrors).toBe(stored - hits);
    expect(m.misses).toBe(stored - hits);
    expect(m.currentEntries).toBe(hits); // every corrupt entry was deleted
    expect(m.decodeErrors).toBeGreaterThan(2500);
  });
});

describe('CacheManager: lifecycle and no-cache mode', () => {
  it('start() resolves false when the backend cannot start; get → default, set → false, all counted', async () => {
    const logger = new RecordingLogger();
    const manager = new CacheManager({ backend: new UnreachableBackend(), logger });
    expect(await manager.start()).toBe(false);
    expect(manager.isRunning).toBe(false);
    expect(await manager.get('k', 'fallback')).toBe('fallback');
    expect(await manager.set('k', 1)).toBe(false);
    expect(await manager.getOrSet('k', () => 'computed')).toBe('computed');
    expect(await manager.delete('k')).toBe(false);
    expect(await manager.evictLru(5)).toBe(0);
    expect(await manager.getMetrics()).toMatchObject({ misses: 2, hits: 0, sets: 0, rejectedSets: 2, cacheOperations: 4, currentEntries: 0 });
    expect(logger.at('warn')[0]).toMatch(/did not start; running in no-cache mode/);
  });

  it('start / stop / isRunning, logged at info; stop keeps memory data for a restart', async () => {
    const { manager, logger } = await startedManager();
    expect(manager.isRunning).toBe(true);
    expect(await manager.start()).toBe(true);
    await manager.set('k', 1);
    await manager.stop();
    expect(manager.isRunning).toBe(false);
    expect(await manager.get('k', 'stopped')).toBe('stopped');
    expect(await manager.start()).toBe(true);
    expect(await manager.get('k')).toBe(1);
    expect(logger.at('info').filter((m) => m.includes('started'))).toHaveLength(2);
    expect(logger.at('info').filter((m) => m.includes('stopped'))).toHaveLength(1);
  });

  it('backend failures mid-flight are misses / refused sets, counted as backendErrors', async () => {
    const { manager } = await startedManager({ backend: new FailingBackend() });
    expect(await manager.get('k', 'd')).toBe('d');
    expect(await manager.set('k', 1)).toBe(false);
    expect(await manager.delete('k')).toBe(false);
    expect(await manager.getMetrics()).toMatchObject({ backendErrors: 3, misses: 1, rejectedSets: 1 });
  });

  it('backendType redis is loaded lazily and an unreachable server means no-cache mode', async () => {
    const logger = new RecordingLogger();
    const manager = new CacheManager({
      backendType: 'redis',
      backendConfig: { host: '127.0.0.1', port: 1, connectTimeout: 300 },
      logger,
    });
    expect(manager.currentBackend).toBeUndefined();
    expect(await manager.start()).toBe(false);
    expect(manager.currentBackend?.name).toBe('redis');
    expect(await manager.get('k', 'd')).toBe('d');
    await manager.currentBackend!.stop();
  });
});

describe('CacheManager: logging', () => {
  it('logs each hit and miss at debug level only, with the key as detail', async () => {
    const { manager, logger } = await startedManager();
    await manager.set('k', 1);
    await manager.get('k');
    await manager.get('absent');
    expect(logger.lines.filter((l) => l.level === 'debug')).toEqual([
      { level: 'debug', message: 'cache hit', detail: 'k' },
      { level: 'debug', message: 'cache miss', detail: 'absent' },
    ]);
    expect(logger.at('info').some((m) => m.includes('hit'))).toBe(false);
  });
});

describe('CacheManager: metrics', () => {
  it('reports every spec key plus the extra counters, with values', async () => {
    const clock = new ManualClock();
    const { manager } = await startedManager({ clock, backendConfig: { maxBytes: 100_000 } });
    await manager.set('small', { id: 1 });
    await manager.set('large', 'row,'.repeat(2000));
    await manager.get('small');
    await manager.get('large');
    await manager.get('absent');
    manager.prefetch('/p', null, 0.9);
    const m = await manager.getMetrics();
    expect(Object.keys(m).sort()).toEqual(
      [
        'hits', 'misses', 'sets', 'deletes', 'hitRate', 'currentEntries', 'currentSizeBytes', 'serializationTimeMs',
        'deserializationTimeMs', 'compressionTimeMs', 'decompressionTimeMs', 'compressionRatio', 'compressionCount',
        'prefetchRequests', 'prefetchHits', 'prefetchHitRate', 'cacheOperations', 'serializationErrors', 'compressionErrors',
        'prefetchQueueSize', 'evictions', 'expirations', 'utilization', 'decodeErrors', 'oversizedEntries', 'rejectedSets',
        'backendErrors', 'wastedPrefetches', 'prefetchDropped', 'prefetchFailures', 'prefetchesStored', 'prefetchesSkipped', 'staleResultsDropped',
      ].sort(),
    );
    const backend = manager.currentBackend as MemoryBackend;
    const stats = backend.stats();
    expect(m).toMatchObject({ hits: 2, misses: 1, sets: 2, cacheOperations: 5, compressionCount: 1, prefetchRequests: 1, prefetchQueueSize: 1 });
    expect(m.hitRate).toBeCloseTo(2 / 3, 12);
    expect(m.currentSizeBytes).toBe(stats.sizeBytes);
    expect(m.utilization).toBeCloseTo(stats.sizeBytes / 100_000, 12);
    const compressed = (await backend.get('large'))!.value.length - 1;
    expect(m.compressionRatio).toBeCloseTo(compressed / serialize('row,'.repeat(2000)).length, 12);
    for (const key of ['serializationTimeMs', 'deserializationTimeMs', 'compressionTimeMs', 'decompressionTimeMs'] as const) {
      expect(m[key]).toBeGreaterThan(0);
    }
  });
});
