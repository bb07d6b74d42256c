/**
 * Redis backend edge cases found in an audit, each against a real redis-server: concurrent
 * start/stop, TTLs beyond what SET PX takes, clear() next to other data under the same prefix
 * and racing another client's sets, an index left half deleted, keys UTF-8 cannot carry, and the
 * framing of the HMAC input.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { encodeEntry } from '../../src/backends/redis-entry.js';
import { EntrySigner } from '../../src/backends/redis-signing.js';
import { CacheManager } from '../../src/manager/index.js';
import { RedisServer } from '../helpers/redis-server.js';
import { RecordingLogger, sleep, uniquePrefix, useRedisServer } from './redis-subject.js';

const redis = useRedisServer();
const started = redis.started;

/** Connections the server holds now (the raw client included). */
async function connections(): Promise<number> {
  return ((await redis.raw.client('LIST')) as string).trim().split('\n').length;
}

/** Resolves to 'hung' when `work` has not settled within `ms`. */
function within<T>(ms: number, work: T | Promise<T>): Promise<T | 'hung'> {
  return Promise.race([work, sleep(ms).then(() => 'hung' as const)]);
}

const shardKeys = (prefix: string) => {
  const base = `${prefix}{${prefix}0}:`;
  return { lru: `${base}lru`, sz: `${base}sz`, exp: `${base}exp`, pf: `${base}pf`, st: `${base}st`, entry: (key: string) => `${base}e:${key}` };
};

describe('start() and stop()', () => {
  it('concurrent start() calls open one connection, and stop() closes it', async () => {
    const before = await connections();
    const backend = new RedisBackend({ host: redis.server.host, port: redis.server.port, keyPrefix: uniquePrefix('start') }, { logger: new RecordingLogger() });
    expect(await Promise.all([backend.start(), backend.start(), backend.start()])).toEqual([true, true, true]);
    expect(await connections()).toBe(before + 1);
    await backend.stop();
    await sleep(50);
    expect(await connections()).toBe(before);
  });

  it('stop() called while start() is connecting leaves no connection behind', async () => {
    const before = await connections();
    const backend = new RedisBackend({ host: redis.server.host, port: redis.server.port, keyPrefix: uniquePrefix('start') }, { logger: new RecordingLogger() });
    const starting = backend.start();
    await backend.stop();
    expect(await starting).toBe(true);
    await sleep(50);
    expect(await connections()).toBe(before);
    expect(await backend.get('k')).toBeUndefined();
  });

  it('stop() lets the gets and sets already issued finish instead of failing them', async () => {
    const prefix = uniquePrefix('stop');
    const logger = new RecordingLogger();
    const backend = new RedisBackend({ host: redis.server.host, port: redis.server.port, keyPrefix: prefix }, { logger });
    expect(await backend.start()).toBe(true);
    await backend.set('k', Uint8Array.of(7));
    const sets = Array.from({ length: 20 }, (_, i) => backend.set(`s${i}`, Uint8Array.of(i)));
    const gets = Array.from({ length: 20 }, () => backend.get('k'));
    await backend.stop();
    expect(await Promise.all(sets)).toEqual(sets.map(() => true));
    expect((await Promise.all(gets)).map((entry) => entry?.value[0])).toEqual(gets.map(() => 7));
    expect((await backend.stats()).backendErrors).toBe(0);
    expect(logger.warnings).toEqual([]);
    expect(await redis.raw.exists(shardKeys(prefix).entry('s19'))).toBe(1);
    const again = new RedisBackend({ host: redis.server.host, port: redis.server.port, keyPrefix: prefix }, { logger });
    expect(await again.start()).toBe(true);
    await again.clear();
    await again.stop();
  });

  it('concurrent CacheManager.start() calls create one backend and one connection', async () => {
    const before = await connections();
    const manager = new CacheManager({
      backendType: 'redis',
      backendConfig: { host: redis.server.host, port: redis.server.port, keyPrefix: uniquePrefix('manager') },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    expect(await Promise.all([manager.start(), manager.start()])).toEqual([true, true]);
    expect(await connections()).toBe(before + 1);
    await manager.stop();
    await sleep(50);
    expect(await connections()).toBe(before);
  });
});

describe('TTL', () => {
  it('a TTL beyond what SET PX takes is stored as the longest one, and the other sets of its batch succeed', async () => {
    const prefix = uniquePrefix('ttl');
    const backend = await started({ keyPrefix: prefix });
    const results = await Promise.all([
      backend.set('a', Uint8Array.of(1)),
      backend.set('forever', Uint8Array.of(2), { ttlMs: 1e20 }),
      backend.set('b', Uint8Array.of(3), { ttlMs: 60_000 }),
    ]);
    expect(results).toEqual([true, true, true]);
    expect((await backend.get('forever'))?.value[0]).toBe(2);
    expect(await redis.raw.pttl(shardKeys(prefix).entry('forever'))).toBeGreaterThan(1e15);
    expect(await backend.stats()).toMatchObject({ entries: 3, sizeBytes: 3, backendErrors: 0 });
  });

  it('through the manager: ttl of 1e17 seconds stores the value', async () => {
    const prefix = uniquePrefix('ttl-manager');
    const manager = new CacheManager({
      backendType: 'redis',
      backendConfig: { host: redis.server.host, port: redis.server.port, keyPrefix: prefix },
      serializationFormat: 'json',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    expect(await manager.start()).toBe(true);
    try {
      expect(await manager.set('k', { v: 1 }, { ttl: 1e17 })).toBe(true);
      expect(await manager.get('k')).toEqual({ v: 1 });
      expect((await manager.getMetrics()).backendErrors).toBe(0);
    } finally {
      await manager.currentBackend?.clear();
      await manager.stop();
    }
  });
});

describe('clear()', () => {
  it('leaves a cache whose prefix extends this one, and other keys that start with the prefix', async () => {
    const prefix = uniquePrefix('outer');
    const outer = await started({ keyPrefix: prefix });
    const inner = await started({ keyPrefix: `${prefix}inner:` });
    await redis.raw.set(`${prefix}sessions:1`, 'not the cache');
    await outer.set('k', Uint8Array.of(1));
    await inner.set('k', Uint8Array.of(2));
    await outer.clear();
    expect(await outer.get('k')).toBeUndefined();
    expect((await inner.get('k'))?.value[0]).toBe(2);
    expect(await inner.stats()).toMatchObject({ entries: 1, sizeBytes: 1 });
    expect(await redis.raw.get(`${prefix}sessions:1`)).toBe('not the cache');
    await redis.raw.del(`${prefix}sessions:1`);
  });

  it('racing another client that keeps setting, leaves an index that agrees with itself', async () => {
    const prefix = uniquePrefix('clear-race');
    const clearer = await started({ keyPrefix: prefix });
    const writer = await started({ keyPrefix: prefix });
    const keys = shardKeys(prefix);
    for (let round = 0; round < 3; round++) {
      // Enough entries that SCAN returns them over several calls, with other clients' commands in between.
      await writer.setMany(Array.from({ length: 6000 }, (_, i) => ({ key: `k${i}`, value: Uint8Array.of(1, 2), options: { ttlMs: 60_000, prefetched: i % 2 === 0 } })));
      let writing = true;
      const writes = (async () => {
        for (let i = 0; writing; i++) await writer.set(`w${i}`, Uint8Array.of(3), { ttlMs: 60_000, prefetched: true });
      })();
      await clearer.clear();
      writing = false;
      await writes;
      const sizes = await redis.raw.hgetall(keys.sz);
      const indexed = Object.keys(sizes).sort();
      expect((await redis.raw.zrange(keys.lru, 0, -1)).sort()).toEqual(indexed);
      expect((await redis.raw.zrange(keys.exp, 0, -1)).every((key) => key in sizes)).toBe(true);
      expect((await redis.raw.smembers(keys.pf)).every((key) => key in sizes)).toBe(true);
      const bytes = Object.values(sizes).reduce((total, size) => total + Number(size), 0);
      expect(Number((await redis.raw.hget(keys.st, 'bytes')) ?? 0)).toBe(bytes);
      await clearer.clear();
    }
  });
});

describe('an index left half deleted (an older clear() racing a set, or a DEL by hand)', () => {
  it('an expiry row without a size row: stats(), keys() and evictLru() settle instead of spinning', async () => {
    const prefix = uniquePrefix('orphan-exp');
    const backend = await started({ keyPrefix: prefix });
    const keys = shardKeys(prefix);
    await backend.set('keep', Uint8Array.of(1, 1));
    await backend.set('k', Uint8Array.of(2), { ttlMs: 20 });
    await redis.raw.hdel(keys.sz, 'k');
    await sleep(50);
    expect(await within(2000, backend.stats())).toMatchObject({ entries: 1, backendErrors: 0 });
    expect(await within(2000, backend.keys())).toEqual(['keep']);
    expect(await redis.raw.zcard(keys.exp)).toBe(0);
    expect(await within(2000, backend.evictLru(5))).toBe(1);
  });

  it('an LRU row without a size row: evictLru counts only real entries and removes the row', async () => {
    const prefix = uniquePrefix('orphan-lru');
    const backend = await started({ keyPrefix: prefix });
    const keys = shardKeys(prefix);
    await backend.set('ghost', Uint8Array.of(1));
    await backend.set('real', Uint8Array.of(2));
    await redis.raw.hdel(keys.sz, 'ghost');
    expect(await backend.evictLru(2)).toBe(1);
    expect(await redis.raw.zcard(keys.lru)).toBe(0);
    expect(await redis.raw.exists(keys.entry('ghost'))).toBe(0);
  });

  it('a byte counter over maxBytes with only the new entry indexed is recounted, not a failed set', async () => {
    const prefix = uniquePrefix('orphan-bytes');
    const backend = await started({ keyPrefix: prefix, maxBytes: 10 });
    await redis.raw.hset(shardKeys(prefix).st, 'bytes', 1000);
    expect(await backend.set('a', Uint8Array.of(1, 2, 3, 4, 5))).toBe(true);
    expect(Array.from((await backend.get('a'))?.value ?? [])).toEqual([1, 2, 3, 4, 5]);
    expect(await backend.stats()).toMatchObject({ entries: 1, sizeBytes: 5, evictions: 0, backendErrors: 0 });
  });

  it('an LRU row without a size row: a capped set does not loop forever inside Redis', async () => {
    // Its own server: on failure the script never returns and the server answers BUSY to everyone.
    const own = await RedisServer.start();
    const client = new Redis({ host: own.host, port: own.port, lazyConnect: true, maxRetriesPerRequest: 0, commandTimeout: 1000 });
    client.on('error', () => {});
    const prefix = uniquePrefix('orphan-loop');
    const backend = new RedisBackend({ host: own.host, port: own.port, keyPrefix: prefix, maxEntries: 1 }, { logger: new RecordingLogger() });
    try {
      await client.connect();
      expect(await backend.start()).toBe(true);
      await backend.set('ghost', Uint8Array.of(1));
      await client.hdel(shardKeys(prefix).sz, 'ghost');
      expect(await backend.set('a', Uint8Array.of(2))).toBe(true);
      expect(await client.ping()).toBe('PONG');
      expect((await backend.get('a'))?.value[0]).toBe(2);
      expect(await backend.stats()).toMatchObject({ entries: 1, evictions: 0, backendErrors: 0 });
    } finally {
      client.disconnect();
      await backend.stop();
      await own.dispose();
    }
  });
});

describe('keys', () => {
  it('keys with lone surrogates (which UTF-8 cannot carry) are refused rather than collide', async () => {
    const backend = await started();
    expect(await backend.set('k\uD800', Uint8Array.of(1))).toBe(false);
    expect(await backend.setMany([{ key: 'k\uDC00', value: Uint8Array.of(2) }, { key: 'ok', value: Uint8Array.of(3) }])).toEqual([false, true]);
    expect(await backend.set('k\uFFFD', Uint8Array.of(4))).toBe(true);
    expect(await backend.get('k\uD801')).toBeUndefined();
    expect(await backend.getMany(['k\uDC01', 'ok', 'k\uFFFD'])).toMatchObject([undefined, { value: Buffer.of(3) }, { value: Buffer.of(4) }]);
    expect(await backend.delete('k\uD802')).toBe(false);
    expect(await backend.evictKeys(['k\uD803'])).toBe(0);
    // A well-formed pair is an ordinary key.
    expect(await backend.set('emoji \uD83D\uDE00', Uint8Array.of(5))).toBe(true);
    expect((await backend.get('emoji \uD83D\uDE00'))?.value[0]).toBe(5);
    expect(await backend.stats()).toMatchObject({ entries: 3 });
  });
});

describe('signing', () => {
  const secret = 'a secret of at least sixteen bytes';

  it('the tag input is unambiguous: a NUL in the key cannot shift bytes between key, metadata and value', () => {
    const signer = new EntrySigner(Buffer.from(secret));
    expect(signer.tag('a\0{}', '', Uint8Array.of(5)).equals(signer.tag('a', '{}', Uint8Array.of(0, 5)))).toBe(false);
    expect(signer.tag('a', '', Uint8Array.of(0, 5)).equals(signer.tag('a\0', '', Uint8Array.of(5)))).toBe(false);
  });

  it('an entry signed for one key is rejected under a key with a NUL that reframes it', async () => {
    const prefix = uniquePrefix('framing');
    const backend = await started({ keyPrefix: prefix, signingSecret: secret });
    await backend.set('a', Uint8Array.of(0, 9), { metadata: {} });
    const stored = (await redis.raw.getBuffer(shardKeys(prefix).entry('a')))!;
    // Same tag, reframed: no metadata, and the value one byte shorter.
    const tag = stored.subarray(2 + 4 + 2, 2 + 4 + 2 + 32);
    await redis.raw.set(shardKeys(prefix).entry('a\0{}'), Buffer.concat([Buffer.from([0xca, 2]), tag, Buffer.of(9)]));
    await redis.raw.hset(shardKeys(prefix).sz, 'a\0{}', 1);
    await redis.raw.zadd(shardKeys(prefix).lru, 1, 'a\0{}');
    expect(await backend.get('a\0{}')).toBeUndefined();
    expect((await backend.stats()).rejectedEntries).toBe(1);
    // A genuine entry under such a key still round-trips.
    await backend.set('b\0{}', Uint8Array.of(7));
    expect((await backend.get('b\0{}'))?.value[0]).toBe(7);
    expect(encodeEntry('b', Uint8Array.of(7), '', new EntrySigner(Buffer.from(secret))).length).toBe(2 + 32 + 1);
  });
});
