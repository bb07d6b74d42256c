import { createPolicy, replay } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { CacheEnv, CACHE_ENV_FEATURES } from '../src/env/cache-env.js';
import { checkEnvAsync } from '../src/env/checker.js';
import { AsyncTimeLimit } from '../src/env/wrappers.js';
import { OraclePredictor, SuccessorPredictor } from './helpers/predictor.js';
import { zipfTrace } from './helpers/trace.js';

const trace = zipfTrace(6_000, 800, 0.8, 5, 0.1);

async function playAll(env: CacheEnv, action: number) {
  await env.reset({ seed: 1 });
  const steps = [];
  for (;;) {
    const r = await env.step(action);
    steps.push(r);
    if (r.terminated) return steps;
  }
}

describe('CacheEnv (window of W requests through a CacheManager per step)', () => {
  it('has the documented spaces: 10 normalised metrics; no-op, 2×evictLru, 2×evictLowProbability, 2×prefetch', () => {
    const env = new CacheEnv(trace, { capacity: 100, predictor: () => new SuccessorPredictor() });
    expect(env.observationSpace.shape).toEqual([CACHE_ENV_FEATURES.length]);
    expect(env.actions).toEqual([
      { kind: 'noop' },
      { kind: 'evictLru', count: 1 },
      { kind: 'evictLru', count: 5 },
      { kind: 'evictLowProbability', count: 1 },
      { kind: 'evictLowProbability', count: 5 },
      { kind: 'prefetch', threshold: 0.5 },
      { kind: 'prefetch', threshold: 0.2 },
    ]);
  });

  it('step before reset is a clear error', async () => {
    const env = new CacheEnv(zipfTrace(2_000, 200, 0.9, 1), { capacity: 20, predictor: () => new SuccessorPredictor() });
    await expect(env.step(0)).rejects.toThrow('step() before reset(); call reset({ seed }) first');
  });

  it('passes the checker (same seed, same trajectory) with truncation by AsyncTimeLimit', async () => {
    const t = await checkEnvAsync(
      () => new AsyncTimeLimit(new CacheEnv(trace, { capacity: 100, window: 500, predictor: () => new SuccessorPredictor(), randomStart: true }), 4),
      { seed: 2, steps: 10 },
    );
    expect(t.truncated.slice(0, 4)).toEqual([false, false, false, true]);
  });

  it('no-op against an LRU shadow: the manager is an LRU cache, so every reward is exactly 0 and the hit rate is LRU’s', async () => {
    const steps = await playAll(new CacheEnv(trace, { capacity: 100, window: 1_000, predictor: () => new SuccessorPredictor() }), 0);
    expect(steps).toHaveLength(6);
    expect(steps.every((s) => s.reward === 0)).toBe(true);
    const lru = replay(createPolicy('lru', { capacity: 100 }), trace, { unit: 'objects' });
    expect(steps.at(-1)!.info.hit_rate).toBeCloseTo(1 - lru.missRatio, 12);
    expect(steps.map((s) => s.info.window_hits)).toEqual(steps.map((s) => s.info.baseline_hits));
  });

  it('evicting 5% of the capacity before every window cannot beat the shadow LRU; oracle prefetch does', async () => {
    const evicting = await playAll(new CacheEnv(trace, { capacity: 100, window: 200, predictor: () => new SuccessorPredictor() }), 2);
    expect(evicting.every((s) => s.reward <= 0)).toBe(true);
    expect(evicting.some((s) => s.reward < 0)).toBe(true);
    const oracle = await playAll(new CacheEnv(trace, { capacity: 100, window: 1, predictor: () => new OraclePredictor(trace) }), 5);
    // Prefetching the true next request before each 1-request window turns nearly every request into a hit.
    expect(oracle.at(-1)!.info.hit_rate).toBeGreaterThan(0.99);
  });

  it('reward "hit-rate-delta" is the spec formula: (cumulative hit rate after − before) × 100', async () => {
    const steps = await playAll(new CacheEnv(trace, { capacity: 100, window: 1_500, reward: 'hit-rate-delta', predictor: () => new SuccessorPredictor() }), 0);
    let before = 0;
    for (const s of steps) {
      expect(s.reward).toBeCloseTo((s.info.hit_rate! - before) * 100, 10);
      before = s.info.hit_rate!;
    }
  });
});
