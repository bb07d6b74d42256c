/**
 * The CacheManager on the Redis backend, end to end against a real redis-server: values
 * round-trip through the codec, corrupt bytes are counted by the manager's decoder, tampered
 * signed entries are rejected, and the manager rides through an outage and serves hits again
 * without a restart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CacheManager, type CacheManagerConfig } from '../../src/manager/index.js';
import { Redis } from 'ioredis';
import { freePort, RedisServer } from '../helpers/redis-server.js';
import { RecordingLogger, sleep, uniquePrefix } from './redis-subject.js';

class ManagerLogger extends RecordingLogger {
  debug(): void {}
  error(message: string): void {
    this.warn(message);
  }
}

let server: RedisServer;
let raw: Redis;
beforeAll(async () => {
  server = await RedisServer.start();
  raw = new Redis({ host: server.host, port: server.port });
  // One test kills the server: this client's reconnection errors are expected, not news.
  raw.on('error', () => {});
});
afterAll(async () => {
  raw?.disconnect();
  await server?.dispose();
});

const managers: CacheManager[] = [];
afterEach(async () => {
  for (const manager of managers.splice(0)) {
    await manager.currentBackend?.clear();
    await manager.stop();
  }
});

async function startManager(config: CacheManagerConfig & { keyPrefix?: string; signingSecret?: string } = {}) {
  const { keyPrefix = uniquePrefix('manager'), signingSecret, ...rest } = config;
  const logger = new ManagerLogger();
  const manager = new CacheManager({
    backendType: 'redis',
    backendConfig: { host: server.host, port: server.port, keyPrefix, reconnectMaxDelay: 100, ...(signingSecret ? { signingSecret } : {}) },
    serializationFormat: 'json',
    logger,
    ...rest,
  });
  managers.push(manager);
  return { manager, logger, keyPrefix, started: await manager.start() };
}

describe('CacheManager on Redis', () => {
  it('stores and reads values through the codec, with TTL, metadata and counts', async () => {
    const { manager, started, keyPrefix } = await startManager({ compressionThreshold: 64 });
    expect(started).toBe(true);
    const big = { text: 'x'.repeat(5000) };
    expect(await manager.set('small', { id: 1, tags: ['a'] }, { ttl: 60, metadata: { source: 'test' } })).toBe(true);
    expect(await manager.set('big', big)).toBe(true);
    expect(await manager.get('small')).toEqual({ id: 1, tags: ['a'] });
    expect((await manager.getEntry('small'))?.metadata).toEqual({ source: 'test' });
    expect(await manager.get('big')).toEqual(big);
    expect(await manager.get('absent', 'default')).toBe('default');
    // The big value went to Redis compressed: after the 2-byte envelope header, marker byte 0x01.
    const stored = (await raw.getBuffer(`${keyPrefix}{${keyPrefix}0}:e:big`))!;
    expect(Array.from(stored.subarray(0, 3))).toEqual([0xca, 0, 0x01]);
    expect(stored.length).toBeLessThan(5000);
    const pttl = await raw.pttl(`${keyPrefix}{${keyPrefix}0}:e:small`);
    expect(pttl).toBeGreaterThan(59_000);
    const metrics = await manager.getMetrics();
    expect(metrics).toMatchObject({ hits: 3, misses: 1, sets: 2, currentEntries: 2, backendErrors: 0 });
    const small = (await raw.getBuffer(`${keyPrefix}{${keyPrefix}0}:e:small`))!;
    // Value bytes only: the envelope header (2) and the metadata block (4 + 17) are not counted.
    expect(metrics.currentSizeBytes).toBe(stored.length - 2 + small.length - 2 - 4 - '{"source":"test"}'.length);
    expect(await manager.evictLru(1)).toBe(1);
    expect(await manager.get('small')).toBeUndefined();
  });

  it('corrupt bytes written by someone else are a miss counted by the decoder', async () => {
    const { manager, keyPrefix } = await startManager();
    await manager.set('k', { ok: true });
    // A well-formed envelope around bytes the manager's codec does not know (marker 0x07).
    await raw.set(`${keyPrefix}{${keyPrefix}0}:e:k`, Buffer.from([0xca, 0, 0x07, 1, 2, 3]));
    expect(await manager.get('k', 'fallback')).toBe('fallback');
    expect((await manager.getMetrics()).decodeErrors).toBe(1);
  });

  it('the prefetch worker skips keys already in Redis (has), and an entry expired by Redis is fetched again', async () => {
    const fetched: string[] = [];
    const { manager, keyPrefix } = await startManager({ prefetchFetcher: (endpoint) => (fetched.push(endpoint), `fetched ${endpoint}`) });
    await manager.set('/cached', 'demand');
    await manager.set('/expiring', 'demand');
    await raw.pexpire(`${keyPrefix}{${keyPrefix}0}:e:/expiring`, 1); // Redis drops the entry key itself
    await sleep(20);
    manager.prefetchMany([['/cached'], ['/expiring'], ['/new']]);
    await manager.drainPrefetchQueue();
    expect(fetched.sort()).toEqual(['/expiring', '/new']);
    expect(await manager.getEntry('/cached')).toMatchObject({ value: 'demand', prefetched: false });
    expect(await manager.getEntry('/new')).toMatchObject({ value: 'fetched /new', prefetched: true });
    expect(await manager.getMetrics()).toMatchObject({ prefetchesSkipped: 1, prefetchesStored: 2, prefetchHits: 1, backendErrors: 0 });
  });

  it('with signing, a tampered entry is a miss and counted as rejected by the backend', async () => {
    const secret = 'shared-redis-signing-secret';
    const { manager, keyPrefix } = await startManager({ signingSecret: secret });
    await manager.set('k', { ok: true });
    expect(await manager.get('k')).toEqual({ ok: true });
    const entryKey = `${keyPrefix}{${keyPrefix}0}:e:k`;
    const stored = (await raw.getBuffer(entryKey))!;
    // Keep header and tag, replace the payload with a valid JSON entry the decoder would accept.
    await raw.set(entryKey, Buffer.concat([stored.subarray(0, 2 + 32), Buffer.from([0x00]), Buffer.from('{"ok":false}')]));
    expect(await manager.get('k', 'fallback')).toBe('fallback');
    expect((await manager.currentBackend!.stats()).rejectedEntries).toBe(1);
    expect((await manager.getMetrics()).decodeErrors).toBe(0);
  });

  it('server absent at start: start() resolves false and the manager runs without cache', async () => {
    const logger = new ManagerLogger();
    const manager = new CacheManager({ backendType: 'redis', backendConfig: { port: await freePort(), connectTimeout: 500 }, logger });
    const started = performance.now();
    expect(await manager.start()).toBe(false);
    expect(performance.now() - started).toBeLessThan(500 + 150);
    expect(await manager.set('k', 1)).toBe(false);
    expect(await manager.get('k', 'default')).toBe('default');
  });

  it('rides through a server crash and serves hits again without a restart', async () => {
    const { manager, logger } = await startManager();
    await manager.set('k', 'before');
    expect(await manager.get('k')).toBe('before');

    await server.stop('SIGKILL');
    const t0 = performance.now();
    const during = await Promise.all(Array.from({ length: 50 }, () => manager.get('k', 'default')));
    expect(performance.now() - t0).toBeLessThan(250 + 150);
    expect(new Set(during)).toEqual(new Set(['default']));
    expect(await manager.set('k', 'during')).toBe(false);
    expect((await manager.getMetrics()).backendErrors).toBeGreaterThanOrEqual(51);
    const redisWarnings = logger.warnings.filter((line) => line.startsWith('redis backend'));
    expect(redisWarnings).toHaveLength(1);

    await server.restart();
    let stored = false;
    for (let attempt = 0; attempt < 120 && !stored; attempt++) {
      stored = await manager.set('k', 'after');
      if (!stored) await sleep(25);
    }
    expect(stored).toBe(true);
    expect(await manager.get('k')).toBe('after');
    expect(manager.isRunning).toBe(true);
    expect(logger.warnings.filter((line) => line.startsWith('redis backend'))).toHaveLength(1);
  });
});
