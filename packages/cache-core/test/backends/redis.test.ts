/**
 * Redis-specific behaviour against a real redis-server: the key layout stays under the prefix,
 * foreign and tampered values are rejected and counted, connection options (url, ACL user, db)
 * work, and invalid configuration fails with a ConfigError naming the field.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { BackendEntry } from '../../src/backends/backend.js';
import { RedisBackend, type RedisConfig } from '../../src/backends/redis.js';
import { resolveRedisConfig } from '../../src/backends/redis-config.js';
import { RecordingLogger, sleep, uniquePrefix, useRedisServer } from './redis-subject.js';

const redis = useRedisServer();
const started = redis.started;

async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.raw.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}

describe('key layout', () => {
  it('stores each entry as one string with PX and keeps the index under the same hash tag', async () => {
    const prefix = uniquePrefix('layout');
    const backend = await started({ keyPrefix: prefix });
    await backend.set('user:1', Uint8Array.of(0, 42), { ttlMs: 60_000, metadata: { a: 1 } });
    const base = `${prefix}{${prefix}0}:`;
    expect(await keysUnder(prefix)).toEqual([`${base}e:user:1`, `${base}exp`, `${base}lru`, `${base}st`, `${base}sz`]);
    const stored = (await redis.raw.getBuffer(`${base}e:user:1`))!;
    // 0xCA, flags = metadata, u32 length 7, '{"a":1}', then the value bytes untouched.
    expect(Array.from(stored)).toEqual([0xca, 1, 0, 0, 0, 7, ...Buffer.from('{"a":1}'), 0, 42]);
    const pttl = await redis.raw.pttl(`${base}e:user:1`);
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await redis.raw.hget(`${base}sz`, 'user:1')).toBe('2');
  });

  it('an overwrite sets, keeps or removes the TTL as the new entry asks', async () => {
    const prefix = uniquePrefix('ttl');
    const backend = await started({ keyPrefix: prefix });
    const entryKey = `${prefix}{${prefix}0}:e:k`;
    await backend.set('k', Uint8Array.of(1), { ttlMs: 60_000 });
    expect(await redis.raw.pttl(entryKey)).toBeGreaterThan(59_000);
    await backend.set('k', Uint8Array.of(2), { metadata: { m: 1 } });
    expect(await redis.raw.pttl(entryKey)).toBe(-1);
    expect(await redis.raw.zcard(`${prefix}{${prefix}0}:exp`)).toBe(0);
    await backend.set('k', Uint8Array.of(3));
    expect(Array.from((await redis.raw.getBuffer(entryKey))!)).toEqual([0xca, 0, 3]);
    expect((await backend.get('k'))?.metadata).toBeUndefined();
    await backend.set('k', Uint8Array.of(4, 4), { ttlMs: 30_000 });
    expect(await redis.raw.pttl(entryKey)).toBeGreaterThan(29_000);
    expect(await redis.raw.pttl(entryKey)).toBeLessThanOrEqual(30_000);
    expect(await backend.stats()).toMatchObject({ entries: 1, sizeBytes: 2, expirations: 0 });
  });

  it('clear() removes only its own prefix, even when the prefix holds glob characters', async () => {
    const prefix = `${uniquePrefix('glob')}[*?]\\:`;
    const backend = await started({ keyPrefix: prefix });
    const neighbour = await started({ keyPrefix: `${prefix.slice(0, -1)}x:` });
    const foreign = `${prefix.replace('[*?]', 'a')}foreign`;
    await redis.raw.set(foreign, 'keep me');
    await redis.raw.set('unrelated', 'keep me too');
    for (let i = 0; i < 50; i++) await backend.set(`k${i}`, Uint8Array.of(i));
    await neighbour.set('n', Uint8Array.of(1));
    await backend.clear();
    expect(await keysUnder(prefix)).toEqual([]);
    expect(await redis.raw.get(foreign)).toBe('keep me');
    expect(await redis.raw.get('unrelated')).toBe('keep me too');
    expect((await neighbour.get('n'))?.value[0]).toBe(1);
    await redis.raw.del(foreign, 'unrelated');
  });

  it('writes into the configured db only', async () => {
    const prefix = uniquePrefix('db');
    const backend = await started({ keyPrefix: prefix, db: 3 });
    await backend.set('k', Uint8Array.of(1));
    expect(await keysUnder(prefix)).toEqual([]);
    const db3 = new Redis({ host: redis.server.host, port: redis.server.port, db: 3 });
    try {
      expect((await db3.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    } finally {
      db3.disconnect();
    }
  });
});

describe('values the backend did not write', () => {
  it('passes the value bytes inside a valid envelope as they are (the manager decoder judges them)', async () => {
    const prefix = uniquePrefix('foreign');
    const backend = await started({ keyPrefix: prefix });
    await backend.set('k', Uint8Array.of(0, 1));
    await redis.raw.set(`${prefix}{${prefix}0}:e:k`, Buffer.from([0xca, 0, 0xff, 0xfe, 0x00]));
    expect(Array.from((await backend.get('k'))!.value)).toEqual([0xff, 0xfe, 0x00]);
  });

  it('a foreign value (wrong Redis type, other format, truncated, bad metadata) is a miss plus a counted rejection', async () => {
    const prefix = uniquePrefix('rejected');
    const base = `${prefix}{${prefix}0}:e:`;
    const backend = await started({ keyPrefix: prefix });
    const cases: [string, () => Promise<unknown>][] = [
      ['hash', async () => {
        await redis.raw.del(`${base}hash`);
        await redis.raw.hset(`${base}hash`, 'v', 'someone else wrote this');
      }],
      ['text', () => redis.raw.set(`${base}text`, 'plain text from another writer')],
      ['empty', () => redis.raw.set(`${base}empty`, '')],
      ['flags', () => redis.raw.set(`${base}flags`, Buffer.from([0xca, 9, 1]))],
      ['truncated', () => redis.raw.set(`${base}truncated`, Buffer.from([0xca, 1, 0, 0, 0, 50, 0x7b]))],
      ['badjson', () => redis.raw.set(`${base}badjson`, Buffer.concat([Buffer.from([0xca, 1, 0, 0, 0, 9]), Buffer.from('{not json'), Buffer.from([0])]))],
      ['array', () => redis.raw.set(`${base}array`, Buffer.concat([Buffer.from([0xca, 1, 0, 0, 0, 2]), Buffer.from('[]'), Buffer.from([0])]))],
      ['signed', () => redis.raw.set(`${base}signed`, Buffer.concat([Buffer.from([0xca, 2]), Buffer.alloc(32), Buffer.from([0])]))],
    ];
    for (const [key, overwrite] of cases) {
      await backend.set(key, Uint8Array.of(1), { metadata: { ok: true } });
      await overwrite();
    }
    await backend.set('good', Uint8Array.of(2));
    for (const [key] of cases) expect(await backend.get(key)).toBeUndefined();
    expect((await backend.get('good'))?.value[0]).toBe(2);
    expect(await backend.stats()).toMatchObject({ rejectedEntries: cases.length, backendErrors: 0 });
    // The wrong-type key under our prefix was removed from the index and from Redis.
    expect(await redis.raw.exists(`${base}hash`)).toBe(0);
    expect((await backend.keys()).includes('hash')).toBe(false);
  });

  it('an entry removed behind the backend (DEL, maxmemory) is a miss, counted as an eviction', async () => {
    const prefix = uniquePrefix('external');
    const backend = await started({ keyPrefix: prefix });
    await backend.set('a', Uint8Array.of(1, 2, 3));
    await backend.set('b', Uint8Array.of(4));
    await redis.raw.del(`${prefix}{${prefix}0}:e:a`);
    expect(await backend.get('a')).toBeUndefined();
    expect(await backend.stats()).toMatchObject({ entries: 1, sizeBytes: 1, evictions: 1 });
  });
});

describe('batched calls', () => {
  type Backend = Awaited<ReturnType<typeof started>>;
  const summary = async (backend: Backend) => {
    const { entries, sizeBytes, evictions, expirations, wastedPrefetches, rejectedEntries, backendErrors } = await backend.stats();
    return { entries, sizeBytes, evictions, expirations, wastedPrefetches, rejectedEntries, backendErrors, keys: await backend.keys() };
  };
  const show = (entries: (BackendEntry | undefined)[]) => entries.map((e) => e && { value: Array.from(e.value), prefetched: e.prefetched });

  it('one batch leaves the same entries, LRU order and counters as the same calls one at a time', async () => {
    const prefixes = [uniquePrefix('one-by-one'), uniquePrefix('batched')];
    const [single, batched] = [await started({ keyPrefix: prefixes[0] }), await started({ keyPrefix: prefixes[1] })];
    for (const backend of [single, batched]) {
      await backend.set('old', Uint8Array.of(1, 2, 3));
      await backend.set('pre', Uint8Array.of(4, 4), { prefetched: true });
      await backend.set('read', Uint8Array.of(5), { prefetched: true });
      await backend.set('gone', Uint8Array.of(6));
      await backend.set('foreign', Uint8Array.of(6));
    }
    // Distinct keys (one command of each kind) and a key twice (entry by entry).
    const distinct = [
      { key: 'a', value: Uint8Array.of(1) },
      { key: 'old', value: Uint8Array.of(9) },
      { key: 'pre', value: Uint8Array.of(8), options: { metadata: { n: 1 } } },
      { key: 'b', value: Uint8Array.of(2, 2), options: { ttlMs: 60_000 } },
      { key: 'c', value: Uint8Array.of(3), options: { prefetched: true } },
    ];
    const repeated = [
      { key: 'd', value: Uint8Array.of(1, 1), options: { prefetched: true } },
      { key: 'd', value: Uint8Array.of(2) },
      { key: 'b', value: Uint8Array.of(3, 3, 3) },
    ];
    for (const entries of [distinct, repeated]) {
      for (const { key, value, options } of entries) expect(await single.set(key, value, options)).toBe(true);
      expect(await batched.setMany(entries)).toEqual(entries.map(() => true));
    }
    for (const prefix of prefixes) {
      await redis.raw.del(`${prefix}{${prefix}0}:e:gone`);
      await redis.raw.del(`${prefix}{${prefix}0}:e:foreign`);
      await redis.raw.rpush(`${prefix}{${prefix}0}:e:foreign`, 'x');
    }
    const keys = ['read', 'a', 'missing', 'gone', 'c', 'read', 'foreign', 'old'];
    const one: (BackendEntry | undefined)[] = [];
    for (const key of keys) one.push(await single.get(key));
    const many = await Promise.all(keys.map((key) => batched.get(key)));
    expect(show(many)).toEqual(show(one));
    expect(show(many)).toEqual([
      { value: [5], prefetched: true },
      { value: [1], prefetched: false },
      undefined,
      undefined,
      { value: [3], prefetched: true },
      { value: [5], prefetched: false },
      undefined,
      { value: [9], prefetched: false },
    ]);
    expect(show(await batched.getMany(['c', 'd', 'b']))).toEqual([
      { value: [3], prefetched: false },
      { value: [2], prefetched: false },
      { value: [3, 3, 3], prefetched: false },
    ]);
    await single.get('c');
    await single.get('d');
    await single.get('b');
    const expected = await summary(single);
    expect(expected).toMatchObject({ entries: 7, sizeBytes: 1 + 1 + 1 + 3 + 1 + 1 + 1, evictions: 2, wastedPrefetches: 2, rejectedEntries: 1, backendErrors: 0 });
    expect(await summary(batched)).toEqual(expected);
  });
});

describe('HMAC signing', () => {
  const secret = 'a secret of at least sixteen bytes';

  it('round-trips signed entries and stores header, metadata, tag and value', async () => {
    const prefix = uniquePrefix('signed');
    const backend = await started({ keyPrefix: prefix, signingSecret: secret });
    await backend.set('k', Uint8Array.of(0, 9, 9), { metadata: { v: 2 } });
    const entry = await backend.get('k');
    expect(Array.from(entry!.value)).toEqual([0, 9, 9]);
    expect(entry!.metadata).toEqual({ v: 2 });
    const stored = (await redis.raw.getBuffer(`${prefix}{${prefix}0}:e:k`))!;
    expect(stored.length).toBe(2 + 4 + '{"v":2}'.length + 32 + 3);
    expect(stored[1]).toBe(3); // metadata + signed
    expect(await backend.stats()).toMatchObject({ sizeBytes: 3, rejectedEntries: 0 });
  });

  it('rejects tampered values, tampered metadata, copied entries, unsigned entries and another secret', async () => {
    const prefix = uniquePrefix('tamper');
    const base = `${prefix}{${prefix}0}:e:`;
    const backend = await started({ keyPrefix: prefix, signingSecret: secret });
    for (const key of ['value', 'meta', 'source', 'copy']) await backend.set(key, Uint8Array.of(0, 1, 2), { metadata: { k: key } });

    const value = (await redis.raw.getBuffer(`${base}value`))!;
    value.writeUInt8(value.readUInt8(value.length - 1) ^ 1, value.length - 1);
    await redis.raw.set(`${base}value`, value);
    const meta = (await redis.raw.getBuffer(`${base}meta`))!;
    meta.write('{"k":"oops"}', 6, 'utf8'); // same length as {"k":"meta"}
    await redis.raw.set(`${base}meta`, meta);
    // A valid entry of another key, copied over: the tag covers the key.
    await redis.raw.set(`${base}copy`, (await redis.raw.getBuffer(`${base}source`))!);

    expect(await backend.get('value')).toBeUndefined();
    expect(await backend.get('meta')).toBeUndefined();
    expect(await backend.get('copy')).toBeUndefined();
    expect((await backend.get('source'))?.metadata).toEqual({ k: 'source' });

    const unsigned = await started({ keyPrefix: prefix });
    await unsigned.set('plain', Uint8Array.of(0, 5));
    expect(await backend.get('plain')).toBeUndefined();
    // Without the secret a signed entry cannot be checked, so it is not trusted either.
    expect(await unsigned.get('source')).toBeUndefined();
    const otherSecret = await started({ keyPrefix: prefix, signingSecret: 'another secret, also long enough' });
    expect(await otherSecret.get('source')).toBeUndefined();

    expect((await backend.stats()).rejectedEntries).toBe(4);
    expect((await unsigned.stats()).rejectedEntries).toBe(1);
    expect((await otherSecret.stats()).rejectedEntries).toBe(1);
  });
});

describe('connection options', () => {
  it('connects with a url naming an ACL user, password and db; a wrong password does not start', async () => {
    await redis.raw.call('ACL', 'SETUSER', 'cachelab', 'on', '>s3cret-pass', '~*', '+@all');
    const prefix = uniquePrefix('acl');
    const backend = await started({ host: undefined, port: undefined, url: `redis://cachelab:s3cret-pass@127.0.0.1:${redis.server.port}/2`, keyPrefix: prefix });
    await backend.set('k', Uint8Array.of(3));
    expect((await backend.get('k'))?.value[0]).toBe(3);
    const whoami = new Redis({ host: redis.server.host, port: redis.server.port, db: 2 });
    try {
      expect((await whoami.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    } finally {
      whoami.disconnect();
    }

    const logger = new RecordingLogger();
    const wrong = new RedisBackend(
      { host: redis.server.host, port: redis.server.port, username: 'cachelab', password: 'wrong', keyPrefix: uniquePrefix('acl') },
      { logger },
    );
    expect(await wrong.start()).toBe(false);
    expect(logger.warnings).toHaveLength(1);
    await wrong.stop();
    await sleep(10);
  });
});

describe('configuration', () => {
  const cases: [RedisConfig, string][] = [
    [{ port: 70_000 }, 'port'],
    [{ db: -1 }, 'db'],
    [{ keyPrefix: '' }, 'keyPrefix'],
    [{ keyPrefix: 'app{1}:' }, 'keyPrefix'],
    [{ url: 'redis://h:1', host: 'h' }, 'url'],
    [{ url: 'http://h:1' }, 'url'],
    [{ clusterNodes: [] }, 'clusterNodes'],
    [{ clusterNodes: ['nohost'] }, 'clusterNodes[0]'],
    [{ clusterNodes: ['h:1'], db: 1 }, 'db'],
    [{ commandTimeout: 0 }, 'commandTimeout'],
    [{ connectTimeout: 1.5 }, 'connectTimeout'],
    [{ shards: 2000 }, 'shards'],
    [{ maxBytes: -1 }, 'maxBytes'],
    [{ signingSecret: 'short' }, 'signingSecret'],
  ];
  it.each(cases)('%j fails with a ConfigError on %s', (config, field) => {
    let caught: unknown;
    try {
      new RedisBackend(config);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).field).toBe(field);
  });

  it('defaults: loopback, 2 s connect, 250 ms commands, one shard standalone and 16 in a cluster', () => {
    expect(resolveRedisConfig({})).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      keyPrefix: 'cachelab:',
      connectTimeout: 2000,
      commandTimeout: 250,
      shards: 1,
      maxEntries: 0,
      maxBytes: 0,
    });
    expect(resolveRedisConfig({ clusterNodes: ['127.0.0.1:7000', { host: 'h', port: 7001 }] })).toMatchObject({
      shards: 16,
      clusterNodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: 'h', port: 7001 },
      ],
    });
  });
});

describe('the backend on its own', () => {
  it('is importable as @cachelab/cache-core/redis (the package entry exports its type only) and stores bytes', async () => {
    const { RedisBackend: Exported } = await import('@cachelab/cache-core/redis');
    expect(Exported).toBe(RedisBackend);
    const backend = new Exported({ host: redis.server.host, port: redis.server.port, keyPrefix: uniquePrefix('own') }, { logger: new RecordingLogger() });
    try {
      expect(await backend.start()).toBe(true);
      const bytes = Buffer.from([0, 1, 2, 255]);
      expect(await backend.set('k', bytes)).toBe(true);
      expect(Buffer.from((await backend.get('k'))!.value)).toEqual(bytes);
      await backend.clear();
    } finally {
      await backend.stop();
    }
  });
});
