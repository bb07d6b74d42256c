/**
 * The shared set-up of the Redis benchmarks: one local redis-server, a raw ioredis client
 * (auto-pipelining), the RedisBackend and a CacheManager on it, each with its own 1000 keys
 * preloaded; and the workloads, as groups of contenders doing the same work. The value is a
 * ~110-byte JSON object: raw ioredis stores its encoded bytes (marker byte 0x00 + JSON), the
 * backend stores the same bytes, the manager encodes the object itself (json, no compression,
 * no TTL).
 */
import { isDeepStrictEqual } from 'node:util';
import { Redis } from 'ioredis';
import { RedisBackend } from '../src/backends/redis.js';
import { CacheManager, silentLogger } from '../src/manager/index.js';
import { RedisServer } from '../test/helpers/redis-server.js';

export const KEYS = 1000;
export const BATCH = 100;
export const OBJECT = { id: 12345, name: 'benchmark user', email: 'user@example.com', tags: ['a', 'b', 'c'], score: 0.75, active: true };
/** The manager's encoding of OBJECT: marker byte 0x00 (plain) + JSON. */
export const VALUE = Buffer.concat([Buffer.from([0x00]), Buffer.from(JSON.stringify(OBJECT))]);

export interface Contender {
  name: string;
  /** One iteration: one call (sequential groups) or a batch of BATCH calls. */
  run(): Promise<unknown>;
}

export interface Workload {
  group: string;
  /** The first contender is the baseline of the group. */
  contenders: Contender[];
}

interface Clients {
  raw: Redis;
  backend: RedisBackend;
  manager: CacheManager;
  server: RedisServer;
}

/** Workloads are declared up front (benchmark files need their names); `start()` connects them. */
export class RedisBenchFixture {
  readonly workloads: Workload[];
  private clients: Clients | undefined;
  private cursor = 0;
  private readonly keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`);

  constructor() {
    const c = () => this.clients!;
    const rawKey = (key: string) => `bench-raw:${key}`;
    const one = () => this.keys[this.cursor++ % KEYS]!;
    const many = () => Array.from({ length: BATCH }, one);
    const decode = (bytes: Buffer | null) => JSON.parse(bytes!.toString('utf8', 1)) as unknown;
    this.workloads = [
      {
        group: 'sequential GET (hit), per call',
        contenders: [
          { name: 'raw ioredis getBuffer', run: () => c().raw.getBuffer(rawKey(one())) },
          { name: 'RedisBackend.get', run: () => c().backend.get(one()) },
          { name: 'CacheManager.get (redis, json)', run: () => c().manager.get(one()) },
        ],
      },
      {
        group: 'sequential SET, per call',
        contenders: [
          { name: 'raw ioredis set', run: () => c().raw.set(rawKey(one()), VALUE) },
          { name: 'RedisBackend.set', run: () => c().backend.set(one(), VALUE) },
          { name: 'CacheManager.set (redis, json)', run: () => c().manager.set(one(), OBJECT) },
        ],
      },
      {
        group: `${BATCH} concurrent GET (auto-pipelining), per batch`,
        contenders: [
          { name: 'raw ioredis getBuffer ×100', run: () => Promise.all(many().map((k) => c().raw.getBuffer(rawKey(k)))) },
          {
            name: 'raw ioredis getBuffer + JSON.parse ×100',
            run: () => Promise.all(many().map(async (k) => decode(await c().raw.getBuffer(rawKey(k))))),
          },
          { name: 'RedisBackend.get ×100', run: () => Promise.all(many().map((k) => c().backend.get(k))) },
          { name: 'CacheManager.get ×100 (redis, json)', run: () => Promise.all(many().map((k) => c().manager.get(k))) },
        ],
      },
      {
        group: `${BATCH} concurrent SET (auto-pipelining), per batch`,
        contenders: [
          { name: 'raw ioredis set ×100', run: () => Promise.all(many().map((k) => c().raw.set(rawKey(k), VALUE))) },
          { name: 'RedisBackend.set ×100', run: () => Promise.all(many().map((k) => c().backend.set(k, VALUE))) },
          { name: 'CacheManager.set ×100 (redis, json)', run: () => Promise.all(many().map((k) => c().manager.set(k, OBJECT))) },
        ],
      },
      {
        group: `pipelined batch of ${BATCH} GET`,
        contenders: [
          {
            name: 'raw ioredis pipeline getBuffer ×100',
            run: () => {
              const p = c().raw.pipeline();
              for (const k of many()) p.getBuffer(rawKey(k));
              return p.exec();
            },
          },
          { name: 'RedisBackend.getMany(100)', run: () => c().backend.getMany(many()) },
        ],
      },
      {
        group: `pipelined batch of ${BATCH} SET`,
        contenders: [
          {
            name: 'raw ioredis pipeline set ×100',
            run: () => {
              const p = c().raw.pipeline();
              for (const k of many()) p.set(rawKey(k), VALUE);
              return p.exec();
            },
          },
          { name: 'RedisBackend.setMany(100)', run: () => c().backend.setMany(many().map((key) => ({ key, value: VALUE }))) },
        ],
      },
    ];
  }

  async start(): Promise<void> {
    const server = await RedisServer.start();
    const raw = new Redis({ host: server.host, port: server.port, enableAutoPipelining: true, lazyConnect: true });
    await raw.connect();
    const backend = new RedisBackend({ host: server.host, port: server.port, keyPrefix: 'bench-backend:' });
    const manager = new CacheManager({
      backendType: 'redis',
      backendConfig: { host: server.host, port: server.port, keyPrefix: 'bench-manager:' },
      serializationFormat: 'json',
      compressionEnabled: false,
      defaultTtl: 0,
      logger: silentLogger,
    });
    this.clients = { raw, backend, manager, server };
    if (!(await backend.start()) || !(await manager.start())) throw new Error('the Redis backend did not start');
    const pipeline = raw.pipeline();
    for (const key of this.keys) pipeline.set(`bench-raw:${key}`, VALUE);
    await pipeline.exec();
    await backend.setMany(this.keys.map((key) => ({ key, value: VALUE })));
    await Promise.all(this.keys.map((key) => manager.set(key, OBJECT)));
    // Every GET contender must hit and return the same value (a miss would be a cheaper code path).
    for (const key of [this.keys[0]!, this.keys[KEYS - 1]!]) {
      const raw = await this.clients.raw.getBuffer(`bench-raw:${key}`);
      const stored = await backend.get(key);
      const managed = await manager.get(key);
      if (!raw?.equals(VALUE) || !stored || !VALUE.equals(stored.value) || !isDeepStrictEqual(managed, OBJECT)) {
        throw new Error(`the preloaded value of ${key} does not read back from every contender`);
      }
    }
  }

  async close(): Promise<void> {
    const clients = this.clients;
    if (!clients) return;
    this.clients = undefined;
    await clients.manager.currentBackend?.clear();
    await clients.manager.stop();
    await clients.backend.clear();
    await clients.backend.stop();
    clients.raw.disconnect();
    await clients.server.dispose();
  }
}
