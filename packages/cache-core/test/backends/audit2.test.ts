/**
 * Second adversarial audit of the backends: each case ran against the code first, and the ones
 * that failed were fixed. Cases that hold for both backends run against the memory backend (a
 * manual clock) and a real redis-server (one shard, so capacity is global and LRU order exact).
 */
import { describe, expect, it } from 'vitest';
import type { CacheBackend } from '../../src/backends/backend.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import type { RedisConfig } from '../../src/backends/redis.js';
import { ManualClock } from '../../src/manager/clock.js';
import { sleep, uniquePrefix, useRedisServer } from './redis-subject.js';

const redis = useRedisServer();

interface Subject {
  backend: CacheBackend;
  /** Lets `ms` of backend time pass (a manual clock, or real time for Redis). */
  advance(ms: number): Promise<void>;
}

type Make = (config?: { maxEntries?: number; maxBytes?: number } & Pick<RedisConfig, 'signingSecret'>) => Promise<Subject>;

const subjects: [string, Make][] = [
  [
    'memory',
    async ({ signingSecret: _, ...capacity } = {}) => {
      const clock = new ManualClock(1_000_000);
      return { backend: new MemoryBackend(capacity, { clock }), advance: async (ms) => clock.advance(ms) };
    },
  ],
  [
    'redis',
    async (config = {}) => ({ backend: await redis.started({ keyPrefix: uniquePrefix('audit2'), ...config }), advance: sleep }),
  ],
];

const filled = (size: number, byte = 1) => new Uint8Array(size).fill(byte);
const counts = async (backend: CacheBackend) => {
  const { entries, sizeBytes, evictions, expirations, wastedPrefetches } = await backend.stats();
  return { entries, sizeBytes, evictions, expirations, wastedPrefetches };
};

describe.each(subjects)('%s backend', (_name, make) => {
  it('a set refused as larger than maxBytes does not leave the old value of its key readable', async () => {
    const { backend } = await make({ maxBytes: 10 });
    expect(await backend.set('k', filled(5, 1), { prefetched: true })).toBe(true);
    expect(await backend.set('other', filled(3, 2))).toBe(true);
    expect(await backend.set('k', filled(11, 3))).toBe(false);
    expect(await backend.get('k')).toBeUndefined();
    expect(await backend.has!('k')).toBe(false);
    expect(await counts(backend)).toEqual({ entries: 1, sizeBytes: 3, evictions: 0, expirations: 0, wastedPrefetches: 1 });
    // The same through setMany, next to a set that fits.
    await backend.set('m', filled(4, 4));
    expect(await backend.setMany([{ key: 'm', value: filled(20) }, { key: 'n', value: filled(2) }])).toEqual([false, true]);
    expect(await backend.get('m')).toBeUndefined();
    expect(await backend.keys()).toEqual(['other', 'n']);
    expect(await counts(backend)).toMatchObject({ entries: 2, sizeBytes: 5 });
  });

  it('a capped set that pushes out entries already past their TTL counts them as expirations, not evictions', async () => {
    const { backend, advance } = await make({ maxEntries: 20 });
    const old = Array.from({ length: 20 }, (_, i) => ({ key: `old${i}`, value: filled(1), options: { ttlMs: 20 } }));
    expect(await backend.setMany(old)).toEqual(old.map(() => true));
    await advance(60);
    const fresh = Array.from({ length: 20 }, (_, i) => ({ key: `new${i}`, value: filled(2) }));
    expect(await backend.setMany(fresh)).toEqual(fresh.map(() => true));
    expect(await counts(backend)).toEqual({ entries: 20, sizeBytes: 40, evictions: 0, expirations: 20, wastedPrefetches: 0 });
  });

  it('evictLru evicts at most count entries: a fractional count rounds down, Infinity evicts all', async () => {
    const { backend } = await make();
    for (const key of ['a', 'b', 'c', 'd']) await backend.set(key, filled(1));
    expect(await backend.evictLru(1.5)).toBe(1);
    expect(await backend.keys()).toEqual(['b', 'c', 'd']);
    expect(await backend.evictLru(0.5)).toBe(0);
    expect(await backend.evictLru(Infinity)).toBe(3);
    const stats = await backend.stats();
    expect(stats).toMatchObject({ entries: 0, sizeBytes: 0, evictions: 4 });
    expect(stats.backendErrors ?? 0).toBe(0);
  });

  it('keys with Lua-pattern, glob, hash-tag and NUL characters, a 100 kB key, empty and NUL-filled values', async () => {
    const { backend } = await make({ signingSecret: 'audit2-signing-secret' });
    const keys = ['%', '%a%', '.*', '[^]+', '(', ')', 'a\0b', '\0', '{', '}', '{}', '{a}{b}', 'x'.repeat(100_000), 'e'];
    const values = keys.map((_, i) => (i === keys.length - 1 ? new Uint8Array(0) : Uint8Array.from([0, i, 0, 0])));
    expect(await backend.setMany(keys.map((key, i) => ({ key, value: values[i]!, options: { metadata: { i } } })))).toEqual(keys.map(() => true));
    const got = await backend.getMany(keys);
    expect(got.map((e) => e && Array.from(e.value))).toEqual(values.map((v) => Array.from(v)));
    expect(got.map((e) => e?.metadata)).toEqual(keys.map((_, i) => ({ i })));
    for (const key of keys) expect(await backend.has!(key)).toBe(true);
    expect(await backend.has!('a')).toBe(false);
    expect(await backend.keys()).toEqual(keys);
    expect(await counts(backend)).toMatchObject({ entries: keys.length, sizeBytes: 4 * (keys.length - 1) });
    expect(await backend.delete('%a%')).toBe(true);
    expect(await backend.evictKeys(['a\0b', '{a}{b}', 'x'.repeat(100_000)])).toBe(3);
    expect(await backend.keys()).toEqual(keys.filter((k) => !['%a%', 'a\0b', '{a}{b}'].includes(k) && k.length < 100));
    expect(await counts(backend)).toMatchObject({ entries: keys.length - 4, sizeBytes: 4 * (keys.length - 5), evictions: 3 });
  });

  it('setMany with a repeated key keeps the last value and counts bytes and the overwritten prefetch once', async () => {
    for (const capacity of [{}, { maxEntries: 10, maxBytes: 1000 }]) {
      const { backend } = await make(capacity);
      const stored = await backend.setMany([
        { key: 'k', value: filled(10), options: { prefetched: true, ttlMs: 60_000 } },
        { key: 'j', value: filled(5) },
        { key: 'k', value: filled(20, 7) },
      ]);
      expect(stored).toEqual([true, true, true]);
      expect(await backend.keys()).toEqual(['j', 'k']);
      const [k, again] = await backend.getMany(['k', 'k']);
      expect([k?.value.length, k?.value[0], k?.prefetched, again?.prefetched]).toEqual([20, 7, false, false]);
      expect(await counts(backend)).toEqual({ entries: 2, sizeBytes: 25, evictions: 0, expirations: 0, wastedPrefetches: 1 });
    }
  });

  it('a prefetched entry read twice in one getMany is reported once; has() neither reports nor touches it', async () => {
    const { backend } = await make();
    await backend.set('p', filled(1), { prefetched: true });
    await backend.set('q', filled(1));
    expect(await backend.has!('p')).toBe(true);
    expect(await backend.keys()).toEqual(['p', 'q']);
    const got = await backend.getMany(['p', 'q', 'p']);
    expect(got.map((e) => e?.prefetched)).toEqual([true, false, false]);
    expect(await backend.keys()).toEqual(['q', 'p']);
    await backend.delete('p');
    expect((await backend.stats()).wastedPrefetches).toBe(0);
  });

  it('byte capacity: a grown overwrite evicts the least recently used, a value of exactly maxBytes evicts the rest', async () => {
    const { backend } = await make({ maxBytes: 100 });
    await backend.set('a', filled(40));
    await backend.set('b', filled(40));
    expect(await backend.set('a', filled(70))).toBe(true);
    expect(await backend.keys()).toEqual(['a']);
    expect(await counts(backend)).toMatchObject({ entries: 1, sizeBytes: 70, evictions: 1 });
    await backend.set('c', filled(10));
    expect(await backend.set('full', filled(100))).toBe(true);
    expect(await backend.keys()).toEqual(['full']);
    expect(await counts(backend)).toMatchObject({ entries: 1, sizeBytes: 100, evictions: 3 });
    expect(await backend.set('empty', new Uint8Array(0))).toBe(true);
    expect(await backend.keys()).toEqual(['full', 'empty']);
    expect(await counts(backend)).toMatchObject({ entries: 2, sizeBytes: 100, evictions: 3 });
  });

  it('TTL bounds: 0, negative and NaN never expire; 1 ms and 2^31 ms expire; Infinity is kept', async () => {
    const { backend, advance } = await make();
    const ttls: [string, number][] = [['zero', 0], ['negative', -5], ['nan', NaN], ['one', 1], ['big', 2 ** 31], ['inf', Infinity]];
    for (const [key, ttlMs] of ttls) expect(await backend.set(key, filled(1), { ttlMs })).toBe(true);
    await advance(20);
    expect(await backend.keys()).toEqual(['zero', 'negative', 'nan', 'big', 'inf']);
    expect(await counts(backend)).toMatchObject({ entries: 5, expirations: 1 });
  });
});

describe('memory backend', () => {
  it('a slot freed by delete or eviction carries no metadata, prefetch flag or expiry into the next entry', () => {
    const clock = new ManualClock(0);
    const backend = new MemoryBackend({ maxEntries: 2 }, { clock });
    backend.set('a', filled(3), { metadata: { secret: 1 }, prefetched: true, ttlMs: 10 });
    backend.delete('a');
    backend.set('b', filled(2));
    backend.set('c', filled(1), { metadata: { c: true }, prefetched: true, ttlMs: 5 });
    backend.set('d', filled(1)); // evicts b (LRU) — c stays
    backend.evictKeys(['c']);
    backend.set('e', filled(4));
    clock.advance(100);
    for (const key of ['d', 'e']) expect(backend.get(key)).toMatchObject({ prefetched: false });
    expect(backend.get('d')?.metadata).toBeUndefined();
    expect(backend.get('e')?.metadata).toBeUndefined();
    expect(backend.keys()).toEqual(['d', 'e']);
    backend.verify();
    expect(backend.stats()).toMatchObject({ entries: 2, sizeBytes: 5, evictions: 2, expirations: 0, wastedPrefetches: 2 });
  });
});

describe('redis backend', () => {
  it('stats() after stop() reports the figures of the stopped cache, not zeros', async () => {
    const backend = await redis.started({ keyPrefix: uniquePrefix('audit2-stop'), maxEntries: 1 });
    await backend.set('a', filled(3));
    await backend.set('b', filled(2));
    await backend.stop();
    expect(await backend.stats()).toMatchObject({ entries: 1, sizeBytes: 2, evictions: 1, backendErrors: 0 });
    expect(await backend.start()).toBe(true); // so that the fixture can clear it
  });

  it('metadata JSON cannot write (a toJSON giving undefined or an array, a BigInt) is a refused set, never a throw', async () => {
    const backend = await redis.started({ keyPrefix: uniquePrefix('audit2-meta') });
    const unwritable = { toJSON: () => undefined } as unknown as Record<string, unknown>;
    expect(await backend.set('a', filled(1), { metadata: unwritable })).toBe(false);
    expect(await backend.set('b', filled(1), { metadata: { n: 1n } })).toBe(false);
    expect(await backend.set('e', filled(1), { metadata: { toJSON: () => [1] } as unknown as Record<string, unknown> })).toBe(false);
    expect(await backend.setMany([{ key: 'c', value: filled(1), options: { metadata: unwritable } }, { key: 'd', value: filled(2) }])).toEqual([false, true]);
    expect(await backend.keys()).toEqual(['d']);
  });

  it('two concurrent stop() calls close the connection once, and both settle', async () => {
    const backend = await redis.started({ keyPrefix: uniquePrefix('audit2-stop2') });
    await backend.set('a', filled(1));
    await Promise.all([backend.stop(), backend.stop()]);
    expect(await backend.stats()).toMatchObject({ entries: 1, backendErrors: 0 });
    expect(await backend.get('a')).toBeUndefined();
    expect(await backend.start()).toBe(true);
    expect((await backend.get('a'))?.value[0]).toBe(1);
  });

  it('has() is false for a value of another Redis type under the entry name (a get would be a miss)', async () => {
    const prefix = uniquePrefix('audit2-has');
    const backend = await redis.started({ keyPrefix: prefix });
    await backend.set('k', filled(1));
    const entryKey = `${prefix}{${prefix}0}:e:k`;
    await redis.raw.del(entryKey);
    await redis.raw.hset(entryKey, 'f', 'v');
    expect(await backend.has('k')).toBe(false);
    expect(await backend.get('k')).toBeUndefined();
  });

  it('1 ms TTLs racing gets: every entry ends up one expiration, none an eviction, no bytes left', async () => {
    const backend = await redis.started({ keyPrefix: uniquePrefix('audit2-ttl') });
    const entries = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: filled(3), options: { ttlMs: 1, prefetched: i % 2 === 0 } }));
    await backend.setMany(entries);
    await backend.getMany(entries.map((e) => e.key));
    await sleep(5);
    await backend.getMany(entries.map((e) => e.key));
    const stats = await backend.stats();
    expect(stats.entries + stats.expirations).toBe(50);
    expect(stats).toMatchObject({ entries: 0, sizeBytes: 0, evictions: 0, expirations: 50 });
  });

  it('evictLru(Infinity) across shards evicts every entry without a backend error', async () => {
    const backend = await redis.started({ keyPrefix: uniquePrefix('audit2-inf'), shards: 4 });
    for (let i = 0; i < 12; i++) await backend.set(`k${i}`, filled(1));
    expect(await backend.evictLru(Infinity)).toBe(12);
    expect(await backend.stats()).toMatchObject({ entries: 0, evictions: 12, backendErrors: 0 });
  });
});

describe('redis backend: rejected prefetches', () => {
  it('a prefetched entry rejected on its first read (tampered) counts as a wasted prefetch', async () => {
    const prefix = uniquePrefix('audit2-pf');
    const backend = await redis.started({ keyPrefix: prefix });
    await backend.set('p', filled(2), { prefetched: true });
    await redis.raw.set(`${prefix}{${prefix}0}:e:p`, 'not an envelope');
    expect(await backend.get('p')).toBeUndefined();
    await backend.set('p', filled(3));
    expect(await backend.stats()).toMatchObject({ rejectedEntries: 1, wastedPrefetches: 1 });
  });
});
