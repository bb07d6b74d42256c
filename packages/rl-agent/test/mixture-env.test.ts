import { describe, expect, it } from 'vitest';
import { checkEnv } from '../src/env/checker.js';
import { EvictionEnv } from '../src/env/eviction-env.js';
import { evictionTrainingEnv } from '../src/env/eviction-training-env.js';
import { MixtureEnv } from '../src/env/mixture-env.js';
import { TimeLimit } from '../src/env/wrappers.js';
import { traceOf, zipfTrace } from './helpers/trace.js';

describe('MixtureEnv', () => {
  const a = zipfTrace(3_000, 400, 0.8, 1, 0.2);
  const b = traceOf(Array.from({ length: 600 }, (_, i) => i % 30));
  const members = () => [new EvictionEnv(a, { capacity: 40 }), new EvictionEnv(b, { capacity: 20 })];

  it('takes members in turn, segmentSteps decisions each, continuing a member where it stopped', () => {
    const env = new MixtureEnv(members(), { segmentSteps: 50 });
    const seen: { member: number; requests: number; truncated: boolean }[] = [];
    env.reset({ seed: 1 });
    for (let i = 0; i < 200; i++) {
      const r = env.step(0);
      seen.push({ member: r.info.member!, requests: r.info.requests!, truncated: r.truncated });
      if (r.truncated || r.terminated) env.reset({ seed: 2 + i });
    }
    expect(seen.map((s) => s.member)).toEqual([...Array(50).fill(0), ...Array(50).fill(1), ...Array(50).fill(0), ...Array(50).fill(1)]);
    expect(seen.filter((s) => s.truncated).length).toBe(4);
    // Member 0's second segment goes on from its first: its request count keeps growing.
    expect(seen[50 + 50]!.requests).toBeGreaterThan(seen[49]!.requests);
    expect(seen.slice(100, 150).every((s, i, all) => i === 0 || s.requests >= all[i - 1]!.requests)).toBe(true);
  });

  it('resets a member whose trace ran out (terminated, no bootstrapping) and starts it over', () => {
    // The 30-key loop at capacity 20 needs one decision per request after the first 20: 580 in all.
    const env = new MixtureEnv([new EvictionEnv(b, { capacity: 20 })], { segmentSteps: 400 });
    env.reset({ seed: 1 });
    const ends: { step: number; terminated: boolean; truncated: boolean }[] = [];
    for (let i = 0; i < 1_000; i++) {
      const r = env.step(0);
      if (r.terminated || r.truncated) {
        ends.push({ step: i, terminated: r.terminated, truncated: r.truncated });
        const start = env.reset({ seed: 5 });
        // Started over: the first decision comes once the 20 slots are full.
        if (r.terminated) expect(start.info.requests).toBe(20);
      }
    }
    expect(ends.slice(0, 3)).toEqual([
      { step: 399, terminated: false, truncated: true },
      { step: 579, terminated: true, truncated: false },
      { step: 979, terminated: false, truncated: true },
    ]);
  });

  it('resets a member that a wrapper of its own truncated', () => {
    const env = new MixtureEnv([new TimeLimit(new EvictionEnv(a, { capacity: 40 }), 30)]);
    env.reset({ seed: 1 });
    for (let i = 0; i < 30; i++) env.step(1);
    expect(env.reset({ seed: 1 }).info.requests).toBeLessThan(100);
  });

  it('passes the checker: same seed, same trajectory', () => {
    const t = checkEnv(() => new MixtureEnv(members(), { segmentSteps: 70 }), { seed: 3, steps: 400 });
    expect(t.truncated.filter(Boolean).length).toBeGreaterThanOrEqual(5);
  });

  it('rejects members with different spaces and bad segment lengths', () => {
    expect(() => new MixtureEnv([new EvictionEnv(a, { capacity: 40 }), new EvictionEnv(b, { capacity: 20, candidates: 4 })])).toThrow(/member 1/);
    expect(() => new MixtureEnv([])).toThrow(/at least one/);
    expect(() => new MixtureEnv(members(), { segmentSteps: 0 })).toThrow(/segmentSteps/);
  });
});

describe('evictionTrainingEnv', () => {
  const a = zipfTrace(3_000, 400, 0.8, 1, 0.2);
  const b = traceOf(Array.from({ length: 600 }, (_, i) => i % 30));

  it('one member is a plain EvictionEnv (TimeLimit when maxEpisodeSteps is set), with its settings', () => {
    const plain = evictionTrainingEnv([{ batch: a, capacity: 40 }], { candidates: 4, horizonFactor: 8 });
    expect(plain.env).toBe(plain.first);
    expect(plain.first.settings()).toMatchObject({ unit: 'objects', candidates: 4, horizonFactor: 8 });
    const limited = evictionTrainingEnv([{ batch: a, capacity: 40 }], { maxEpisodeSteps: 25 });
    limited.env.reset({ seed: 1 });
    let steps = 0;
    for (let r = limited.env.step(0); !r.truncated; r = limited.env.step(0)) steps++;
    expect(steps + 1).toBe(25);
  });

  it('several members take turns of segmentSteps decisions, each with its own capacity', () => {
    const { env } = evictionTrainingEnv([{ batch: a, capacity: 40 }, { batch: b, capacity: 20 }], { segmentSteps: 10, candidates: 4 });
    expect(env).toBeInstanceOf(MixtureEnv);
    env.reset({ seed: 1 });
    const members: number[] = [];
    const requests: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = env.step(0);
      members.push(r.info.member!);
      requests.push(r.info.requests!);
      if (r.truncated || r.terminated) env.reset({ seed: 1 });
    }
    expect(members).toEqual([...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(0), ...Array(10).fill(1)]);
    // Member 1 is the 30-key loop at capacity 20: its first decision comes at request 20 (the
    // cache is full) and every later request misses, so its k-th step has served 20 + k requests;
    // its second turn continues from there.
    expect(requests.slice(10, 20)).toEqual(Array.from({ length: 10 }, (_, k) => 21 + k));
    expect(requests.slice(30, 40)).toEqual(Array.from({ length: 10 }, (_, k) => 31 + k));
  });

  it('refuses segmentSteps with a single member and an empty member list', () => {
    expect(() => evictionTrainingEnv([{ batch: a, capacity: 40 }], { segmentSteps: 10 })).toThrow(/several traces or sizes/);
    expect(() => evictionTrainingEnv([])).toThrow(/at least one/);
  });
});
