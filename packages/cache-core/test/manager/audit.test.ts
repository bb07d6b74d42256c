/**
 * Regression tests from an audit of the CacheManager and the in-memory backend: each one failed
 * before the fix it names.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { ManualClock } from '../../src/manager/clock.js';
import { InvalidArgumentError } from '../../src/manager/errors.js';
import { startedManager } from './helpers.js';

describe('audit: getOrSet', () => {
  it('a factory that throws synchronously does not poison the key for later calls', async () => {
    const { manager } = await startedManager();
    await expect(
      manager.getOrSet('k', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    let calls = 0;
    const value = await manager.getOrSet('k', () => {
      calls++;
      return 'fresh';
    });
    expect(value).toBe('fresh');
    expect(calls).toBe(1);
    expect(await manager.get('k')).toBe('fresh');
  });

  it('an invalid ttl is a rejected Promise, not a synchronous throw', async () => {
    const { manager } = await startedManager();
    let thrown: unknown;
    let result: Promise<unknown> | undefined;
    try {
      result = manager.getOrSet('k', () => 1, { ttl: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeUndefined();
    await expect(result).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('audit: metrics', () => {
  it('compressionCount / compressionRatio count only values actually stored', async () => {
    // Compresses (400 serialized bytes → a few dozen) but stays above maxEntrySize 20: refused.
    const { manager } = await startedManager({ maxEntrySize: 20, compressionThreshold: 10, serializationFormat: 'json' });
    expect(await manager.set('big', 'abcdefghij'.repeat(40))).toBe(false);
    const m = await manager.getMetrics();
    expect(m.oversizedEntries).toBe(1);
    expect(m.currentEntries).toBe(0);
    expect(m.compressionCount).toBe(0);
    expect(m.compressionRatio).toBe(0);
  });

  it('compressionCount does not count a compressed value the backend refused', async () => {
    const { manager } = await startedManager({ backendConfig: { maxBytes: 10 }, compressionThreshold: 10, serializationFormat: 'json' });
    expect(await manager.set('big', 'abcdefghij'.repeat(40))).toBe(false);
    const m = await manager.getMetrics();
    expect(m.rejectedSets).toBe(1);
    expect(m.compressionCount).toBe(0);
  });

  it('a value the backend refuses is logged at warn', async () => {
    const { manager, logger } = await startedManager({ backendConfig: { maxBytes: 10 }, serializationFormat: 'json', compressionEnabled: false });
    expect(await manager.set('big', 'x'.repeat(50))).toBe(false);
    expect(logger.at('warn').some((line) => line.includes('"big"'))).toBe(true);
  });
});

describe('audit: stop() with prefetches in flight', () => {
  it('waits for the fetches in flight and stores their results', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { manager } = await startedManager({
      prefetchFetcher: async (endpoint) => {
        await gate;
        return `data:${endpoint}`;
      },
    });
    manager.prefetch('/a');
    const stopped = manager.stop();
    release();
    await stopped;
    const m = await manager.getMetrics();
    expect(m.prefetchFailures).toBe(0);
    expect(m.rejectedSets).toBe(0);
    expect(m.prefetchesStored).toBe(1);
    await manager.start();
    expect(await manager.get('/a')).toBe('data:/a');
  });

  it('concurrent stop() calls stop the backend once', async () => {
    const { manager, logger } = await startedManager();
    await Promise.all([manager.stop(), manager.stop()]);
    expect(logger.at('info').filter((line) => line === 'cache manager: stopped')).toHaveLength(1);
    expect(manager.isRunning).toBe(false);
  });
});

describe('audit: memory backend', () => {
  it('overwriting an entry whose TTL has passed counts an expiration (as the Redis backend does)', () => {
    const clock = new ManualClock(0);
    const backend = new MemoryBackend({}, { clock });
    backend.set('k', new Uint8Array(4), { ttlMs: 1000 });
    clock.advance(1000);
    backend.set('k', new Uint8Array(8));
    expect(backend.stats()).toMatchObject({ entries: 1, sizeBytes: 8, expirations: 1, evictions: 0 });
    backend.verify();
  });
});

describe('audit: getOrSet after an invalidation', () => {
  it('a call made after delete() does not join a factory run that started before it', async () => {
    const { manager } = await startedManager();
    let release!: (value: string) => void;
    const first = manager.getOrSet('k', () => new Promise<string>((resolve) => (release = resolve)));
    await Promise.resolve();
    expect(await manager.delete('k')).toBe(false); // an invalidation while the old data loads
    let calls = 0;
    const second = manager.getOrSet('k', () => {
      calls++;
      return 'new';
    });
    release('old');
    expect(await first).toBe('old');
    expect(await second).toBe('new');
    expect(calls).toBe(1);
    expect(await manager.get('k')).toBe('new');
    const m = await manager.getMetrics();
    expect(m.staleResultsDropped).toBe(1);
    // The newer run is still shared by its own concurrent callers.
    let release2!: (value: string) => void;
    await manager.delete('j');
    const a = manager.getOrSet('j', () => new Promise<string>((resolve) => (release2 = resolve)));
    const b = manager.getOrSet('j', () => 'not called');
    release2('shared');
    expect(await Promise.all([a, b])).toEqual(['shared', 'shared']);
  });
});

describe('audit: generateCacheKey', () => {
  it('different Map / Set params never share a key (refused, not written as {})', async () => {
    const { generateCacheKey } = await import('../../src/manager/keys.js');
    expect(() => generateCacheKey('/a', { m: new Map([[1, 2]]) })).toThrow(InvalidArgumentError);
    expect(() => generateCacheKey('/a', { nested: { s: new Set([1]) } })).toThrow(InvalidArgumentError);
    expect(generateCacheKey('/a', { o: {} })).toBe('/a|o={}');
  });

  it('an invalid Date is an InvalidArgumentError naming the param', async () => {
    const { generateCacheKey } = await import('../../src/manager/keys.js');
    expect(() => generateCacheKey('/a', { d: new Date(Number.NaN) })).toThrow(InvalidArgumentError);
    expect(() => generateCacheKey('/a', { o: { d: new Date(Number.NaN) } })).toThrow(/params\.o\.d/);
  });
});

describe('audit: metrics after stop()', () => {
  it('evictions, expirations and wastedPrefetches do not fall back to 0 once stopped', async () => {
    const { manager, clock } = await startedManager({ backendConfig: { maxEntries: 1 } });
    await manager.set('a', 1, { ttl: 1 });
    await manager.set('b', 2); // evicts a
    await manager.set('c', 3, { ttl: 1 }); // evicts b
    clock.advance(1000);
    expect(await manager.get('c')).toBeUndefined(); // expired
    const before = await manager.getMetrics();
    expect(before).toMatchObject({ evictions: 2, expirations: 1 });
    await manager.stop();
    const after = await manager.getMetrics();
    expect(after).toMatchObject({ evictions: 2, expirations: 1, wastedPrefetches: 0 });
  });
});
