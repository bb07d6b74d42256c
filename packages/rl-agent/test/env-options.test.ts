import { replay } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { CandidateCache, type VictimChooser } from '../src/env/candidate-cache.js';
import { checkEnv } from '../src/env/checker.js';
import { EvictionEnv } from '../src/env/eviction-env.js';
import { DECAY_SCALES, FEATURE_COUNT, F_AGE, F_QUICK_RETURN_LRU_SHARE, F_QUICK_RETURN_RATIO, featureCount } from '../src/env/features.js';
import { traceOf, zipfTrace } from './helpers/trace.js';

function cache(
  options: { capacity: number; candidates: number; recentCandidates?: number; regimeFeatures?: boolean; reuseFeatures?: boolean; decayFeatures?: boolean },
  chooser: VictimChooser,
): CandidateCache {
  return new CandidateCache({ name: 'test', rng: seedrandom('1'), keySpace: 64, ...options }, chooser);
}

/** Admits keys in order (all misses), as the Replayer does. */
function admit(c: CandidateCache, keys: number[]): void {
  for (const key of keys) if (!c.lookup(key, 1, 0)) c.insert(key, 1, 0);
}

describe('eviction env options (opt-in; defaults unchanged)', () => {
  it('defaults: 14 features, agent.json settings without the new options', () => {
    const env = new EvictionEnv(traceOf([0, 1, 2, 3]), { capacity: 2 });
    expect(env.observationSpace.shape).toEqual([8, FEATURE_COUNT]);
    expect(env.settings()).toEqual({ unit: 'objects', candidates: 8, horizonFactor: 4, features: 14, scorer: 'none' });
    const on = new EvictionEnv(traceOf([0, 1, 2, 3]), { capacity: 2, recentCandidates: 2, regimeFeatures: true });
    expect(on.observationSpace.shape).toEqual([8, 16]);
    expect(on.settings()).toEqual({ unit: 'objects', candidates: 8, horizonFactor: 4, features: 16, scorer: 'none', recentCandidates: 2, regimeFeatures: true });
    expect(featureCount({ regimeFeatures: true })).toBe(16);
    expect(() => new EvictionEnv(traceOf([0, 1]), { capacity: 1, candidates: 4, recentCandidates: 3 })).toThrow(/recentCandidates/);
  });

  it('recentCandidates: the newest admissions follow the LRU tail and the FIFO head, skipping excluded keys', () => {
    const c = cache({ capacity: 20, candidates: 6, recentCandidates: 2 }, () => 0);
    admit(c, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    c.lookup(0, 1, 0); // a hit: 0 stays the FIFO head, 1 becomes the LRU tail
    c.sampleCandidates();
    expect(Array.from(c.candidates.slice(0, 4))).toEqual([1, 0, 9, 8]);
    c.sampleCandidates((key) => key === 9 || key === 1);
    expect(Array.from(c.candidates.slice(0, 4))).toEqual([2, 0, 8, 7]);
    expect(new Set(c.candidates).size).toBe(6);
    // Without the option the third candidate is a random resident, as before.
    const plain = cache({ capacity: 20, candidates: 6 }, () => 0);
    const same = cache({ capacity: 20, candidates: 6, recentCandidates: 0 }, () => 0);
    for (const x of [plain, same]) {
      admit(x, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      x.sampleCandidates();
    }
    expect(Array.from(same.candidates)).toEqual(Array.from(plain.candidates));
  });

  it('regimeFeatures, hand-worked: quick returns and which kind of eviction they undo', () => {
    // Capacity 2, candidates [LRU tail, newest admission]; the chooser takes one of them.
    const run = (keys: number[], pick: 0 | 1): CandidateCache => {
      const c = cache({ capacity: 2, candidates: 3, recentCandidates: 1, regimeFeatures: true }, (x) => {
        x.sampleCandidates();
        return x.candidates[pick]!;
      });
      replay(c, traceOf(keys), { unit: 'objects' });
      return c;
    };
    // LRU: 0 1 2(evict 0) 0(evict 1; 0 evicted 1 eviction ago ≤ 1 resident → quick, it took the LRU tail).
    const lru = run([0, 1, 2, 0], 0);
    expect(lru.quickReturnRatio).toBe(1 / 1024);
    expect(lru.quickReturnLruShare).toBe(1 / 64);
    // MRU: 0 1 2(evict 1, the newest) 1(evict 2; 1 is back quickly, its eviction was not the LRU tail).
    const mru = run([0, 1, 2, 1], 1);
    expect(mru.quickReturnRatio).toBe(1 / 1024);
    expect(mru.quickReturnLruShare).toBe(0);
    // LRU: 0 1 2 3 4 0 — 0 returns 3 evictions after its own: not quick.
    const slow = run([0, 1, 2, 3, 4, 0], 0);
    expect(slow.quickReturnRatio).toBe(0);
    // The features sit in columns 14 and 15 of every row.
    const obs = new Float32Array(3 * 16);
    lru.sampleCandidates();
    lru.writeFeatures(obs);
    for (let row = 0; row < 3; row++) {
      expect(obs[row * 16 + F_QUICK_RETURN_RATIO]).toBeCloseTo(1 / 1024, 7);
      expect(obs[row * 16 + F_QUICK_RETURN_LRU_SHARE]).toBeCloseTo(1 / 64, 7);
    }
  });

  it('EvictionEnv with both options passes the checker; the newest admission is among the first three rows', () => {
    const trace = zipfTrace(5_000, 500, 0.8, 1, 0.2);
    const make = (): EvictionEnv => new EvictionEnv(trace, { capacity: 50, recentCandidates: 1, regimeFeatures: true });
    const t = checkEnv(make, { seed: 3, steps: 800 });
    const F = 16;
    for (const obs of t.observations.slice(1)) {
      expect(obs.length).toBe(8 * F);
      // LRU tail, FIFO head (skipped when it is the LRU tail), then the newest admission.
      const youngestOfFirstThree = Math.min(obs[F_AGE]!, obs[F + F_AGE]!, obs[2 * F + F_AGE]!);
      for (let row = 0; row < 8; row++) {
        expect(obs[row * F + F_AGE]).toBeGreaterThanOrEqual(youngestOfFirstThree);
        expect(obs[row * F + F_QUICK_RETURN_RATIO]).toBe(obs[F_QUICK_RETURN_RATIO]);
        expect(obs[row * F + F_QUICK_RETURN_LRU_SHARE]).toBe(obs[F_QUICK_RETURN_LRU_SHARE]);
      }
    }
    const last = t.observations.at(-1)!;
    expect(last[F_QUICK_RETURN_RATIO]).toBeGreaterThan(0);
    expect(last[F_QUICK_RETURN_RATIO]).toBeLessThanOrEqual(1);
    expect(last[F_QUICK_RETURN_LRU_SHARE]).toBeGreaterThanOrEqual(0);
    expect(last[F_QUICK_RETURN_LRU_SHARE]).toBeLessThanOrEqual(1);
  });

  it('reuseFeatures, hand-worked: the gap between the last two requests and how overdue the next one is', () => {
    // Requests at clock 1..6: 0 1 0 2 0 1 (capacity 4, no eviction). Key 0: requests at 3 and 5 →
    // interval 2; key 1: at 2 and 6 → interval 4; key 2: once. Now = 6, residents = 3.
    for (const regimeFeatures of [false, true]) {
      const c = cache({ capacity: 4, candidates: 3, regimeFeatures, reuseFeatures: true }, () => 0);
      admit(c, [0, 1, 0, 2, 0, 1]);
      const F = featureCount({ regimeFeatures, reuseFeatures: true });
      expect(F).toBe(regimeFeatures ? 18 : 16);
      const at = regimeFeatures ? 16 : 14; // after the regime features when those are on
      c.candidates.set([0, 1, 2]);
      const obs = new Float32Array(3 * F);
      c.writeFeatures(obs);
      const row = (i: number) => [obs[i * F + at]!, obs[i * F + at + 1]!];
      // key 0: log2(1 + 2/3)/6; overdue (6 − 5 − 2)/3 = −1/3 → −log2(1 + 1/3)/6
      expect(row(0)[0]).toBeCloseTo(Math.log2(5 / 3) / 6, 6);
      expect(row(0)[1]).toBeCloseTo(-Math.log2(4 / 3) / 6, 6);
      // key 1: log2(1 + 4/3)/6; overdue (6 − 6 − 4)/3 = −4/3 → −log2(1 + 4/3)/6
      expect(row(1)[0]).toBeCloseTo(Math.log2(7 / 3) / 6, 6);
      expect(row(1)[1]).toBeCloseTo(-Math.log2(7 / 3) / 6, 6);
      // key 2, requested once: no interval yet.
      expect(row(2)).toEqual([1, 1]);
    }
  });

  it('reuseFeatures: recorded in agent.json settings and the observation width; spans survive an eviction', () => {
    const env = new EvictionEnv(traceOf([0, 1, 2, 3]), { capacity: 2, reuseFeatures: true, regimeFeatures: true });
    expect(env.observationSpace.shape).toEqual([8, 18]);
    expect(env.settings()).toMatchObject({ features: 18, regimeFeatures: true, reuseFeatures: true });
    // Capacity 1: 0 is evicted by 1 and comes back; its interval spans the eviction (clock 1 → 3).
    const c = cache({ capacity: 1, candidates: 1, reuseFeatures: true }, (x) => {
      x.sampleCandidates();
      return x.candidates[0]!;
    });
    replay(c, traceOf([0, 1, 0]), { unit: 'objects' });
    c.candidates.set([0]);
    const obs = new Float32Array(16);
    c.writeFeatures(obs);
    expect(obs[14]).toBeCloseTo(Math.log2(1 + 2 / 1) / 6, 6);
  });

  it('decayFeatures, hand-worked: counts decayed at four time scales, read as log2 values', () => {
    // Requests at clock 1..6: 0 1 0 2 0 1 (capacity 4, no eviction). A request decays its key's
    // counts over the gap since the key's previous request with τ = scale × residents at that
    // moment, then adds 1; the decision reads them decayed to now (clock 6, 3 residents).
    const feature = (c: number) => Math.max(0, Math.min(1, (Math.log2(c + 2 ** -10) + 10) / 20));
    const expected = DECAY_SCALES.map((s) => {
      // key 0: 1 at clock 1; at clock 3 (2 residents): 1·e^(−2/2s) + 1; at clock 5 (3 residents): ·e^(−2/3s) + 1; now: ·e^(−1/3s)
      const key0 = ((Math.exp(-2 / (2 * s)) + 1) * Math.exp(-2 / (3 * s)) + 1) * Math.exp(-1 / (3 * s));
      // key 1: 1 at clock 2; at clock 6 (3 residents): e^(−4/3s) + 1; read at once
      const key1 = Math.exp(-4 / (3 * s)) + 1;
      // key 2: 1 at clock 4; now: e^(−2/3s)
      const key2 = Math.exp(-2 / (3 * s));
      return [key0, key1, key2].map(feature);
    });
    for (const [regimeFeatures, reuseFeatures, at] of [[false, false, 14], [true, true, 18]] as const) {
      const c = cache({ capacity: 4, candidates: 3, regimeFeatures, reuseFeatures, decayFeatures: true }, () => 0);
      admit(c, [0, 1, 0, 2, 0, 1]);
      const F = featureCount({ regimeFeatures, reuseFeatures, decayFeatures: true });
      expect(F).toBe(at + 4);
      c.candidates.set([0, 1, 2]);
      const obs = new Float32Array(3 * F);
      c.writeFeatures(obs);
      for (let j = 0; j < DECAY_SCALES.length; j++) {
        for (let i = 0; i < 3; i++) expect(obs[i * F + at + j]).toBeCloseTo(expected[j]![i]!, 6);
      }
    }
    // A count of exactly 1 reads 0.5; a long-dead key reads 0.
    expect(feature(1)).toBeCloseTo(0.5, 3);
    expect(feature(Math.exp(-50))).toBe(0);
  });

  it('decayFeatures: recorded in agent.json settings and the observation width', () => {
    const env = new EvictionEnv(traceOf([0, 1, 2, 3]), { capacity: 2, decayFeatures: true });
    expect(env.observationSpace.shape).toEqual([8, 18]);
    expect(env.settings()).toMatchObject({ features: 18, decayFeatures: true });
    expect(new EvictionEnv(traceOf([0, 1, 2, 3]), { capacity: 2 }).settings()).not.toHaveProperty('decayFeatures');
  });
});
