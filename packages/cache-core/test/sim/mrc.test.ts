import { describe, expect, it } from 'vitest';
import {
  MrcWorkerPool,
  UnknownPolicyError,
  generateLoop,
  generateZipf,
  missRatioCurve,
  mrcPoint,
  type MissRatioCurve,
} from '../../src/index.js';

/** Everything but the timings. */
function outcome(curve: MissRatioCurve) {
  return curve.points.map((p) => ({ policy: p.policy, capacity: p.capacity, stats: p.stats }));
}

describe('missRatioCurve', () => {
  it('worker threads give exactly the in-thread results, and progress reaches the total', async () => {
    const zipf = generateZipf({ requests: 60_000, objects: 5_000, alpha: 0.8, seed: 5 });
    const options = { policies: ['lru', 'fifo', 'arc', 'belady'], capacities: [50, 200, 800, 3_000], unit: 'objects' as const };
    const sequential = await missRatioCurve(zipf.batch, zipf.keyCount, { ...options, workers: 0 });
    const updates: number[] = [];
    const parallel = await missRatioCurve(zipf.batch, zipf.keyCount, { ...options, workers: 2, onProgress: (done, total) => updates.push(done / total) });
    expect(parallel.workers).toBe(2);
    expect(outcome(parallel)).toEqual(outcome(sequential));
    expect(parallel.points.map((p) => `${p.policy}@${p.capacity}`)).toEqual(
      options.policies.flatMap((policy) => options.capacities.map((c) => `${policy}@${c}`)),
    );
    expect(updates.at(-1)).toBe(1);
    expect(updates.every((u, i) => i === 0 || u >= updates[i - 1]!)).toBe(true);
    // Belady is optimal: at every size it misses no more than the others.
    for (const capacity of options.capacities) {
      const belady = mrcPoint(parallel, 'belady', capacity).stats.misses;
      for (const policy of ['lru', 'fifo', 'arc']) expect(belady).toBeLessThanOrEqual(mrcPoint(parallel, policy, capacity).stats.misses);
    }
  });

  it('known answers: a loop larger than the cache always misses under LRU; a cache holding every key misses only cold', async () => {
    const loop = generateLoop({ requests: 1_000, objects: 100 });
    const curve = await missRatioCurve(loop.batch, loop.keyCount, { policies: ['lru', 'fifo'], capacities: [99, 100], unit: 'objects', workers: 0 });
    expect(mrcPoint(curve, 'lru', 99).stats.misses).toBe(1_000);
    expect(mrcPoint(curve, 'fifo', 99).stats.misses).toBe(1_000);
    expect(mrcPoint(curve, 'lru', 100).stats.misses).toBe(100);
    expect(mrcPoint(curve, 'lru', 100).stats.missRatio).toBe(0.1);
    // warm-up: the first 100 requests load the cache and are not counted
    const warm = await missRatioCurve(loop.batch, loop.keyCount, { policies: ['lru'], capacities: [100], unit: 'objects', warmup: 100, workers: 0 });
    expect(warm.points[0]!.stats).toMatchObject({ requests: 900, misses: 0 });
  });

  it('a warmup that covers the whole trace is an error, not a miss ratio of 0', async () => {
    const loop = generateLoop({ requests: 1_000, objects: 100 });
    const options = { policies: ['lru'], capacities: [100], unit: 'objects' as const, workers: 0 };
    const last = await missRatioCurve(loop.batch, loop.keyCount, { ...options, warmup: 999 });
    expect(last.points[0]!.stats).toMatchObject({ requests: 1, misses: 0 });
    for (const warmup of [1_000, 5_000]) {
      await expect(missRatioCurve(loop.batch, loop.keyCount, { ...options, warmup })).rejects.toThrow(
        `warmup: a warmup of ${warmup} requests covers the whole trace (1000 requests), so nothing was measured; use a warmup below 1000`,
      );
    }
  });

  it('an unknown policy fails before any work with the registry error', async () => {
    const loop = generateLoop({ requests: 10, objects: 5 });
    await expect(missRatioCurve(loop.batch, loop.keyCount, { policies: ['lru', 'nope'], capacities: [2], unit: 'objects', workers: 2 })).rejects.toThrow(UnknownPolicyError);
  });

  it('a policy error inside a worker rejects with the job named', async () => {
    const loop = generateLoop({ requests: 10, objects: 5 });
    const fail = new URL('./fixtures/failing-policy.ts', import.meta.url).href;
    await import(fail);
    await expect(
      missRatioCurve(loop.batch, loop.keyCount, { policies: ['test-failing'], capacities: [2], unit: 'objects', workers: 1, workerImports: [fail] }),
    ).rejects.toThrow('test-failing at capacity 2: test-failing cannot insert');
  });
});

describe('MrcWorkerPool', () => {
  it('a pool started beforehand serves several curves with the in-thread results, then closes', async () => {
    const pool = new MrcWorkerPool(2);
    try {
      const a = generateZipf({ requests: 20_000, objects: 2_000, alpha: 1, seed: 1 });
      const b = generateLoop({ requests: 5_000, objects: 500 });
      for (const trace of [a, b]) {
        const options = { policies: ['lru', 'sieve'], capacities: [100, 499, 600], unit: 'objects' as const };
        const pooled = await missRatioCurve(trace.batch, trace.keyCount, { ...options, pool });
        const inThread = await missRatioCurve(trace.batch, trace.keyCount, { ...options, workers: 0 });
        expect(outcome(pooled)).toEqual(outcome(inThread));
      }
    } finally {
      await pool.close();
    }
    const loop = generateLoop({ requests: 10, objects: 5 });
    await expect(missRatioCurve(loop.batch, loop.keyCount, { policies: ['lru'], capacities: [2], unit: 'objects', pool })).rejects.toThrow('pool is closed');
  });
});
