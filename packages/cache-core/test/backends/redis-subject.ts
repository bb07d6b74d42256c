/** Redis backends for the tests: each gets its own key prefix and cleans only its own keys. */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { RedisBackend, type RedisBackendLogger, type RedisConfig } from '../../src/backends/redis.js';
import { RedisServer } from '../helpers/redis-server.js';
import type { ContractSubject } from './contract.js';

let counter = 0;

/** A key prefix no other test uses. */
export function uniquePrefix(label = 't'): string {
  counter++;
  return `cachelab-test:${label}:${process.pid}:${counter}:`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Collects log lines instead of printing them. */
export class RecordingLogger implements RedisBackendLogger {
  readonly warnings: string[] = [];
  readonly infos: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  info(message: string): void {
    this.infos.push(message);
  }
}

export function redisSubject(config: RedisConfig, logger = new RecordingLogger()): ContractSubject & { backend: RedisBackend } {
  const backend = new RedisBackend({ keyPrefix: uniquePrefix(), ...config }, { logger });
  return {
    backend,
    // Redis expires by its own clock: real time has to pass.
    advance: (ms) => sleep(ms),
    async dispose() {
      await backend.clear();
      await backend.stop();
    },
  };
}

/**
 * Per test file (call at its top level): one redis-server on a free loopback port, a raw ioredis
 * client to inspect it, and `started(config)`, a started backend with its own prefix that is
 * cleared and stopped after each test.
 */
export function useRedisServer() {
  const fixture = {
    server: undefined as unknown as RedisServer,
    raw: undefined as unknown as Redis,
    async started(config: RedisConfig = {}): Promise<RedisBackend> {
      const subject = redisSubject({ host: fixture.server.host, port: fixture.server.port, ...config });
      disposers.push(subject.dispose);
      expect(await subject.backend.start()).toBe(true);
      return subject.backend;
    },
  };
  const disposers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    fixture.server = await RedisServer.start();
    fixture.raw = new Redis({ host: fixture.server.host, port: fixture.server.port, lazyConnect: true });
    await fixture.raw.connect();
  });
  afterAll(async () => {
    fixture.raw?.disconnect();
    await fixture.server?.dispose();
  });
  afterEach(async () => {
    await Promise.all(disposers.splice(0).map((dispose) => dispose()));
  });
  return fixture;
}
