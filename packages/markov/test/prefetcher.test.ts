import { fileURLToPath } from 'node:url';
import { createPolicy, generateCacheKey, generateSessions, loadTrace } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { MarkovPredictor, MarkovPrefetcher, comparePrefetch, toAccessPredictions, toPrefetchRequests } from '../src/index.js';
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

describe('prefetching on the shipped web trace (traces/cache2k-web07.txt, no sessions)', () => {
  it('a lookahead-4 model at threshold 0.3 raises LRU hit ratios at 1%, 5%, 10% and 20% of the objects', async () => {
    const trace = await loadTrace(fileURLToPath(new URL('../../../traces/cache2k-web07.txt', import.meta.url)));
    for (const share of [0.01, 0.05, 0.1, 0.2]) {
      const capacity = Math.floor(trace.keyCount * share);
      const result = comparePrefetch(
        () => createPolicy('lru', { capacity, keySpace: trace.keyCount }),
        () => new MarkovPredictor({ lookahead: 4 }),
        trace.batch,
        { unit: 'objects', prefetch: { threshold: 0.3, maxPrefetches: 2 } },
      );
      expect(result.prefetch.hits, `${capacity} objects`).toBeGreaterThan(result.demand.hits);
      expect(result.coverage).toBeGreaterThan(0);
    }
  });

  it('plain next-request prediction does not help there (interleaved users): it lowers the hit ratio', async () => {
    const trace = await loadTrace(fileURLToPath(new URL('../../../traces/cache2k-web07.txt', import.meta.url)));
    const result = comparePrefetch(
      () => createPolicy('lru', { capacity: 2048, keySpace: trace.keyCount }),
      () => new MarkovPredictor({ order: 2 }),
      trace.batch,
      { unit: 'objects', prefetch: { threshold: 0.3, maxPrefetches: 2 } },
    );
    expect(result.prefetch.hits).toBeLessThan(result.demand.hits);
  });
});

describe('manager adapter', () => {
  const labels = ['/users', '/orders', '/cart'];
  const resolve = (key: number) => (labels[key] ? ([labels[key]!, { id: key }] as const) : undefined);

  it('turns predictions into prefetchMany items [endpoint, params, priority], skipping unresolvable keys', () => {
    const items = toPrefetchRequests(
      [
        { key: 1, probability: 0.6 },
        { key: 9, probability: 0.3 },
        { key: 2, probability: 0.2 },
        { key: 0, probability: 0.05 },
      ],
      resolve,
      { threshold: 0.1, max: 5 },
    );
    expect(items).toEqual([
      ['/orders', { id: 1 }, 0.6],
      ['/cart', { id: 2 }, 0.2],
    ]);
  });

  it('keys access probabilities by the manager cache key for evictLowProbability', () => {
    // stream 0 1 0 2 0: after 0 come 1 and 2 once each (no escape: 1/2 each); 0 itself is not next.
    const predictor = new MarkovPredictor({ escape: false });
    const trace = batchOf([0, 1, 0, 2, 0]);
    for (let i = 0; i < trace.length; i++) predictor.updateBatch(trace, i);
    const map = toAccessPredictions(predictor, [0, 1, 2, 7], resolve, 1);
    expect(map).toEqual(
      new Map([
        [generateCacheKey('/users', { id: 0 }), 0],
        [generateCacheKey('/orders', { id: 1 }), 0.5],
        [generateCacheKey('/cart', { id: 2 }), 0.5],
      ]),
    );
  });
});
