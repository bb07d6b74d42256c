/** Review of today's manager, policy and trace changes: each case pins a suspicion that was tried. */
import { describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { CacheManager } from '../../src/manager/cache-manager.js';
import { createPolicy } from '../../src/policies/registry.js';
import '../../src/policies/index.js';
import { replay } from '../../src/sim/replay.js';
import { batchOf } from '../policies/helpers.js';
import { AsyncBackend, RecordingLogger, startedManager } from './helpers.js';

describe('getSync before start() and after stop()', () => {
  it('a custom synchronous backend: getSync misses before start() as get does, instead of throwing that it answers with Promises', async () => {
    const manager = new CacheManager({ backend: new MemoryBackend(), logger: new RecordingLogger() });
    expect(await manager.get('k', 'default')).toBe('default');
    expect(manager.getSync('k', 'default')).toBe('default');
    await manager.start();
    await manager.set('k', 'v');
    expect(manager.getSync('k')).toBe('v');
    await manager.stop();
    expect(manager.getSync('k', 'off')).toBe('off');
    expect(await manager.getMetrics()).toMatchObject({ hits: 1, misses: 3 });
  });

  it('a custom backend that answers with Promises is still refused before start()', () => {
    const manager = new CacheManager({ backend: new AsyncBackend(), logger: new RecordingLogger() });
    expect(() => manager.getSync('k')).toThrow(/backend "async-memory" answers with Promises/);
  });
});

describe('prefetch skip of cached keys', () => {
  it('a key set while its prefetch is being fetched keeps the set value (the fetch result is stale), and nothing is counted skipped', async () => {
    let finish!: (value: string) => void;
    const { manager } = await startedManager({ prefetchFetcher: () => new Promise<string>((resolve) => (finish = resolve)) });
    manager.prefetch('/k');
    await new Promise((resolve) => setImmediate(resolve));
    await manager.set('/k', 'demand');
    finish('prefetched');
    await manager.drainPrefetchQueue();
    expect(await manager.getEntry('/k')).toMatchObject({ value: 'demand', prefetched: false });
    expect(await manager.getMetrics()).toMatchObject({ prefetchesSkipped: 0, prefetchesStored: 0, staleResultsDropped: 1, prefetchHits: 0 });
  });
});

describe('SegmentedPolicy: key-indexed arrays grown past the initial key space', () => {
  // Keys far beyond keySpace 16 force several growKeys calls (S3-FIFO also grows freq).
  const keys = Array.from({ length: 6_000 }, (_, i) => ((i * 7919) % 2_503) ^ (i % 5 === 0 ? 0 : i % 37));
  for (const name of ['slru', '2q', 'arc', 's3fifo', 'wtinylfu']) {
    it(`${name}: growing from keySpace 16 gives the misses of a policy sized for every key, and verify() passes`, () => {
      const grown = createPolicy(name, { capacity: 64, keySpace: 16 });
      const sized = createPolicy(name, { capacity: 64, keySpace: 4_096 });
      const batch = batchOf(keys);
      const a = replay(grown, batch, { unit: 'objects' });
      const b = replay(sized, batch, { unit: 'objects' });
      (grown as unknown as { verify(): void }).verify();
      expect(a.misses).toBe(b.misses);
      expect(a.misses).toBeGreaterThan(0);
    });
  }
});

describe('readParams (exported today for policies built elsewhere)', () => {
  it('a parameter named like an Object.prototype member is unknown, not "expected a undefined"', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(() => createPolicy('lru', { capacity: 4, params: { [name]: 1 } }), name).toThrow(/unknown parameter for policy "lru"; it takes no parameters/);
      expect(() => createPolicy('slru', { capacity: 4, params: { [name]: 1 } }), name).toThrow(/unknown parameter for policy "slru"; known parameters: protectedRatio/);
    }
  });
});

describe('prefetchTimeout with a fetcher that honours its signal', () => {
  it('a fetch that rejects when aborted is one failure, and a start() right after the stop() fetches again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let calls = 0;
      const { manager, logger } = await startedManager({
        prefetchTimeout: 1,
        prefetchFetcher: (_endpoint, _params, { signal }) => {
          calls++;
          if (calls > 1) return 'second';
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
        },
      });
      manager.prefetch('/slow');
      await vi.advanceTimersByTimeAsync(0);
      const stopped = manager.stop();
      await vi.advanceTimersByTimeAsync(1_000);
      await stopped;
      expect(await manager.getMetrics()).toMatchObject({ prefetchFailures: 1, prefetchesStored: 0 });
      expect(logger.at('warn')).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
      await manager.start();
      manager.prefetch('/slow');
      await manager.drainPrefetchQueue();
      expect(await manager.get('/slow')).toBe('second');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
