/**
 * The Redis backend and the CacheManager on it against raw ioredis, on the same local
 * redis-server in one run: sequential GET/SET, 100 concurrent calls (auto-pipelining), and
 * pipelined batches of 100. The value is a ~100-byte JSON object; raw ioredis stores its
 * encoded bytes (marker byte + JSON), the manager encodes it itself (json, no compression, no TTL).
 * Targets (issue 3): ≥ 0.8× raw at 100 concurrent calls; getMany ≥ 0.8× a raw GET pipeline.
 * Run: pnpm vitest bench --run --project cache-core bench/redis.bench.ts
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { RedisBackend } from '../src/backends/redis.js';
import { CacheManager, silentLogger } from '../src/manager/index.js';
import { RedisServer } from '../test/helpers/redis-server.js';

const KEYS = 1000;
const BATCH = 100;
const OBJECT = { id: 12345, name: 'benchmark user', email: 'user@example.com', tags: ['a', 'b', 'c'], score: 0.75, active: true };
/** The manager's encoding of OBJECT: marker byte 0x00 (plain) + JSON, about 100 bytes. */
const VALUE = Buffer.concat([Buffer.from([0x00]), Buffer.from(JSON.stringify(OBJECT))]);

let server: RedisServer;
let raw: Redis;
let backend: RedisBackend;
let manager: CacheManager;
const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`);
const rawKey = (key: string) => `bench-raw:${key}`;
let cursor = 0;
const nextKeys = (n: number) => {
  const batch: string[] = [];
  for (let i = 0; i < n; i++) batch.push(keys[(cursor++ % KEYS)]!);
  return batch;
};

beforeAll(async () => {
  server = await RedisServer.start();
  raw = new Redis({ host: server.host, port: server.port, enableAutoPipelining: true, lazyConnect: true });
  await raw.connect();
  backend = new RedisBackend({ host: server.host, port: server.port, keyPrefix: 'bench:' });
  if (!(await backend.start())) throw new Error('the Redis backend did not start');
  const pipeline = raw.pipeline();
  for (const key of keys) pipeline.set(rawKey(key), VALUE);
  await pipeline.exec();
  await backend.setMany(keys.map((key) => ({ key, value: VALUE })));
  manager = new CacheManager({
    backendType: 'redis',
    backendConfig: { host: server.host, port: server.port, keyPrefix: 'bench-manager:' },
    serializationFormat: 'json',
    compressionEnabled: false,
    defaultTtl: 0,
    logger: silentLogger,
  });
  if (!(await manager.start())) throw new Error('the CacheManager did not start on Redis');
  for (const key of keys) await manager.set(key, OBJECT);
});

afterAll(async () => {
  await manager?.currentBackend?.clear();
  await manager?.stop();
  await backend?.clear();
  await backend?.stop();
  raw?.disconnect();
  await server?.dispose();
});

const options = { time: 1500, warmupTime: 300 };

describe('sequential GET (hit)', () => {
  bench('raw ioredis getBuffer', async () => {
    await raw.getBuffer(rawKey(nextKeys(1)[0]!));
  }, options);
  bench('RedisBackend.get', async () => {
    await backend.get(nextKeys(1)[0]!);
  }, options);
  bench('CacheManager.get (redis, json)', async () => {
    await manager.get(nextKeys(1)[0]!);
  }, options);
});

describe('sequential SET', () => {
  bench('raw ioredis set', async () => {
    await raw.set(rawKey(nextKeys(1)[0]!), VALUE);
  }, options);
  bench('RedisBackend.set', async () => {
    await backend.set(nextKeys(1)[0]!, VALUE);
  }, options);
  bench('CacheManager.set (redis, json)', async () => {
    await manager.set(nextKeys(1)[0]!, OBJECT);
  }, options);
});

describe(`${BATCH} concurrent GET (auto-pipelining), per batch`, () => {
  bench('raw ioredis getBuffer ×100', async () => {
    await Promise.all(nextKeys(BATCH).map((key) => raw.getBuffer(rawKey(key))));
  }, options);
  bench('raw ioredis getBuffer + JSON.parse ×100', async () => {
    await Promise.all(nextKeys(BATCH).map(async (key) => JSON.parse((await raw.getBuffer(rawKey(key)))!.toString('utf8', 1))));
  }, options);
  bench('RedisBackend.get ×100', async () => {
    await Promise.all(nextKeys(BATCH).map((key) => backend.get(key)));
  }, options);
  bench('CacheManager.get ×100 (redis, json)', async () => {
    await Promise.all(nextKeys(BATCH).map((key) => manager.get(key)));
  }, options);
});

describe(`${BATCH} concurrent SET (auto-pipelining), per batch`, () => {
  bench('raw ioredis set ×100', async () => {
    await Promise.all(nextKeys(BATCH).map((key) => raw.set(rawKey(key), VALUE)));
  }, options);
  bench('RedisBackend.set ×100', async () => {
    await Promise.all(nextKeys(BATCH).map((key) => backend.set(key, VALUE)));
  }, options);
  bench('CacheManager.set ×100 (redis, json)', async () => {
    await Promise.all(nextKeys(BATCH).map((key) => manager.set(key, OBJECT)));
  }, options);
});

describe(`pipelined batch of ${BATCH} GET`, () => {
  bench('raw ioredis pipeline getBuffer ×100', async () => {
    const pipeline = raw.pipeline();
    for (const key of nextKeys(BATCH)) pipeline.getBuffer(rawKey(key));
    await pipeline.exec();
  }, options);
  bench('RedisBackend.getMany(100)', async () => {
    await backend.getMany(nextKeys(BATCH));
  }, options);
});

describe(`pipelined batch of ${BATCH} SET`, () => {
  bench('raw ioredis pipeline set ×100', async () => {
    const pipeline = raw.pipeline();
    for (const key of nextKeys(BATCH)) pipeline.set(rawKey(key), VALUE);
    await pipeline.exec();
  }, options);
  bench('RedisBackend.setMany(100)', async () => {
    await backend.setMany(nextKeys(BATCH).map((key) => ({ key, value: VALUE })));
  }, options);
});
