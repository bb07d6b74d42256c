import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/manager/errors.js';
import { AsyncBackend, startedManager } from './helpers.js';

async function cachedKeys(manager: Awaited<ReturnType<typeof startedManager>>['manager']): Promise<string[]> {
  return [...(await manager.currentBackend!.keys())];
}

describe('CacheManager: eviction control', () => {
  it('evictLru removes the least recently used entries and returns how many', async () => {
    const { manager, logger } = await startedManager();
    for (const key of ['a', 'b', 'c', 'd']) await manager.set(key, key);
    await manager.get('a');
    expect(await manager.evictLru(2)).toBe(2);
    expect(await cachedKeys(manager)).toEqual(['d', 'a']);
    expect(await manager.evictLru(10)).toBe(2);
    expect(await manager.evictLru(10)).toBe(0);
    expect(await manager.evictLru(0)).toBe(0);
    expect((await manager.getMetrics()).evictions).toBe(4);
    expect(logger.at('info').filter((m) => m.includes('evicted'))).toEqual([
      'cache manager: evicted 2 least-recently-used entries',
      'cache manager: evicted 2 least-recently-used entries',
    ]);
  });

  it('evictLowProbability evicts the lowest predicted probabilities first (spec example)', async () => {
    const { manager } = await startedManager();
    for (const key of ['/api/users/1', '/api/users/2', '/api/users/3']) await manager.set(key, key);
    const predictions = { '/api/users/1': 0.1, '/api/users/2': 0.8, '/api/users/3': 0.05 };
    expect(await manager.evictLowProbability(predictions, 2)).toBe(2);
    expect(await cachedKeys(manager)).toEqual(['/api/users/2']);
  });

  it('cached keys absent from the predictions count as probability 0; ties go least recently used first', async () => {
    const { manager } = await startedManager();
    for (const key of ['p1', 'x', 'p2', 'y', 'z']) await manager.set(key, 1);
    await manager.get('x'); // LRU order: p1 p2 y z x
    const predictions = new Map([
      ['p1', 0.3],
      ['p2', 0.3],
      ['not-cached', 0],
    ]);
    expect(await manager.evictLowProbability(predictions, 2)).toBe(2); // y, z (unpredicted, LRU first)
    expect(await cachedKeys(manager)).toEqual(['p1', 'p2', 'x']);
    expect(await manager.evictLowProbability(predictions, 2)).toBe(2); // x (unpredicted), then p1 (tie with p2, older)
    expect(await cachedKeys(manager)).toEqual(['p2']);
    expect(await manager.evictLowProbability(predictions, 5)).toBe(1);
    expect((await manager.getMetrics()).evictions).toBe(5);
  });

  it('ignores predictions for keys not cached, and inherited object properties', async () => {
    const { manager } = await startedManager();
    await manager.set('toString', 1);
    await manager.set('b', 1);
    // 'toString' is not an own property of the predictions object: probability 0.
    expect(await manager.evictLowProbability({ b: 0.5, ghost: 0 }, 1)).toBe(1);
    expect(await cachedKeys(manager)).toEqual(['b']);
  });

  it('works through an asynchronous backend and rejects a non-numeric probability', async () => {
    const { manager } = await startedManager({ backend: new AsyncBackend() });
    for (const key of ['a', 'b', 'c']) await manager.set(key, 1);
    expect(await manager.evictLowProbability({ a: 0.9, b: 0.2, c: 0.5 }, 1)).toBe(1);
    expect(await cachedKeys(manager)).toEqual(['a', 'c']);
    await expect(manager.evictLowProbability({ a: 'high' as never }, 1)).rejects.toThrow(InvalidArgumentError);
  });

  it('an evicted prefetched entry that was never read counts as a wasted prefetch', async () => {
    const { manager } = await startedManager({ prefetchFetcher: (endpoint) => `data for ${endpoint}` });
    manager.prefetchMany([['/a'], ['/b']]);
    await manager.drainPrefetchQueue();
    await manager.get('/a');
    expect(await manager.evictLowProbability({}, 2)).toBe(2);
    expect(await manager.getMetrics()).toMatchObject({ wastedPrefetches: 1, prefetchHits: 1, evictions: 2 });
  });
});
