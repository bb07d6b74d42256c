import { createPolicy, generateSessions } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { MarkovPredictor, MarkovPrefetcher, comparePrefetch, toPrefetchItems } from '../src/index.js';
import { batchOf } from './helpers.js';

describe('MarkovPrefetcher in replay', () => {
  it('alternating keys in a 1-object LRU: hand-worked prefetch figures', () => {
    // 0 1 0 1 0 1. Demand-only: 6 misses. With prefetch (threshold 0.5, no escape): cold misses at
    // 0, 1, and 0 (1→0 is learned only then); after t=2 each request prefetches the other key,
    // which the next request hits: 3 misses, 4 prefetches issued (after t = 2..5), 3 useful.
    const trace = batchOf([0, 1, 0, 1, 0, 1]);
    const result = comparePrefetch(
      () => createPolicy('lru', { capacity: 1 }),
      () => new MarkovPredictor({ order: 1, escape: false }),
      trace,
      { unit: 'objects', prefetch: { threshold: 0.5, maxPrefetches: 1 } },
    );
    expect(result.demand.misses).toBe(6);
    expect(result.prefetch.misses).toBe(3);
    expect(result.prefetchesIssued).toBe(4);
    expect(result.prefetchHits).toBe(3);
    expect(result.accuracy).toBe(3 / 4);
    expect(result.coverage).toBe(0.5);
    expect(result.hitRatioGain).toBe(0.5);
    expect(result.prefetchBytes).toBe(4);
    expect(result.extraBytes).toBe(3 + 4 - 6);
  });

  it('hands over only keys at or above the threshold, at most the buffer', () => {
    // After 0 come 1 and 2 twice each: 1/2 each (no escape), 1 first (seen first).
    const trace = batchOf([0, 1, 0, 2, 0, 1, 0, 2, 0]);
    const predictFor = (threshold: number, buffer: number): number[] => {
      const prefetcher = new MarkovPrefetcher(new MarkovPredictor({ escape: false }), { threshold, maxPrefetches: 2 });
      for (let i = 0; i < trace.length; i++) prefetcher.observe(trace, i);
      const out = new Uint32Array(buffer);
      return Array.from(out.subarray(0, prefetcher.predict(out)));
    };
    expect(predictFor(0.6, 2)).toEqual([]);
    expect(predictFor(0.5, 2)).toEqual([1, 2]);
    expect(predictFor(0.5, 1)).toEqual([1]);
    expect(() => new MarkovPrefetcher(new MarkovPredictor(), { threshold: 2 })).toThrow(/threshold/);
  });

  it('raises the hit ratio of a small LRU on the synthetic API-session workload', () => {
    const trace = generateSessions({ requests: 60_000, endpoints: 400, users: 50, seed: 21 });
    const result = comparePrefetch(
      () => createPolicy('lru', { capacity: 40 }),
      () => new MarkovPredictor({ order: 1 }),
      trace.batch,
      { unit: 'objects', prefetch: { threshold: 0.3, maxPrefetches: 2 } },
    );
    expect(result.hitRatioGain).toBeGreaterThan(0.05);
    expect(result.coverage).toBeGreaterThan(0.05);
    expect(result.accuracy).toBeGreaterThan(0.1);
  });
});

describe('manager adapter', () => {
  it('turns predictions into [endpoint, params, priority] items, skipping unresolvable keys', () => {
    const labels = ['/users', '/orders', '/cart'];
    const items = toPrefetchItems(
      [
        { key: 1, probability: 0.6 },
        { key: 9, probability: 0.3 },
        { key: 2, probability: 0.2 },
        { key: 0, probability: 0.05 },
      ],
      (key) => (labels[key] ? ([labels[key]!, { id: key }] as const) : undefined),
      { threshold: 0.1, max: 5 },
    );
    expect(items).toEqual([
      ['/orders', { id: 1 }, 0.6],
      ['/cart', { id: 2 }, 0.2],
    ]);
  });
});
