/**
 * Regression tests from the simulator/policy audit: each one failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { createPolicy, listPolicies } from '../../src/policies/index.js';
import { FrequencySketch } from '../../src/policies/internal/frequency-sketch.js';
import { parseCapacities, parseCapacity } from '../../src/sim/capacity.js';
import { missRatioCurve } from '../../src/sim/mrc.js';
import { replay, type Prefetcher } from '../../src/sim/replay.js';
import { generateZipf } from '../../src/traces/generators.js';
import { batchOf } from './helpers.js';

describe('W-TinyLFU frequency sketch', () => {
  it('counts every access after the first (the doorkeeper absorbs only the first one)', () => {
    // TinyLFU: a key already in the doorkeeper is counted in the count-min sketch; estimate =
    // sketch count + doorkeeper bit. Count-min never underestimates, so 6 accesses read >= 6.
    const sketch = new FrequencySketch(1024);
    for (let i = 0; i < 6; i++) sketch.increment(7);
    expect(sketch.estimate(7)).toBeGreaterThanOrEqual(6);
    expect(sketch.estimate(7)).toBeLessThanOrEqual(7);
    // A key seen once sits only in the doorkeeper.
    sketch.increment(8);
    expect(sketch.estimate(8)).toBe(1);
  });

  it('ageing halves the counters and clears the doorkeeper', () => {
    const sketch = new FrequencySketch(1024); // width 1024: ages after 10,240 recorded accesses
    for (let i = 0; i < 10; i++) sketch.increment(3); // doorkeeper + 9 counted
    // Distinct one-time keys reach the doorkeeper only, so they never touch key 3's counters.
    for (let k = 100; k < 100 + 10_240 - 10; k++) sketch.increment(k);
    expect(sketch.estimate(3)).toBe(4); // 9 >>> 1, doorkeeper cleared
  });

  it('a key requested often wins admission over a victim requested less (policy level)', () => {
    // capacity 10, window 1 object, main 9. Keys 0..8 each requested twice fill main with warm keys;
    // key 50 is then requested 6 times with one-time keys in between, so each time it falls out of
    // the window it competes with a victim of frequency 2: it must win once its count exceeds 2.
    const keys: number[] = [];
    for (let i = 0; i < 9; i++) keys.push(i, i);
    for (let j = 0; j < 6; j++) keys.push(50, 100 + j);
    keys.push(50);
    const w = createPolicy('wtinylfu', { capacity: 10, params: { windowRatio: 0.1 } });
    const stats = replay(w, batchOf(keys), { unit: 'objects' });
    expect(w.has(50)).toBe(true);
    expect(stats.hits).toBeGreaterThan(9);
  });

  it('results do not depend on the keySpace hint (streamed replay = mrc at the same byte size)', async () => {
    // `replay --size 128MiB` streams and creates the policy without keySpace; `mrc` passes the
    // trace's key count. Both must give the same numbers.
    const zipf = generateZipf({ requests: 60_000, objects: 4_000, alpha: 0.9, seed: 3 });
    const batch = zipf.batch;
    for (let i = 0; i < batch.length; i++) batch.size[i] = 1 + ((batch.key[i]! * 2654435761) >>> 0) % 4096;
    const capacity = 400 * 2048;
    const streamed = replay(createPolicy('wtinylfu', { capacity }), batch, { unit: 'bytes' });
    const curve = await missRatioCurve(batch, zipf.keyCount, { policies: ['wtinylfu'], capacities: [capacity], unit: 'bytes', workers: 0 });
    expect(curve.points[0]!.stats).toEqual(streamed);
  });
});

describe('prefetch figures with a warmup', () => {
  it('a prefetch issued during the warmup is not counted as a prefetch hit afterwards', () => {
    // A prefetch made while warming up is not counted as issued, so a later hit on it must not
    // count as a prefetch hit either (that gave prefetchHits > prefetchesIssued).
    let last = -1;
    const prefetcher: Prefetcher = {
      observe: (batch, i) => {
        last = batch.key[i]!;
      },
      predict: (out) => {
        if (last !== 0) return 0;
        out[0] = 1;
        return 1;
      },
    };
    const fresh = replay(createPolicy('lru', { capacity: 1 }), batchOf([1, 2, 0, 1]), { unit: 'objects', warmup: 3, prefetcher });
    // requests 0-2 warm up (capacity 1: key 1 is evicted by 2, 2 by 0); request 2 (key 0) prefetches
    // key 1 during the warmup; request 3 hits it.
    expect(fresh.hits).toBe(1);
    expect(fresh.prefetchesIssued).toBe(0);
    expect(fresh.prefetchHits).toBe(0);
    expect(fresh.prefetchAccuracy).toBe(0);
  });
});

describe('LFU frequency buckets', () => {
  it('memory follows the cached objects, not the highest frequency (lfu, lecar, cacheus)', () => {
    // Bucket arrays were indexed by frequency: one key hit 2M times in a 10-object cache grew
    // them to 2M entries (~40 MB of metadata, ~100 MB after 5M hits).
    for (const name of ['lfu', 'lecar', 'cacheus']) {
      const policy = createPolicy(name, { capacity: 10, keySpace: 16 }) as ReturnType<typeof createPolicy> & { metadataBytes(): number };
      const before = policy.metadataBytes();
      const keys = new Array<number>(2_000_000);
      for (let i = 0; i < keys.length; i++) keys[i] = i % 1000 === 0 ? 1 + ((i / 1000) % 12) : 0;
      const stats = replay(policy, batchOf(keys), { unit: 'objects' });
      expect(stats.hits).toBeGreaterThan(1_990_000);
      expect(policy.metadataBytes() - before).toBeLessThan(64 * 1024);
      policy.verify();
    }
  });

  it('LFU order is unchanged: lowest frequency first, oldest to reach it first (hand-worked)', () => {
    // capacity 3: a a b c → a2 b1 c1. d evicts b (reached frequency 1 before c): a2 c1 d1.
    // c c → c3. e evicts d: a2 c3 e1. b evicts e: a2 c3 b1. a a → a4, b b b → b4. f evicts c (3).
    const [a, b, c, d, e, f] = [0, 1, 2, 3, 4, 5];
    const lfu = createPolicy('lfu', { capacity: 3 });
    const keys = [a, a, b, c, d, c, c, e, b, a, a, b, b, b, f];
    replay(lfu, batchOf(keys), { unit: 'objects' });
    expect([a, b, c, d, e, f].map((k) => lfu.has(k))).toEqual([true, true, false, false, false, true]);
    lfu.verify();
  });
});

describe('byte capacities on traces without object sizes', () => {
  it('parseCapacity refuses bytes when the trace has no sizes, and says to use objects', () => {
    expect(() => parseCapacity('64MiB', { distinctObjects: 10, hasSizes: false })).toThrow(/no object sizes.*in objects/);
    expect(() => parseCapacity('10%', { distinctObjects: 10, distinctBytes: 10, unit: 'bytes', hasSizes: false })).toThrow(/no object sizes/);
    expect(parseCapacity('10%', { distinctObjects: 10, hasSizes: false })).toEqual({ capacity: 1, unit: 'objects' });
    expect(parseCapacity('64MiB', { distinctObjects: 10, hasSizes: true }).capacity).toBe(64 * 2 ** 20);
    expect(parseCapacity('64MiB', { distinctObjects: 10 }).capacity).toBe(64 * 2 ** 20); // not known: not checked
    expect(() => parseCapacities('1MiB,2MiB', { distinctObjects: 10, hasSizes: false })).toThrow(/no object sizes/);
    expect(() => parseCapacities('5,1MiB', { distinctObjects: 10, hasSizes: false })).toThrow(/mix object counts and bytes/);
  });
});

describe('capacity', () => {
  it('every policy refuses a fractional capacity (it rounded differently in each policy’s shares) and accepts whole numbers', () => {
    for (const info of listPolicies()) {
      expect(() => createPolicy(info.name, { capacity: 10.5, keySpace: 4 }), info.name).toThrow(/needs a whole-number capacity >= 0 \(objects, or bytes in byte mode\), got 10\.5/);
      expect(createPolicy(info.name, { capacity: 10, keySpace: 4 }).capacity, info.name).toBe(10);
    }
  });
});
