/** Redis backends for the tests: each gets its own key prefix and cleans only its own keys. */
import { RedisBackend, type RedisBackendLogger, type RedisConfig } from '../../src/backends/redis.js';
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
