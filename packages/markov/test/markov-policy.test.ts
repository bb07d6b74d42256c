import { ConfigError, createPolicy, listPolicies, replay, type RequestBatch } from '@cachelab/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarkovPolicy } from '../src/index.js';
import { batchOf } from './helpers.js';

function missesOf(policy: string, batch: RequestBatch, capacity: number): number {
  return replay(createPolicy(policy, { capacity, keySpace: 64 }), batch, { unit: 'objects' }).misses;
}

describe('markov eviction policy', () => {
  it('is registered as "markov" when the package is imported', () => {
    expect(listPolicies().map((p) => p.name)).toContain('markov');
    expect(createPolicy('markov', { capacity: 3 })).toBeInstanceOf(MarkovPolicy);
    expect(() => createPolicy('markov', { capacity: 3, params: { nope: 1 } })).toThrow(/nope/);
  });

  it('checks its parameters as the zoo does: errors name markov.<param>, fractions are refused, not rounded', () => {
    const fieldOf = (params: Record<string, unknown>): string | undefined => {
      try {
        createPolicy('markov', { capacity: 3, params: params as Record<string, number> });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).field;
      }
      return undefined;
    };
    expect(fieldOf({ nope: 1 })).toBe('markov.nope');
    expect(fieldOf({ order: 0 })).toBe('markov.order'); // was rounded up to 1
    expect(fieldOf({ order: 1.5 })).toBe('markov.order'); // was rounded to 2
    expect(fieldOf({ order: 9 })).toBe('markov.order');
    expect(fieldOf({ sample: 0 })).toBe('markov.sample'); // was raised to 1
    expect(fieldOf({ horizon: 2.5 })).toBe('markov.horizon');
    expect(fieldOf({ halfLife: -1 })).toBe('markov.halfLife');
    expect(fieldOf({ maxSuccessors: 256 })).toBe('markov.maxSuccessors');
    expect(fieldOf({ maxStates: 0 })).toBe('markov.maxStates');
    expect(fieldOf({ order: '2' })).toBe('markov.order');
    expect(fieldOf({ order: 2, sample: 8, horizon: 10, halfLife: 0, maxStates: 1024, maxSuccessors: 4 })).toBeUndefined();
  });

  it('keeps the predicted next key on a loop where LRU always misses (hand-worked)', () => {
    // 0 1 2 repeated, 2 slots. LRU misses all 9. Markov: cold 0,1,2 (evicts 0: equal shares,
    // least recently used), then at 0 it knows 0→1 so evicts 2 (1 hits), at 2 it knows 2→0 so
    // evicts 1 (0 hits), at 1 it knows 1→2 so evicts 0 (2 hits): misses at t = 0,1,2,3,5,7.
    const loop = batchOf([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(missesOf('lru', loop, 2)).toBe(9);
    expect(missesOf('markov', loop, 2)).toBe(6);
  });

  it('learns demand requests only, not the lookups that admit a prefetch', () => {
    // A prefetcher that always proposes key 0 (seen at the start): each admission looks 0 up.
    const trace = batchOf([0, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const alwaysZero = { observe: () => undefined, predict: (out: Uint32Array) => ((out[0] = 0), 1) };
    const policy = new MarkovPolicy({ capacity: 2 });
    const r = replay(policy, trace, { unit: 'objects', prefetcher: alwaysZero });
    expect(r.prefetchesIssued).toBeGreaterThan(0);
    expect(policy.predictor.updates).toBe(trace.length); // one update per demand request
    expect(policy.predictor.transitionCount([3], 0)).toBe(0); // 3 → 0 never happened on demand
  });

  it('passes verify() and the simulator invariants on random traces (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(1, 4, 64),
        (keys, capacity, sample) => {
          const batch = batchOf(keys);
          const policy = createPolicy('markov', { capacity, params: { sample, order: 2 } });
          const stats = replay(policy, batch, { unit: 'objects' });
          policy.verify();
          expect(stats.hits + stats.misses).toBe(keys.length);
          expect(policy.count).toBeLessThanOrEqual(capacity);
          const distinct = new Set(keys).size;
          // Never worse than compulsory misses; with room for every key, only compulsory misses.
          expect(stats.misses).toBeGreaterThanOrEqual(distinct);
          if (capacity >= distinct) expect(stats.misses).toBe(distinct);
          // Never better than Belady's optimum.
          const next = new Float64Array(keys.length);
          const seen = new Map<number, number>();
          for (let i = keys.length - 1; i >= 0; i--) {
            next[i] = seen.get(keys[i]!) ?? -1;
            seen.set(keys[i]!, i);
          }
          batch.nextAccess.set(next);
          const optimal = replay(createPolicy('belady', { capacity }), batch, { unit: 'objects' }).misses;
          expect(stats.misses).toBeGreaterThanOrEqual(optimal);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('respects byte capacities with mixed sizes', () => {
    const keys = [0, 1, 2, 3, 0, 1, 4, 2, 0, 3, 1, 0];
    const sizes = keys.map((k) => 10 * (k + 1));
    const policy = createPolicy('markov', { capacity: 60 });
    const stats = replay(policy, batchOf(keys, undefined, sizes), { unit: 'bytes' });
    policy.verify();
    expect(policy.used).toBeLessThanOrEqual(60);
    expect(stats.requests).toBe(keys.length);
  });
});
