/**
 * Outages against a real redis-server: absent at start, killed mid-run, frozen, and back again.
 * Every call must settle quickly as a miss / refused set, be counted, log one warning per outage,
 * and the backend must serve hits again on its own once the server is back.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { freePort, RedisServer } from '../helpers/redis-server.js';
import { RecordingLogger, sleep, uniquePrefix } from './redis-subject.js';

const COMMAND_TIMEOUT = 250;
/** Scheduling slack on a loaded 2-core CI machine. */
const SLACK = 150;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

let backends: RedisBackend[] = [];
afterEach(async () => {
  await Promise.all(backends.map((b) => b.stop()));
  backends = [];
});

function makeBackend(port: number, logger: RecordingLogger, extra: Partial<ConstructorParameters<typeof RedisBackend>[0]> = {}) {
  const backend = new RedisBackend(
    { host: '127.0.0.1', port, keyPrefix: uniquePrefix('faults'), reconnectMaxDelay: 100, ...extra },
    { logger },
  );
  backends.push(backend);
  return backend;
}

/** Runs `work` and returns its result with the elapsed milliseconds. */
async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

async function waitFor(condition: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(25);
  }
  return false;
}

describe('server absent at start', () => {
  it('start() resolves false at once when nothing listens, logging one warning', async () => {
    const logger = new RecordingLogger();
    const backend = makeBackend(await freePort(), logger);
    const { result, ms } = await timed(() => backend.start());
    expect(result).toBe(false);
    expect(ms).toBeLessThan(2000);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/cannot connect/);
    // A backend that did not start answers misses without touching the network.
    expect(await backend.get('k')).toBeUndefined();
    expect(await backend.set('k', Uint8Array.of(1))).toBe(false);
  });

  describe('a listener that accepts but never answers', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('start() resolves false within connectTimeout', async () => {
      const logger = new RecordingLogger();
      const backend = makeBackend(port, logger, { connectTimeout: 400 });
      const { result, ms } = await timed(() => backend.start());
      expect(result).toBe(false);
      expect(ms).toBeGreaterThanOrEqual(390);
      expect(ms).toBeLessThan(400 + SLACK);
      expect(logger.warnings).toHaveLength(1);
    });
  });
});

describe('server killed mid-run, then back', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('settles every call as a miss / refused set within commandTimeout, warns once, recovers by itself', async () => {
    const logger = new RecordingLogger();
    const backend = makeBackend(server.port, logger);
    expect(await backend.start()).toBe(true);
    expect(await backend.set('k', Uint8Array.of(7))).toBe(true);
    expect((await backend.get('k'))?.value[0]).toBe(7);
    expect(await backend.stats()).toMatchObject({ entries: 1, backendErrors: 0 });

    await server.stop('SIGKILL');
    // 100 concurrent gets and 100 concurrent sets while the server is gone.
    const { result, ms } = await timed(() =>
      Promise.all([
        ...Array.from({ length: 100 }, (_, i) => backend.get(`k${i}`)),
        ...Array.from({ length: 100 }, (_, i) => backend.set(`k${i}`, Uint8Array.of(i))),
      ]),
    );
    expect(ms).toBeLessThan(COMMAND_TIMEOUT + SLACK);
    expect(result.slice(0, 100).every((r) => r === undefined)).toBe(true);
    expect(result.slice(100).every((r) => r === false)).toBe(true);
    // Once the client knows the connection is gone, calls fail at once instead of queueing.
    const again = await timed(() => Promise.all(Array.from({ length: 100 }, () => backend.get('k'))));
    expect(again.result.every((r) => r === undefined)).toBe(true);
    expect(again.ms).toBeLessThan(100);
    expect(await backend.getMany(['a', 'b'])).toEqual([undefined, undefined]);
    expect(await backend.setMany([{ key: 'a', value: Uint8Array.of(1) }])).toEqual([false]);
    expect(await backend.delete('k')).toBe(false);
    expect(await backend.evictKeys(['x', 'y', 'z'])).toBe(0);
    expect(await backend.evictLru(3)).toBe(0);
    expect(await backend.keys()).toEqual([]);
    const during = await backend.stats();
    // Counted per key: 300 single calls + getMany (2 keys) + setMany (1) + delete + evictKeys (3
    // keys) + evictLru + keys + stats.
    expect(during.backendErrors).toBe(310);
    expect(during.entries).toBe(1); // the last figures read before the outage
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/failed .* serving misses/);

    // Back, with an empty data set (no persistence); no restart of the backend.
    await server.restart();
    expect(await waitFor(async () => backend.set('k', Uint8Array.of(8)), 3000)).toBe(true);
    expect((await backend.get('k'))?.value[0]).toBe(8);
    expect(logger.infos.some((line) => /answers again/.test(line))).toBe(true);
    expect(logger.warnings).toHaveLength(1);

    // A second outage gets its own single warning.
    await server.stop('SIGKILL');
    await Promise.all(Array.from({ length: 50 }, () => backend.get('k')));
    expect(logger.warnings).toHaveLength(2);
    await server.restart();
    expect(await waitFor(async () => backend.set('k', Uint8Array.of(9)), 3000)).toBe(true);
    expect(unhandled).toEqual([]);
  });

  it('a frozen server (SIGSTOP): calls time out after commandTimeout, then work again after SIGCONT', async () => {
    const logger = new RecordingLogger();
    const backend = makeBackend(server.port, logger);
    expect(await backend.start()).toBe(true);
    expect(await backend.set('k', Uint8Array.of(1))).toBe(true);
    server.pause();
    try {
      const { result, ms } = await timed(() =>
        Promise.all([backend.get('k'), backend.set('j', Uint8Array.of(2)), backend.getMany(['k', 'j'])]),
      );
      expect(result).toEqual([undefined, false, [undefined, undefined]]);
      expect(ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT - 10);
      expect(ms).toBeLessThan(COMMAND_TIMEOUT + SLACK);
      expect((await backend.stats()).backendErrors).toBe(5); // get, set, getMany (2 keys), stats
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toMatch(/timed out/);
    } finally {
      server.resume();
    }
    expect(await waitFor(async () => (await backend.get('k'))?.value[0] === 1, 3000)).toBe(true);
    expect(logger.infos.some((line) => /answers again/.test(line))).toBe(true);
    expect(unhandled).toEqual([]);
  });

  it('start() succeeds with the default timeouts and stop() is quick while the server is down', async () => {
    const logger = new RecordingLogger();
    const backend = new RedisBackend({ port: server.port, keyPrefix: uniquePrefix('faults') }, { logger });
    expect(backend.config.connectTimeout).toBeLessThanOrEqual(2000);
    expect(backend.config.commandTimeout).toBeLessThanOrEqual(250);
    expect(await backend.start()).toBe(true);
    await server.stop('SIGKILL');
    const { ms } = await timed(() => backend.stop());
    expect(ms).toBeLessThan(COMMAND_TIMEOUT + SLACK);
    await server.restart();
  });
});
