/**
 * The regret guard around a learned policy (`dqn-guard:DIR`). The learned expert here is a
 * hand-weighted QForward (no training), so every expected value follows from the trace:
 * `mru` scores a candidate by minus its recency (evicts the most recently used candidate), which is
 * right on a loop larger than the cache and wrong on a skewed workload.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, createPolicy, replay, type EvictionPolicy, type RequestBatch } from '@cachelab/cache-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDqnConfig } from '../src/dqn/config.js';
import { QForward } from '../src/dqn/forward.js';
import { trainDqn, type TrainResult } from '../src/dqn/train.js';
import { EvictionEnv } from '../src/env/eviction-env.js';
import { F_RECENCY, featureCount } from '../src/env/features.js';
import { EXPERT_LEARNED, EXPERT_LRU, GUARD_DEFAULTS, GuardedLearnedPolicy, type GuardParams } from '../src/guarded-policy.js';
import '../src/index.js';
import { createLearnedPolicy, learnedPolicyFromForward } from '../src/learned-policy.js';
import { traceOf, zipfTrace } from './helpers/trace.js';

const F = featureCount();

/** A per-action linear scorer: Q(row) = Σ weights[f] · row[f]. */
function linearForward(weights: Record<number, number>, actions = 8): QForward {
  const kernel = new Float32Array(F);
  for (const [f, w] of Object.entries(weights)) kernel[Number(f)] = w;
  return new QForward({ layout: 'per-action', features: F, actions, hiddenLayers: [] }, [{ kernel, bias: new Float32Array(1), inputs: F, units: 1 }]);
}

const mru = () => linearForward({ [F_RECENCY]: -1 });

function guard(capacity: number, seed: number, params: Partial<GuardParams> = {}, keySpace = 64): GuardedLearnedPolicy {
  const inner = learnedPolicyFromForward('mru', mru(), { capacity, seed, keySpace });
  return new GuardedLearnedPolicy(inner, { name: 'guard', seed, keySpace, params });
}

/** Keys 0 … n−1 in order, `rounds` times. */
function loopTrace(n: number, rounds: number): RequestBatch {
  const keys: number[] = [];
  for (let r = 0; r < rounds; r++) for (let k = 0; k < n; k++) keys.push(k);
  return traceOf(keys);
}

/** Checks the policy after every eviction and admission (the simulator drives it). */
class Checked implements EvictionPolicy {
  evictions = 0;
  constructor(readonly policy: GuardedLearnedPolicy) {}
  get name() {
    return this.policy.name;
  }
  get capacity() {
    return this.policy.capacity;
  }
  get used() {
    return this.policy.used;
  }
  get count() {
    return this.policy.count;
  }
  lookup(key: number, size: number, next: number) {
    const hit = this.policy.lookup(key, size, next);
    expect(hit).toBe(this.policy.has(key));
    return hit;
  }
  evict(key: number, size: number) {
    const victim = this.policy.evict(key, size);
    this.evictions++;
    expect(this.policy.has(victim)).toBe(false);
    this.policy.verify();
    return victim;
  }
  insert(key: number, size: number, next: number) {
    this.policy.insert(key, size, next);
    expect(this.policy.used).toBeLessThanOrEqual(this.policy.capacity);
    expect(this.policy.has(key)).toBe(true);
    this.policy.verify();
  }
  remove(key: number) {
    return this.policy.remove(key);
  }
  has(key: number) {
    return this.policy.has(key);
  }
  verify() {
    this.policy.verify();
  }
}

describe('regret guard around a learned policy', () => {
  const zipf = zipfTrace(20_000, 2_000, 0.9, 3, 0.2);

  it('uses LeCaR’s published defaults', () => {
    expect(GUARD_DEFAULTS).toEqual({ learningRate: 0.45, initialLruWeight: 0.5, minWeight: 0.01 });
    expect(guard(10, 0).lruWeight).toBe(0.5);
  });

  it('is deterministic for a seed: same misses, same weight, same decisions', () => {
    const runs = [1, 1, 2].map((seed) => {
      const g = guard(100, seed, {}, 4_000);
      const stats = replay(g, zipf, { unit: 'objects' });
      return { misses: stats.misses, w: g.lruWeight, decisions: [...g.decisions] };
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]!.misses).toBeGreaterThan(0);
    expect(runs[2]).not.toEqual(runs[0]); // another seed draws other experts
  });

  it('keeps its invariants (capacity, resident set, ghost histories) on random traces in both units', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 31, maxLength: 31 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 0, max: 1_000 }),
        (keys, sizeOfKey, capacity, seed) => {
          const batch = traceOf(keys, keys.map((k) => sizeOfKey[k]!));
          for (const unit of ['objects', 'bytes'] as const) {
            const g = guard(capacity, seed, {}, 4);
            const checked = new Checked(g);
            const stats = replay(checked, batch, { unit });
            expect(stats.hits + stats.misses).toBe(keys.length);
            expect(g.used).toBeLessThanOrEqual(capacity);
            // every eviction was decided once: by the LRU expert, the learned expert, or both agreeing
            expect(g.decisions[0]! + g.decisions[1]! + g.decisions[2]!).toBe(checked.evictions);
            expect(g.lruWeight).toBeGreaterThanOrEqual(GUARD_DEFAULTS.minWeight);
            expect(g.lruWeight).toBeLessThanOrEqual(1 - GUARD_DEFAULTS.minWeight);
          }
        },
      ),
      { numRuns: 60, seed: 606 },
    );
  });

  it('with the LRU expert pinned (weight 1, no clamp) evicts exactly what LRU evicts', () => {
    for (const [trace, capacity] of [
      [zipf, 100],
      [zipf, 20],
      [loopTrace(150, 20), 100],
    ] as const) {
      const g = guard(capacity, 7, { initialLruWeight: 1, minWeight: 0 }, 4_000);
      const pinned = replay(g, trace, { unit: 'objects' });
      const lru = replay(createPolicy('lru', { capacity }), trace, { unit: 'objects' });
      expect(pinned.misses).toBe(lru.misses);
      expect(g.decisions[EXPERT_LEARNED]).toBe(0);
      expect(g.lruWeight).toBe(1);
    }
  });

  it('with the learned expert pinned (LRU weight 0) is the bare learned policy, miss for miss', () => {
    for (const capacity of [20, 100]) {
      const g = guard(capacity, 5, { initialLruWeight: 0, minWeight: 0 }, 4_000);
      const pinned = replay(g, zipf, { unit: 'objects' });
      const bare = replay(learnedPolicyFromForward('mru', mru(), { capacity, seed: 5, keySpace: 4_000 }), zipf, { unit: 'objects' });
      expect(pinned.misses).toBe(bare.misses);
      expect(g.decisions[EXPERT_LRU]).toBe(0);
      expect(g.decisions[EXPERT_LEARNED]).toBeGreaterThan(0); // the experts did disagree
    }
  });

  it('applies LeCaR’s update by hand: a miss on a ghost key multiplies that expert’s weight by exp(−0.45·0.005^(age/N))', () => {
    // Capacity 2; requests 1, 2, 3: the miss on 3 evicts. LRU names 1, the MRU scorer names 2.
    const g = guard(2, 0);
    const t = traceOf([1, 2, 3]);
    replay(g, t, { unit: 'objects' });
    const drawn = g.decisions[EXPERT_LRU] === 1 ? EXPERT_LRU : EXPERT_LEARNED;
    expect(g.decisions[drawn]).toBe(1);
    const victim = drawn === EXPERT_LRU ? 1 : 2;
    expect(g.has(victim)).toBe(false);
    // Eviction at request 3, the request for the victim is request 4: age 1, N = 2 cached objects.
    expect(g.lookup(victim, 1, -1)).toBe(false);
    const factor = Math.exp(-0.45 * Math.pow(0.005, 1 / 2));
    const penalised = (0.5 * factor) / (0.5 * factor + 0.5);
    expect(g.lruWeight).toBeCloseTo(drawn === EXPERT_LRU ? penalised : 1 - penalised, 12);
    expect(g.regrets[drawn]).toBe(1);
    // The key left the history: a second miss on it is not a second regret.
    expect(g.lookup(victim, 1, -1)).toBe(false);
    expect(g.regrets[drawn]).toBe(1);
  });

  it('on a loop larger than the cache (LRU misses every request) the LRU weight falls to near its floor (0.01)', () => {
    const loop = loopTrace(150, 40);
    const g = guard(100, 1, {}, 200);
    const guarded = replay(g, loop, { unit: 'objects' });
    const lru = replay(createPolicy('lru', { capacity: 100 }), loop, { unit: 'objects' });
    expect(lru.missRatio).toBe(1);
    expect(g.lruWeight).toBeLessThan(0.05);
    // LRU's victims come back within 150 − 100 = 50 requests (discount 0.005^(50/100) ≈ 0.07), the
    // MRU expert's regrets come later and weigh far less, so the draws go to the learned expert.
    expect(g.regrets[EXPERT_LRU]!).toBeGreaterThan(0);
    expect(g.decisions[EXPERT_LEARNED]!).toBeGreaterThan(10 * g.decisions[EXPERT_LRU]!);
    expect(guarded.missRatio).toBeLessThan(0.6);
  });

  it('on a skewed workload where the MRU expert is wrong the LRU weight rises and the guard tracks LRU', () => {
    const g = guard(100, 1, {}, 4_000);
    const guarded = replay(g, zipf, { unit: 'objects' });
    const lru = replay(createPolicy('lru', { capacity: 100 }), zipf, { unit: 'objects' });
    const bare = replay(learnedPolicyFromForward('mru', mru(), { capacity: 100, seed: 1, keySpace: 4_000 }), zipf, { unit: 'objects' });
    expect(bare.misses).toBeGreaterThan(lru.misses);
    expect(g.lruWeight).toBeGreaterThan(0.9);
    expect(guarded.misses).toBeLessThan(bare.misses);
  });
});

describe('`dqn-guard:DIR` from a checkpoint', () => {
  const trace = zipfTrace(8_000, 1_000, 0.9, 4, 0.3);
  let dir: string;
  let trained: TrainResult;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-guard-'));
    const env = new EvictionEnv(trace, { capacity: 50 });
    const config = resolveDqnConfig({ seed: 3, totalSteps: 300, learningStarts: 100, bufferSize: 500, logInterval: 100 });
    trained = await trainDqn({ env, config, outDir: dir, envMeta: { kind: 'eviction', settings: env.settings() } });
  });
  afterAll(() => {
    trained.agent.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is registered next to `dqn:DIR`, wraps the same model and replays deterministically', () => {
    const a = createPolicy(`dqn-guard:${dir}`, { capacity: 50, keySpace: 3_000, seed: 4 });
    expect(a).toBeInstanceOf(GuardedLearnedPolicy);
    expect(a.name).toBe(`dqn-guard:${dir}`);
    const manual = new GuardedLearnedPolicy(createLearnedPolicy(dir, { capacity: 50, keySpace: 3_000, seed: 4 }), { name: 'm', seed: 4, keySpace: 3_000 });
    const sa = replay(a, trace, { unit: 'objects' });
    const sm = replay(manual, trace, { unit: 'objects' });
    expect(sa.misses).toBe(sm.misses);
    expect((a as GuardedLearnedPolicy).lruWeight).toBe(manual.lruWeight);
    a.verify();
    expect(a.count).toBe(50);
  });

  it('takes no parameters: the guard’s are fixed', () => {
    expect(() => createPolicy(`dqn-guard:${dir}`, { capacity: 50, params: { learningRate: 0.1 } })).toThrow(ConfigError);
    expect(() => createPolicy(`dqn-guard:${dir}`, { capacity: 50, params: { learningRate: 0.1 } })).toThrow(/published defaults/);
  });
});
