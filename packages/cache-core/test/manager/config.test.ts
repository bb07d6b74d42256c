import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { CacheManager } from '../../src/manager/cache-manager.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { CACHE_MANAGER_DEFAULTS, resolveCacheManagerConfig, type CacheManagerConfig } from '../../src/manager/config.js';

describe('CacheManagerConfig', () => {
  it('has the spec defaults (v8 standing in for pickle)', () => {
    const c = resolveCacheManagerConfig();
    expect(c).toMatchObject({
      backendType: 'memory',
      defaultTtl: 300,
      maxEntrySize: 1024 * 1024,
      compressionEnabled: true,
      compressionThreshold: 1024,
      compressionLevel: 6,
      serializationFormat: 'v8',
      prefetchQueueSize: 1000,
      prefetchConcurrency: 4,
    });
    expect(c).toMatchObject(CACHE_MANAGER_DEFAULTS);
  });

  const invalid: [string, CacheManagerConfig, string][] = [
    ['compression level 12', { compressionLevel: 12 }, 'compressionLevel'],
    ['compression level 0', { compressionLevel: 0 }, 'compressionLevel'],
    ['fractional compression level', { compressionLevel: 2.5 }, 'compressionLevel'],
    ['negative TTL', { defaultTtl: -1 }, 'defaultTtl'],
    ['NaN TTL', { defaultTtl: Number.NaN }, 'defaultTtl'],
    ['unknown backend', { backendType: 'disk' as never }, 'backendType'],
    ['pickle', { serializationFormat: 'pickle' as never }, 'serializationFormat'],
    ['zero max entry size', { maxEntrySize: 0 }, 'maxEntrySize'],
    ['negative threshold', { compressionThreshold: -1 }, 'compressionThreshold'],
    ['zero queue size', { prefetchQueueSize: 0 }, 'prefetchQueueSize'],
    ['zero concurrency', { prefetchConcurrency: 0 }, 'prefetchConcurrency'],
    ['a misspelled option', { defaultTTL: 5 } as never, 'defaultTTL'],
    ['a backend without methods', { backend: {} as never }, 'backend'],
    ['a clock without now', { clock: {} as never }, 'clock'],
    ['compressionEnabled as a string', { compressionEnabled: 'yes' as never }, 'compressionEnabled'],
  ];
  it.each(invalid)('%s fails at construction with a ConfigError naming the field', (_label, config, field) => {
    let error: unknown;
    try {
      new CacheManager(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).message.startsWith(`${field}: `)).toBe(true);
  });

  it('rejects invalid memory capacities at construction', () => {
    expect(() => new CacheManager({ backendConfig: { maxEntries: -3 } })).toThrow(/backendConfig\.maxEntries/);
  });
});

describe('backendConfig fields', () => {
  it('a misspelt memory backend option fails at construction instead of leaving the cache unbounded', () => {
    const error = (() => {
      try {
        new CacheManager({ backendConfig: { maxEntires: 10 } as never });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('backendConfig.maxEntires');
    expect((error as ConfigError).message).toContain('known options are maxEntries, maxBytes, initialCapacity');
    expect(() => new MemoryBackend({ maxbytes: 1 } as never)).toThrow(/backendConfig\.maxbytes: unknown option/);
  });

  it('the Redis backend config is checked at construction too (a typo, an impossible port), not first at start()', () => {
    // Named as a field of backendConfig, as the memory backend's are (they read 'prot: …' before).
    expect(() => new CacheManager({ backendType: 'redis', backendConfig: { prot: 6379 } as never })).toThrow(/^backendConfig\.prot: unknown option; known options are url, host, port/);
    expect(() => new CacheManager({ backendType: 'redis', backendConfig: { port: 70_000 } })).toThrow(/^backendConfig\.port: /);
    expect(() => new CacheManager({ backendType: 'redis', backendConfig: { port: 70_000 } })).toThrow(ConfigError);
    expect(() => new CacheManager({ backendType: 'redis', backendConfig: { port: 6380, keyPrefix: 'x:' } })).not.toThrow();
  });

  it('a custom backend reads no backendConfig, so nothing in it is refused', () => {
    expect(() => new CacheManager({ backend: new MemoryBackend(), backendConfig: { anything: 1 } as never })).not.toThrow();
  });
});
