/**
 * Audit of `runValidation()`: each check must FAIL when the behaviour it names is broken. Each
 * test breaks one behaviour of the real code for its duration (a spy or a flag in a wrapped
 * module) and asserts that the check that names it, and only it, fails.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { CacheManager } from '../../src/manager/cache-manager.js';
import { runValidation } from '../../src/manager/validate.js';

const broken = vi.hoisted(() => ({ ignoreThreshold: false }));

// "Compression ignores its threshold": every value is tried with zlib, whatever its size.
vi.mock('../../src/manager/codec.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/manager/codec.js')>();
  class Codec extends original.Codec {
    constructor(options: ConstructorParameters<typeof original.Codec>[0]) {
      super(broken.ignoreThreshold ? { ...options, compressionThreshold: 0 } : options);
    }
  }
  return { ...original, Codec };
});

afterEach(() => {
  vi.restoreAllMocks();
  broken.ignoreThreshold = false;
});

async function failedChecks(): Promise<string[]> {
  const checks = await runValidation({ requests: 300 });
  // 300 requests: the hit-rate check fails on cold misses anyway; it is left out of the comparison.
  return checks.filter((c) => !c.passed && !c.name.startsWith('hit rate')).map((c) => c.name);
}

describe('validate: each check fails when its behaviour breaks', () => {
  it('passes everything but the short-workload hit rate on the real code', async () => {
    expect(await failedChecks()).toEqual([]);
  });

  it('FIFO ties: a queue that serves equal priorities last-in first-out fails the prefetch-queue check', async () => {
    const real = CacheManager.prototype.getPrefetchQueue;
    vi.spyOn(CacheManager.prototype, 'getPrefetchQueue').mockImplementation(function (this: CacheManager) {
      const items = real.call(this);
      // Reverse the arrival order within each run of equal priorities.
      const out: typeof items = [];
      for (let i = 0; i < items.length; ) {
        let j = i;
        while (j < items.length && items[j]!.priority === items[i]!.priority) j++;
        out.push(...items.slice(i, j).reverse());
        i = j;
      }
      return out;
    });
    expect(await failedChecks()).toEqual(['prefetch queue: priority order, FIFO ties, merge, bound']);
  });

  it('bound: a full queue that refuses a higher-priority item (instead of dropping its lowest) fails the prefetch-queue check', async () => {
    const real = CacheManager.prototype.prefetch;
    vi.spyOn(CacheManager.prototype, 'prefetch').mockImplementation(function (this: CacheManager, ...args: Parameters<CacheManager['prefetch']>) {
      const inner = (this as unknown as { queue: { capacity?: number; dropped: number; snapshot(): { endpoint: string }[] } }).queue;
      const queued = inner.snapshot();
      if (queued.length >= 5 && !queued.some((item) => item.endpoint === args[0])) {
        inner.dropped++; // counted as a drop, as the real queue does
        return 'dropped';
      }
      return real.apply(this, args);
    });
    expect(await failedChecks()).toEqual(['prefetch queue: priority order, FIFO ties, merge, bound']);
  });

  it('evictLru taking the most recently used entries fails the eviction-control check', async () => {
    vi.spyOn(MemoryBackend.prototype, 'evictLru').mockImplementation(function (this: MemoryBackend, count: number) {
      return this.evictKeys(this.keys().reverse().slice(0, count));
    });
    expect(await failedChecks()).toEqual(['eviction control: evictLru and evictLowProbability']);
  });

  it('a read that does not refresh LRU order fails the eviction-control check', async () => {
    const getLatin1 = MemoryBackend.prototype.getLatin1;
    vi.spyOn(MemoryBackend.prototype, 'getLatin1').mockImplementation(function (this: MemoryBackend, key: string) {
      const order = this.keys();
      const entry = getLatin1.call(this, key);
      // Put every other key back in front of it: the read leaves the key where it was.
      const rank = order.indexOf(key);
      if (entry !== undefined && rank >= 0) {
        for (const other of order.slice(rank + 1)) getLatin1.call(this, other);
      }
      return entry;
    });
    const failed = await failedChecks();
    expect(failed).toContain('eviction control: evictLru and evictLowProbability');
  });

  it('a prefetched entry credited on every read (not once) fails the prefetch-worker check', async () => {
    const getLatin1 = MemoryBackend.prototype.getLatin1;
    const prefetched = new Set<string>();
    vi.spyOn(MemoryBackend.prototype, 'getLatin1').mockImplementation(function (this: MemoryBackend, key: string) {
      const entry = getLatin1.call(this, key);
      if (entry?.prefetched) prefetched.add(key);
      return entry && prefetched.has(key) ? { ...entry, prefetched: true } : entry;
    });
    expect(await failedChecks()).toEqual(['prefetch worker stores under generateCacheKey, counts hits']);
  });

  it('compression that ignores its threshold fails the compression-skipped check', async () => {
    broken.ignoreThreshold = true;
    expect(await failedChecks()).toEqual(['compression is skipped when it does not pay']);
  });
});
