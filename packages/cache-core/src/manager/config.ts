/**
 * `CacheManagerConfig`: what the user writes, with a documented default for each field, and its
 * validation into a fully defaulted `ResolvedCacheManagerConfig`. Invalid values fail at
 * construction with a `ConfigError` naming the field.
 */
import type { CacheBackend } from '../backends/backend.js';
import { MEMORY_BACKEND_CONFIG_FIELDS, type MemoryBackendConfig } from '../backends/memory.js';
import { resolveRedisConfig, type RedisConfig } from '../backends/redis-config.js';
import { ConfigError } from '../errors.js';
import { rejectUnknownFields } from '../known-fields.js';
import { systemClock, type Clock } from './clock.js';
import { createConsoleLogger, type CacheLogger } from './logger.js';
import type { PrefetchFetcher } from './prefetch-worker.js';

export type BackendType = 'memory' | 'redis';
export type SerializationFormat = 'v8' | 'json';

export const BACKEND_TYPES: readonly BackendType[] = ['memory', 'redis'];
export const SERIALIZATION_FORMATS: readonly SerializationFormat[] = ['v8', 'json'];

export interface CacheManagerConfig {
  /** Built-in backend: `memory` (default) or `redis` (loaded on `start()`). Ignored when `backend` is given. */
  backendType?: BackendType;
  /** Options of the built-in backend: `MemoryBackendConfig` (maxEntries, maxBytes) or `RedisConfig`. */
  backendConfig?: MemoryBackendConfig | RedisConfig;
  /** Your own `CacheBackend` instance; takes precedence over `backendType`. */
  backend?: CacheBackend;
  /** Time to live in seconds for `set` / `getOrSet` without a `ttl`. 0 = never expires. Default 300. */
  defaultTtl?: number;
  /** Largest encoded entry (marker byte + payload, after compression) in bytes. Default 1 MiB. */
  maxEntrySize?: number;
  /** Try zlib on serialized values of at least `compressionThreshold` bytes. Default true. */
  compressionEnabled?: boolean;
  /** Serialized size in bytes from which compression is tried. Default 1024. */
  compressionThreshold?: number;
  /** zlib level, 1 (fastest) to 9 (smallest). Default 6. */
  compressionLevel?: number;
  /** `v8` (structured clone: Map, Set, Date, BigInt, typed arrays, cycles; default) or `json`. */
  serializationFormat?: SerializationFormat;
  /** Most queued prefetches; beyond it the lowest priority is dropped. Default 1000. */
  prefetchQueueSize?: number;
  /** Fetches the data for a queued prefetch; with it, the prefetch worker runs while the manager runs. */
  prefetchFetcher?: PrefetchFetcher;
  /** Prefetches fetched at the same time. Default 4. */
  prefetchConcurrency?: number;
  /**
   * Seconds a prefetch fetch may take: past it the fetch's `signal` aborts, the prefetch counts
   * as failed and whatever it returns later is not stored. 0 = no limit. Default 30.
   */
  prefetchTimeout?: number;
  /** Time source for TTLs (ms). Default `Date.now`. */
  clock?: Clock;
  /** Where the manager logs. Default: console, warn and above. */
  logger?: CacheLogger;
}

export interface ResolvedCacheManagerConfig {
  backendType: BackendType;
  backendConfig: MemoryBackendConfig | RedisConfig;
  backend: CacheBackend | undefined;
  defaultTtl: number;
  maxEntrySize: number;
  compressionEnabled: boolean;
  compressionThreshold: number;
  compressionLevel: number;
  serializationFormat: SerializationFormat;
  prefetchQueueSize: number;
  prefetchFetcher: PrefetchFetcher | undefined;
  prefetchConcurrency: number;
  prefetchTimeout: number;
  clock: Clock;
  logger: CacheLogger;
}

export const CACHE_MANAGER_DEFAULTS = {
  backendType: 'memory',
  defaultTtl: 300,
  maxEntrySize: 1024 * 1024,
  compressionEnabled: true,
  compressionThreshold: 1024,
  compressionLevel: 6,
  serializationFormat: 'v8',
  prefetchQueueSize: 1000,
  prefetchConcurrency: 4,
  prefetchTimeout: 30,
} as const satisfies Partial<ResolvedCacheManagerConfig>;

const KNOWN_FIELDS = new Set<string>([
  'backendType', 'backendConfig', 'backend', 'defaultTtl', 'maxEntrySize', 'compressionEnabled',
  'compressionThreshold', 'compressionLevel', 'serializationFormat', 'prefetchQueueSize',
  'prefetchFetcher', 'prefetchConcurrency', 'prefetchTimeout', 'clock', 'logger',
]);

function nonNegative(field: string, value: number, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, `must be a finite number of ${unit} >= 0, got ${String(value)}`);
  }
  return value;
}

/** Node's timers hold at most 2^31 − 1 ms; a longer delay fires after 1 ms instead. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function timerSeconds(field: string, value: number): number {
  nonNegative(field, value, 'seconds');
  if (value > MAX_TIMER_SECONDS) throw new ConfigError(field, `must be at most ${MAX_TIMER_SECONDS} seconds (about 24.8 days, the longest timer Node keeps), got ${value}; 0 = no limit`);
  return value;
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(field, `must be an integer >= 1, got ${String(value)}`);
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new ConfigError(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((n) => typeof (value as Record<string, unknown>)[n] === 'function');
}

/** Validates `config` and fills in defaults. Throws `ConfigError` naming the first bad field. */
export function resolveCacheManagerConfig(config: CacheManagerConfig = {}): ResolvedCacheManagerConfig {
  rejectUnknownFields(config, KNOWN_FIELDS);
  const d = CACHE_MANAGER_DEFAULTS;
  const compressionLevel = config.compressionLevel ?? d.compressionLevel;
  if (!Number.isInteger(compressionLevel) || compressionLevel < 1 || compressionLevel > 9) {
    throw new ConfigError('compressionLevel', `must be an integer from 1 (fastest) to 9 (smallest), got ${String(compressionLevel)}`);
  }
  const backend = config.backend;
  if (backend !== undefined && !hasMethods(backend, ['start', 'stop', 'get', 'set', 'delete', 'evictLru', 'evictKeys', 'keys', 'stats'])) {
    throw new ConfigError('backend', 'must implement CacheBackend (start, stop, get, set, delete, evictLru, evictKeys, keys, stats, ...)');
  }
  const clock = config.clock ?? systemClock;
  if (!hasMethods(clock, ['now'])) throw new ConfigError('clock', 'must be an object with a now() method returning milliseconds');
  const logger = config.logger ?? createConsoleLogger('warn');
  if (!hasMethods(logger, ['debug', 'info', 'warn', 'error'])) throw new ConfigError('logger', 'must have debug, info, warn and error methods');
  const fetcher = config.prefetchFetcher;
  if (fetcher !== undefined && typeof fetcher !== 'function') throw new ConfigError('prefetchFetcher', 'must be a function (endpoint, params, { signal }) => data');
  const backendConfig = config.backendConfig ?? {};
  if (typeof backendConfig !== 'object' || backendConfig === null) throw new ConfigError('backendConfig', 'must be an object');
  // A custom backend reads no backendConfig; the built-in ones refuse fields they do not know.
  const backendType = oneOf('backendType', config.backendType ?? d.backendType, BACKEND_TYPES);
  if (backend === undefined && backendType === 'memory') rejectUnknownFields(backendConfig, MEMORY_BACKEND_CONFIG_FIELDS, 'backendConfig.');
  if (backend === undefined && backendType === 'redis') {
    // Fails here, not at start(), and names the field as the memory backend's errors do.
    try {
      resolveRedisConfig(backendConfig as RedisConfig);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`backendConfig.${error.field}`, error.detail);
      throw error;
    }
  }
  const maxEntrySize = positiveInteger('maxEntrySize', config.maxEntrySize ?? d.maxEntrySize);
  if (maxEntrySize > 0xffffffff) throw new ConfigError('maxEntrySize', `must be at most 4 GiB - 1, got ${maxEntrySize}`);
  const compressionEnabled = config.compressionEnabled ?? d.compressionEnabled;
  if (typeof compressionEnabled !== 'boolean') throw new ConfigError('compressionEnabled', `must be true or false, got ${JSON.stringify(compressionEnabled)}`);
  return {
    backendType,
    backendConfig,
    backend,
    defaultTtl: nonNegative('defaultTtl', config.defaultTtl ?? d.defaultTtl, 'seconds'),
    maxEntrySize,
    compressionEnabled,
    compressionThreshold: nonNegative('compressionThreshold', config.compressionThreshold ?? d.compressionThreshold, 'bytes'),
    compressionLevel,
    serializationFormat: oneOf('serializationFormat', config.serializationFormat ?? d.serializationFormat, SERIALIZATION_FORMATS),
    prefetchQueueSize: positiveInteger('prefetchQueueSize', config.prefetchQueueSize ?? d.prefetchQueueSize),
    prefetchFetcher: fetcher,
    prefetchConcurrency: positiveInteger('prefetchConcurrency', config.prefetchConcurrency ?? d.prefetchConcurrency),
    prefetchTimeout: timerSeconds('prefetchTimeout', config.prefetchTimeout ?? d.prefetchTimeout),
    clock,
    logger,
  };
}
