/**
 * `dqn-select:`: shadow caches per expert (LRU, then the models), the cache following the expert
 * whose shadow missed least recently. The models here are hand-weighted QForwards (no training):
 * `mru` evicts the most recently used candidate (right on a loop larger than the cache, wrong on a
 * skewed workload), `lruModel` the least recently used one (the LRU tail is always a candidate, so
 * it is LRU exactly).
 */
import { ConfigError, createPolicy, replay, type RequestBatch } from '@cachelab/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QForward } from '../src/dqn/forward.js';
import { F_RECENCY, featureCount } from '../src/env/features.js';
import '../src/index.js';
import { learnedPolicyFromForward, type EvictionModel } from '../src/learned-policy.js';
import { SELECT_DEFAULTS, SELECT_EXPERT_LRU, SelectedPolicy } from '../src/selected-policy.js';
import { traceOf, zipfTrace } from './helpers/trace.js';

function linearModel(weights: Record<number, number>, envOptions: EvictionModel['envOptions'] = {}): EvictionModel {
  const F = featureCount(envOptions);
  const kernel = new Float32Array(F);
  for (const [f, w] of Object.entries(weights)) kernel[Number(f)] = w;
  const forward = new QForward({ layout: 'per-action', features: F, actions: 8, hiddenLayers: [] }, [{ kernel, bias: new Float32Array(1), inputs: F, units: 1 }]);
  return { forward, envOptions, markovScorer: false };
}

const mru = () => linearModel({ [F_RECENCY]: -1 });
const lruModel = () => linearModel({ [F_RECENCY]: 1 });

function select(models: EvictionModel[], capacity: number, seed = 1, keySpace = 4_000): SelectedPolicy {
  return new SelectedPolicy('select', models, { capacity, seed, keySpace });
}

/** Keys 0 … n−1 in order, `rounds` times. */
function loopTrace(n: number, rounds: number): RequestBatch {
  const keys: number[] = [];
  for (let r = 0; r < rounds; r++) for (let k = 0; k < n; k++) keys.push(k);
  return traceOf(keys);
}

const misses = (policy: Parameters<typeof replay>[0], trace: RequestBatch) => replay(policy, trace, { unit: 'objects' }).misses;

describe('dqn-select: shadow-cache selection among learned experts and LRU', () => {
  const zipf = zipfTrace(20_000, 2_000, 0.9, 3, 0.2);
  const loop = loopTrace(150, 40); // a loop 1.5× the cache: LRU misses every request

  it('with a model that is LRU, evicts exactly what LRU evicts whoever leads', () => {
    for (const [trace, capacity] of [
      [zipf, 100],
      [loop, 100],
    ] as const) {
      expect(misses(select([lruModel()], capacity), trace)).toBe(misses(createPolicy('lru', { capacity }), trace));
    }
  });

  it('on a loop larger than the cache follows the MRU model; on a skewed workload stays with LRU', () => {
    const capacity = 100;
    const lru = misses(createPolicy('lru', { capacity }), loop);
    expect(lru).toBe(loop.length);
    const bare = misses(learnedPolicyFromForward('mru', mru().forward, { capacity, seed: 1, keySpace: 4_000 }), loop);
    const onLoop = select([mru()], capacity);
    const selected = misses(onLoop, loop);
    expect(onLoop.currentLeader).toBe(1);
    // Stated tolerance: the selector may lag the better expert by one averaging window of misses.
    expect(selected).toBeLessThanOrEqual(bare + SELECT_DEFAULTS.horizonFactor * capacity);
    expect(selected).toBeLessThan(lru * 0.6);

    const onZipf = select([mru()], capacity);
    const zipfLru = misses(createPolicy('lru', { capacity }), zipf);
    expect(misses(onZipf, zipf)).toBeLessThanOrEqual(zipfLru + SELECT_DEFAULTS.horizonFactor * capacity);
    expect(onZipf.currentLeader).toBe(SELECT_EXPERT_LRU);
    expect(onZipf.leadRequests[SELECT_EXPERT_LRU]! / zipf.length).toBeGreaterThan(0.9);
  });

  it('counts every request once among the leaders and keeps each shadow average in [0, 1]', () => {
    const s = select([mru(), lruModel()], 50);
    misses(s, zipf);
    expect(s.leadRequests.reduce((a, b) => a + b, 0)).toBe(zipf.length);
    for (const m of s.recentMissRatio) expect(m >= 0 && m <= 1).toBe(true);
    s.verify();
  });

  it('is deterministic for a seed and keeps its invariants on random traces in both units', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 31, maxLength: 31 }),
        fc.integer({ min: 1, max: 25 }),
        (keys, sizeOfKey, capacity) => {
          const batch = traceOf(keys, keys.map((k) => sizeOfKey[k]!));
          for (const unit of ['objects', 'bytes'] as const) {
            const runs = [0, 1].map(() => {
              const s = select([mru()], capacity, 3, 4);
              const stats = replay(s, batch, { unit });
              expect(s.used).toBeLessThanOrEqual(capacity);
              s.verify();
              return [stats.misses, ...s.leadRequests];
            });
            expect(runs[1]).toEqual(runs[0]);
          }
        },
      ),
      { numRuns: 40, seed: 909 },
    );
  });

  it('refuses models with different candidate rows, and parameters', () => {
    expect(() => select([mru(), linearModel({}, { reuseFeatures: true })], 10)).toThrow(ConfigError);
    expect(() => select([mru(), linearModel({}, { reuseFeatures: true })], 10)).toThrow(/model 2 was trained with candidate settings/);
    expect(() => select([], 10)).toThrow(/at least one model/);
    expect(() => createPolicy('dqn-select:a+b', { capacity: 10, params: { horizonFactor: 4 } })).toThrow(/takes no parameters/);
    expect(() => createPolicy('dqn-select:a++b', { capacity: 10 })).toThrow(/one of them is empty/);
  });
});
