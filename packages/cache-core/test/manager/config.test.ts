import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { CacheManager } from '../../src/manager/cache-manager.js';
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
