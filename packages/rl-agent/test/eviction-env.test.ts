import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTrace } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { checkEnv } from '../src/env/checker.js';
import type { Env, StepResult } from '../src/env/env.js';
import { EvictionEnv, evictionReward, rankReward } from '../src/env/eviction-env.js';
import { FEATURE_COUNT, F_PROBABILITY, F_VOTE_FIFO, F_VOTE_LRU } from '../src/env/features.js';
import { TimeLimit } from '../src/env/wrappers.js';
import { traceOf, zipfTrace } from './helpers/trace.js';

/** The row whose feature `f` is 1 (an expert's vote). */
function voted(obs: Float32Array, f: number, k: number): number {
  for (let i = 0; i < k; i++) if (obs[i * FEATURE_COUNT + f] === 1) return i;
  throw new Error(`no candidate carries vote feature ${f}`);
}

/** Plays a whole episode following one expert's vote; returns every step. */
function followExpert(env: EvictionEnv, f: number): StepResult[] {
  let { observation } = env.reset({ seed: 1 });
  const steps: StepResult[] = [];
  for (;;) {
    const r = env.step(voted(observation, f, env.k));
    steps.push(r);
    if (r.terminated || r.truncated) return steps;
    observation = r.observation;
  }
}

describe('EvictionEnv', () => {
  it('misuse is a clear error: step before reset, and a cache that never fills (no decision to make)', () => {
    const trace = traceOf([1, 2, 3, 1, 2, 4]);
    expect(() => new EvictionEnv(trace, { capacity: 2 }).step(0)).toThrow('step() before reset(); call reset({ seed }) first');
    // 4 distinct keys fit a cache of 4: no request ever needs an eviction.
    expect(() => new EvictionEnv(trace, { capacity: 4 }).reset({ seed: 1 })).toThrow('no eviction decision in this episode: a cache of 4 objects never fills on requests 0..6');
    expect(new EvictionEnv(trace, { capacity: 3 }).reset({ seed: 1 }).info).toMatchObject({ decisions: 0 }); // 3 slots: key 4 needs the first decision
  });

  it('passes the checker: same seed, same trajectory; observations inside the box', () => {
    const trace = zipfTrace(5_000, 500, 0.8, 1, 0.2);
    const t = checkEnv(() => new TimeLimit(new EvictionEnv(trace, { capacity: 50 }), 300), { seed: 3, steps: 800 });
    expect(t.truncated.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(t.rewards.some((r) => r < 0)).toBe(true);
    // Another seed samples other candidates.
    const other = checkEnv(() => new EvictionEnv(trace, { capacity: 50 }), { seed: 4, steps: 100 });
    expect(other.observations).not.toEqual(t.observations.slice(0, 101));
  });

  it('with scorer "markov" the access-probability feature carries the Markov predictor’s estimate', () => {
    // A strict cycle 0..9 with room for 5: the predictor learns the order; the key right after the
    // current one is the likeliest next request.
    const keys = Array.from({ length: 400 }, (_, i) => i % 10);
    const env = new EvictionEnv(traceOf(keys), { capacity: 5, candidates: 5, scorer: 'markov' });
    expect(env.settings().scorer).toBe('markov');
    const t = checkEnv(() => new EvictionEnv(traceOf(keys), { capacity: 5, candidates: 5, scorer: 'markov' }), { seed: 1, steps: 300 });
    const probabilities = t.observations.at(-1)!.filter((_, i) => i % FEATURE_COUNT === F_PROBABILITY);
    expect(Math.max(...probabilities)).toBeGreaterThan(0.5);
    expect(probabilities.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('hand-worked trace: LRU choices, rewards from the victims next use, termination at the end', () => {
    // keys 0 1 2 0 3 0 1, capacity 2. LRU: m m m(evict 0) m(evict 1) m(evict 2) h m(evict 3).
    const env = new EvictionEnv(traceOf([0, 1, 2, 0, 3, 0, 1]), { capacity: 2, candidates: 2, horizonFactor: 1 });
    const steps = followExpert(env, F_VOTE_LRU);
    // Victim 0 at position 2 is requested at 3: d = 1, H = 1 × 2 residents → −(1 − 1/2).
    // Victim 1 at position 3 returns at 6: d = 3 > H → 0. Victims 2 and 3 never return → 0.
    expect(steps.map((s) => s.reward)).toEqual([-0.5, 0, 0, 0]);
    expect(steps.map((s) => s.terminated)).toEqual([false, false, false, true]);
    expect(steps.at(-1)!.info.hit_ratio).toBeCloseTo(1 / 7, 12);
    expect(steps.at(-1)!.observation.every((v) => v === 0)).toBe(true);
    expect(() => env.step(0)).toThrow(/reset/);
  });

  it('hyperbolic reward shape: −H/(H + d) on the same hand-worked trace, and recorded in settings', () => {
    const env = new EvictionEnv(traceOf([0, 1, 2, 0, 3, 0, 1]), { capacity: 2, candidates: 2, horizonFactor: 1, rewardShape: 'hyperbolic' });
    const steps = followExpert(env, F_VOTE_LRU);
    // H = 2. Victim 0: d = 1 → −2/3. Victim 1: d = 3 (beyond H, linear gives 0) → −2/5.
    // Victims 2 and 3 never return → 0.
    const rewards = steps.map((s) => s.reward);
    expect(rewards[0]).toBeCloseTo(-2 / 3, 12);
    expect(rewards[1]).toBeCloseTo(-2 / 5, 12);
    expect(rewards.slice(2)).toEqual([0, 0]);
    expect(env.settings().rewardShape).toBe('hyperbolic');
    expect(new EvictionEnv(traceOf([0, 1, 2]), { capacity: 2 }).settings()).not.toHaveProperty('rewardShape');
    expect(() => new EvictionEnv(traceOf([0, 1, 2]), { capacity: 2, rewardShape: 'cubic' as never })).toThrow(/rewardShape must be one of linear, hyperbolic, rank/);
  });

  it('rank reward: the share of the other candidates needed later than the victim (hand-worked)', () => {
    // Distances of four candidates: 5, never, 3, 9.
    const distances = [5, Infinity, 3, 9];
    expect(rankReward(3, distances, 4)).toBe(-1); // every other one is needed later
    expect(rankReward(5, distances, 4)).toBe(-2 / 3); // never and 9 are farther
    expect(rankReward(9, distances, 4)).toBe(-1 / 3);
    expect(rankReward(Infinity, distances, 4)).toBe(-0); // Belady's choice
    expect(rankReward(3, distances, 1)).toBe(0); // a single candidate: nothing to choose
    // On a loop longer than the horizon every victim returns after it, so 'linear' scores every
    // choice 0; 'rank' still orders them the way Belady does (the one needed last is free).
    // Loop 0..5 twice, capacity 3, candidates 3 (all residents), horizonFactor 1 (H = 3). The first
    // decision comes at key 3 (position 3): residents 0, 1, 2 return at 6, 7, 8 (d = 3, 4, 5).
    // Candidate 0 is the LRU tail, key 0; the other two are keys 1 and 2 in sampled order.
    const loop = traceOf([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    const firstReward = (shape: 'linear' | 'rank', action: number) => {
      const env = new EvictionEnv(loop, { capacity: 3, candidates: 3, horizonFactor: 1, rewardShape: shape });
      env.reset({ seed: 1 });
      return env.step(action).reward;
    };
    expect([0, 1, 2].map((a) => firstReward('linear', a))).toEqual([0, 0, 0]);
    expect(firstReward('rank', 0)).toBe(-1);
    expect([firstReward('rank', 1), firstReward('rank', 2)].sort()).toEqual([-0.5, -0]);
    const rank = new EvictionEnv(loop, { capacity: 3, rewardShape: 'rank' });
    expect(rank.settings().rewardShape).toBe('rank');
  });

  it('evictionReward: both shapes are −1 at d = 0, 0 for a key never requested again, and never rise with d', () => {
    for (const shape of ['linear', 'hyperbolic'] as const) {
      expect(evictionReward(0, 10, shape)).toBe(-1);
      expect(evictionReward(Infinity, 10, shape)).toBe(0);
      const values = [0, 1, 5, 9, 10, 11, 40, 1000].map((d) => evictionReward(d, 10, shape));
      for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    }
    expect(evictionReward(10, 10, 'linear')).toBe(0);
    expect(evictionReward(10, 10, 'hyperbolic')).toBe(-0.5);
    expect(evictionReward(30, 10, 'hyperbolic')).toBe(-0.25);
  });

  it('byte mode: one request can need several decisions; capacity is never exceeded', () => {
    // capacity 3 bytes; 0,1,2 (1 byte each) fill it; key 3 (3 bytes) needs three evictions.
    const env = new EvictionEnv(traceOf([0, 1, 2, 3, 0], [1, 1, 1, 3, 1]), { capacity: 3, unit: 'bytes', candidates: 3, horizonFactor: 1 });
    const steps = followExpert(env, F_VOTE_LRU);
    // Decisions: three for key 3, one for key 0 (evicting 3). All victims: 0 returns at 4 (d = 1).
    expect(steps).toHaveLength(4);
    expect(steps[0]!.reward).toBeLessThan(0);
    expect(steps.slice(1).map((s) => s.reward)).toEqual([0, 0, 0]);
    expect(steps.at(-1)!.info.hit_ratio).toBe(0);
  });
});

const traces = fileURLToPath(new URL('../../../../shared/traces/', import.meta.url));
const cloud = `${traces}cloudPhysicsIO.oracleGeneral.bin`;

describe.skipIf(!fs.existsSync(cloud))('EvictionEnv on cloudPhysicsIO against libCacheSim (needs ../shared/traces)', () => {
  it('following the LRU vote reproduces LRU (95,420 misses) and the FIFO vote FIFO (96,518) at 489 objects', async () => {
    const { batch } = await loadTrace(cloud);
    const misses = (f: number) => {
      const env = new EvictionEnv(batch, { capacity: 489 });
      const last = followExpert(env, f).at(-1)!;
      return Math.round(batch.length * (1 - last.info.hit_ratio!));
    };
    expect(misses(F_VOTE_LRU)).toBe(95_420);
    expect(misses(F_VOTE_FIFO)).toBe(96_518);
  });
});

export type { Env };
