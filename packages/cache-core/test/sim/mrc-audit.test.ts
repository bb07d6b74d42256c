/**
 * Audit of miss-ratio curves: every point equals a plain replay at that capacity, for every
 * registered policy, in object and byte mode, on worker threads and in this thread; LRU and FIFO
 * also against brute-force references written here, over a trace longer than one MRC step (so
 * the chunked feed of the jobs is crossed).
 */
import { describe, expect, it } from 'vitest';
import { MRC_STEP } from '../../src/sim/mrc-job.js';
import { computeNextAccess, createPolicy, generateZipf, listPolicies, missRatioCurve, mrcPoint, replay, type RequestBatch } from '../../src/index.js';

/** Sizes that depend on the key only (10 B … 1,000 B). */
function withSizes(batch: RequestBatch): RequestBatch {
  for (let i = 0; i < batch.length; i++) batch.size[i] = 10 * (1 + ((batch.key[i]! * 37) % 100));
  return batch;
}

/** Brute-force LRU/FIFO (a Map in insertion order); an object larger than the cache is not admitted. */
function bruteMisses(batch: RequestBatch, capacity: number, policy: 'lru' | 'fifo', bytes: boolean, warmup: number): { misses: number; bytesMissed: number } {
  const cache = new Map<number, number>();
  let used = 0;
  let misses = 0;
  let bytesMissed = 0;
  for (let i = 0; i < batch.length; i++) {
    const key = batch.key[i]!;
    const size = bytes ? batch.size[i]! : 1;
    if (cache.has(key)) {
      if (policy === 'lru') {
        cache.delete(key);
        cache.set(key, size);
      }
      continue;
    }
    if (i >= warmup) {
      misses++;
      bytesMissed += batch.size[i]!;
    }
    if (size > capacity) continue;
    while (used + size > capacity) {
      const [oldest, s] = cache.entries().next().value!;
      cache.delete(oldest);
      used -= s;
    }
    cache.set(key, size);
    used += size;
  }
  return { misses, bytesMissed };
}

describe('missRatioCurve audit', () => {
  it('LRU and FIFO points equal brute-force replays across an MRC step boundary, objects and bytes', async () => {
    const zipf = generateZipf({ requests: MRC_STEP + 5_000, objects: 8_000, alpha: 0.8, seed: 11 });
    const batch = withSizes(zipf.batch);
    const warmup = 1_234;
    for (const [unit, capacities] of [['objects', [50, 700]], ['bytes', [20_000, 300_000]]] as const) {
      const curve = await missRatioCurve(batch, zipf.keyCount, { policies: ['lru', 'fifo'], capacities, unit, warmup, workers: 0 });
      for (const policy of ['lru', 'fifo'] as const) {
        for (const capacity of capacities) {
          const expected = bruteMisses(batch, capacity, policy, unit === 'bytes', warmup);
          const { stats } = mrcPoint(curve, policy, capacity);
          expect({ policy, unit, capacity, misses: stats.misses, bytesMissed: stats.bytesMissed, requests: stats.requests }).toEqual({
            policy,
            unit,
            capacity,
            ...expected,
            requests: batch.length - warmup,
          });
        }
      }
    }
  });

  it('every registered policy: each point equals a plain replay at its capacity (worker thread and in-thread, seeded)', async () => {
    const zipf = generateZipf({ requests: 12_000, objects: 2_000, alpha: 0.9, seed: 3 });
    const batch = withSizes(zipf.batch);
    computeNextAccess(batch, zipf.keyCount);
    const policies = listPolicies()
      .map((p) => p.name)
      .filter((name) => !name.startsWith('test-'));
    expect(policies).toEqual(expect.arrayContaining(['lru', 'arc', 's3fifo', 'lecar', 'random', 'belady']));
    for (const [unit, capacities] of [['objects', [20, 400]], ['bytes', [10_000, 150_000]]] as const) {
      const options = { policies, capacities, unit, seed: 9, warmup: 100 };
      const threaded = await missRatioCurve(batch, zipf.keyCount, { ...options, workers: 1 });
      const inThread = await missRatioCurve(batch, zipf.keyCount, { ...options, workers: 0 });
      for (const policy of policies) {
        for (const capacity of capacities) {
          const plain = replay(createPolicy(policy, { capacity, keySpace: zipf.keyCount, seed: 9 }), batch, { unit, warmup: 100 });
          expect({ policy, unit, capacity, stats: mrcPoint(threaded, policy, capacity).stats }).toEqual({ policy, unit, capacity, stats: plain });
          expect(mrcPoint(inThread, policy, capacity).stats).toEqual(plain);
        }
      }
    }
  });
});
