/** Test helpers for the CacheManager tests: a recording logger and backend wrappers. */
import type { BackendEntry, BackendSetOptions, BackendStats, CacheBackend } from '../../src/backends/backend.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { CacheManager } from '../../src/manager/cache-manager.js';
import { ManualClock } from '../../src/manager/clock.js';
import type { CacheManagerConfig } from '../../src/manager/config.js';
import type { CacheLogger } from '../../src/manager/logger.js';

export class RecordingLogger implements CacheLogger {
  readonly lines: { level: string; message: string; detail: unknown }[] = [];
  debug(message: string, detail?: unknown) {
    this.lines.push({ level: 'debug', message, detail });
  }
  info(message: string, detail?: unknown) {
    this.lines.push({ level: 'info', message, detail });
  }
  warn(message: string, detail?: unknown) {
    this.lines.push({ level: 'warn', message, detail });
  }
  error(message: string, detail?: unknown) {
    this.lines.push({ level: 'error', message, detail });
  }
  at(level: string): string[] {
    return this.lines.filter((l) => l.level === level).map((l) => l.message);
  }
}

/** A started manager on a memory backend with a manual clock and a recording logger. */
export async function startedManager(config: CacheManagerConfig = {}) {
  const clock = new ManualClock(1_000_000);
  const logger = new RecordingLogger();
  const manager = new CacheManager({ clock, logger, ...config });
  const started = await manager.start();
  if (!started) throw new Error('manager did not start');
  return { manager, clock, logger };
}

/** Wraps a backend so every answer is a Promise, as a remote backend's would be. */
export class AsyncBackend implements CacheBackend {
  readonly name = 'async-memory';
  constructor(readonly inner: MemoryBackend = new MemoryBackend()) {}
  start() {
    return this.inner.start();
  }
  stop() {
    return this.inner.stop();
  }
  async get(key: string): Promise<BackendEntry | undefined> {
    await Promise.resolve();
    return this.inner.get(key);
  }
  async set(key: string, value: Uint8Array, options?: BackendSetOptions) {
    await Promise.resolve();
    return this.inner.set(key, value, options);
  }
  async delete(key: string) {
    return this.inner.delete(key);
  }
  async getMany(keys: readonly string[]) {
    return this.inner.getMany(keys);
  }
  async setMany(entries: readonly { key: string; value: Uint8Array; options?: BackendSetOptions }[]) {
    return this.inner.setMany(entries);
  }
  async evictLru(count: number) {
    return this.inner.evictLru(count);
  }
  async evictKeys(keys: readonly string[]) {
    return this.inner.evictKeys(keys);
  }
  async keys() {
    return this.inner.keys();
  }
  async stats(): Promise<BackendStats> {
    return this.inner.stats();
  }
  async clear() {
    this.inner.clear();
  }
}

/** A backend whose start() resolves false (a server that cannot be reached). */
export class UnreachableBackend extends AsyncBackend {
  override async start() {
    return false;
  }
}

/** A backend whose operations all throw after start (a connection lost mid-flight). */
export class FailingBackend extends AsyncBackend {
  override async get(): Promise<BackendEntry | undefined> {
    throw new Error('connection reset');
  }
  override async set(): Promise<boolean> {
    throw new Error('connection reset');
  }
  override async delete(): Promise<boolean> {
    throw new Error('connection reset');
  }
}
