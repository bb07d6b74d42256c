import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { NO_NEXT_ACCESS, allocateBatch, computeNextAccess, reuseDistances, traceStats, type RequestBatch } from '../../src/index.js';

function batchOf(keys: number[], sizes?: number[]): RequestBatch {
  const batch = allocateBatch(keys.length);
  batch.length = keys.length;
  keys.forEach((k, i) => {
    batch.key[i] = k;
    batch.size[i] = sizes?.[i] ?? 1;
  });
  return batch;
}

/** O(n²) reference: distinct keys strictly between the previous request of the same key and this one. */
function naiveReuseDistances(keys: number[]): number[] {
  return keys.map((key, i) => {
    let p = i - 1;
    while (p >= 0 && keys[p] !== key) p--;
    if (p < 0) return -1;
    return new Set(keys.slice(p + 1, i)).size;
  });
}

describe('traceStats', () => {
  it('on a hand-worked trace', () => {
    // a b c a b d a   (sizes 10 20 30 10 25 5 10)
    const stats = traceStats(batchOf([0, 1, 2, 0, 1, 3, 0], [10, 20, 30, 10, 25, 5, 10]));
    expect(stats.requests).toBe(7);
    expect(stats.distinctObjects).toBe(4);
    expect(stats.bytes).toBe(110);
    expect(stats.distinctBytes).toBe(65);
    expect(stats.oneHitWonders).toBe(2); // c and d
    expect(stats.oneHitWonderRatio).toBe(0.5);
    expect(stats.sessions).toBe(0);
    // reuse distances: a@3 → {b,c} = 2, b@4 → {c,a} = 2, a@6 → {b,d} = 2
    expect(stats.reuseDistance).toEqual({ reuses: 3, mean: 2, median: 2, p90: 2, p99: 2, max: 2 });
  });

  it('reuse distances from the Fenwick tree equal the naive O(n²) count on random input', () => {
    const random = seedrandom('reuse');
    for (const [n, keys] of [[1, 1], [50, 3], [400, 40], [2000, 300]] as const) {
      const trace = Array.from({ length: n }, () => Math.floor(random() * keys));
      expect(Array.from(reuseDistances(batchOf(trace)))).toEqual(naiveReuseDistances(trace));
    }
  });

  it('computeNextAccess gives the 0-based position of the next request of the same key', () => {
    const random = seedrandom('next');
    const keys = Array.from({ length: 500 }, () => Math.floor(random() * 30));
    const batch = computeNextAccess(batchOf(keys));
    keys.forEach((key, i) => {
      const next = keys.indexOf(key, i + 1);
      expect(batch.nextAccess[i]).toBe(next < 0 ? NO_NEXT_ACCESS : next);
    });
  });
});

describe('withNextAccess / hasNextAccess', () => {
  it('fill next-access positions only when the trace lacks them', async () => {
    const { hasNextAccess, withNextAccess } = await import('../../src/index.js');
    const batch = batchOf([4, 5, 4]);
    expect(hasNextAccess(batch)).toBe(false);
    const trace = withNextAccess({ path: 'x', format: 'txt', batch, keyCount: 6, sessionCount: 0, opCount: 0, referrerCount: 0, skipped: 0, partial: 0, partialExample: undefined, nextAccessRepaired: 0, hasSizes: false, keyLabel: String, sessionLabel: String, opLabel: String, referrerLabel: String });
    expect(Array.from(trace.batch.nextAccess)).toEqual([2, NO_NEXT_ACCESS, NO_NEXT_ACCESS]);
    expect(hasNextAccess(batch)).toBe(true);
  });

  it('a batch filled only in part (position 0 known) is completed, and Belady replays it through missRatioCurve', async () => {
    const { missRatioCurve, withNextAccess, UNKNOWN_NEXT_ACCESS } = await import('../../src/index.js');
    const keys = [1, 2, 3, 1, 2, 4, 1];
    const partial = () => {
      const batch = batchOf(keys);
      batch.nextAccess[0] = 3; // right, but the rest unknown
      for (let i = 1; i < keys.length; i++) batch.nextAccess[i] = UNKNOWN_NEXT_ACCESS;
      return batch;
    };
    const filled = withNextAccess({ path: 'x', format: 'txt', batch: partial(), keyCount: 5, sessionCount: 0, opCount: 0, referrerCount: 0, skipped: 0, partial: 0, partialExample: undefined, nextAccessRepaired: 0, hasSizes: false, keyLabel: String, sessionLabel: String, opLabel: String, referrerLabel: String });
    expect(Array.from(filled.batch.nextAccess)).toEqual([3, 4, NO_NEXT_ACCESS, 6, NO_NEXT_ACCESS, NO_NEXT_ACCESS, NO_NEXT_ACCESS]);
    // Capacity 2, hand-worked (every miss is admitted): 1, 2 miss; 3 misses and evicts 2 (needed
    // after 1); 1 hits; 2 misses and evicts 3 (never needed again); 4 misses; 1 hits: 5 misses.
    const curve = await missRatioCurve(partial(), 5, { policies: ['belady'], capacities: [2], unit: 'objects', workers: 0 });
    expect(curve.points[0]!.stats.misses).toBe(5);
    const { ensureNextAccess } = await import('../../src/index.js');
    expect(Array.from(ensureNextAccess(partial(), 5).nextAccess)).toEqual(Array.from(filled.batch.nextAccess));
  });
});
