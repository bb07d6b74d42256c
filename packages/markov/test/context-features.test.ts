/**
 * Position, unordered and skip contexts and the session recency window: validation, hand-worked
 * predictions, and save/load.
 */
import { ConfigError, generateSessions } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { MarkovPredictor, type MarkovOptions } from '../src/index.js';
import { asOlderModelFile, batchOf, expectLearnsAlike } from './helpers.js';

/** Learns `sessions` (each a list of keys), the sessions one after another, session id = index. */
function learnSessions(sessions: number[][], options: Partial<MarkovOptions>): MarkovPredictor {
  const p = new MarkovPredictor(options);
  const keys = sessions.flat();
  const ids = sessions.flatMap((s, i) => s.map(() => i));
  const batch = batchOf(keys, ids);
  for (let i = 0; i < batch.length; i++) p.updateBatch(batch, i);
  return p;
}

/** predictSession as plain objects. */
function predict(p: MarkovPredictor, session: number, k: number): Array<{ key: number; probability: number }> {
  const keys = new Uint32Array(k);
  const probabilities = new Float64Array(k);
  const n = p.predictSession(session, k, keys, probabilities);
  return Array.from({ length: n }, (_, j) => ({ key: keys[j]!, probability: probabilities[j]! }));
}

function expectConfigError(options: Partial<MarkovOptions>, field: string): void {
  let error: unknown;
  try {
    new MarkovPredictor(options);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).field).toBe(field);
}

describe('option validation', () => {
  it('positions: a whole number in [0, 255]', () => {
    for (const positions of [-1, 256, 1.5, NaN]) expectConfigError({ positions }, 'positions');
    expect(new MarkovPredictor({ positions: 255 }).options.positions).toBe(255);
  });

  it('unordered and skip: 0 or 2..8, blend mode and next-request mode only', () => {
    for (const unordered of [1, 9, -1, 2.5]) expectConfigError({ unordered }, 'unordered');
    for (const skip of [1, 9, -2]) expectConfigError({ skip }, 'skip');
    expectConfigError({ unordered: 3, mode: 'fallback' }, 'unordered');
    expectConfigError({ skip: 2, mode: 'fallback' }, 'skip');
    expectConfigError({ unordered: 2, lookahead: 4 }, 'unordered');
    expect(new MarkovPredictor({ unordered: 8, skip: 8 }).options).toMatchObject({ unordered: 8, skip: 8 });
  });

  it('recentWindow: 0 or 2..64; recentScale and recentBoost: numbers ≥ 0', () => {
    for (const recentWindow of [1, 65, 3.5]) expectConfigError({ recentWindow }, 'recentWindow');
    expectConfigError({ recentWindow: 4, lookahead: 2 }, 'recentWindow');
    for (const recentScale of [-1, NaN, Infinity]) expectConfigError({ recentScale }, 'recentScale');
    for (const recentBoost of [-0.5, NaN]) expectConfigError({ recentBoost }, 'recentBoost');
    expect(new MarkovPredictor({ recentWindow: 64, recentScale: 0, recentBoost: 0 }).options.recentWindow).toBe(64);
  });
});

describe('position contexts (hand-worked)', () => {
  // X=0 A=1 B=2 Y=3. As a client's first request X is followed by A (twice); as its second, by B
  // (three times). Order 1 alone says B after X (3 of 5).
  const sessions = [[0, 1], [0, 1], [3, 0, 2], [3, 0, 2], [3, 0, 2], [0], [3, 0]];
  const first = 5; // a client that has made one request, X
  const second = 6; // a client that has made two, Y then X

  it('without positions every client gets the order-1 answer B', () => {
    const p = learnSessions(sessions, { order: 1 });
    expect(predict(p, first, 1)[0]!.key).toBe(2);
    expect(predict(p, second, 1)[0]!.key).toBe(2);
  });

  it('with positions the first-request context (1, X) → A outvotes order 1', () => {
    const p = learnSessions(sessions, { order: 1, positions: 2 });
    // Order 1, X: {A:2, B:3}, total 5, 2 distinct, weight 4·5/6 = 10/3: A (10/3)(2/7), B (10/3)(3/7).
    // Position (1, X): {A:2}, total 2, weight 4²·2/3 = 32/3: A (32/3)(2/3). Normaliser 10/3 + 32/3 = 14.
    const out = predict(p, first, 2);
    expect(out.map((x) => x.key)).toEqual([1, 2]);
    expect(out[0]!.probability).toBeCloseTo(((10 / 3) * (2 / 7) + (32 / 3) * (2 / 3)) / 14, 12);
    expect(out[1]!.probability).toBeCloseTo(((10 / 3) * (3 / 7)) / 14, 12);
    // The client at position 2 uses (2, X) → B.
    expect(predict(p, second, 1)[0]!.key).toBe(2);
  });

  it('save/load keeps the per-slot request counts (slotCount)', () => {
    const p = learnSessions(sessions, { order: 1, positions: 2 });
    const q = MarkovPredictor.load(p.save());
    expect(q.exportState().arrays.slotCount).toEqual(p.exportState().arrays.slotCount);
    expect(Array.from(q.exportState().arrays.slotCount.subarray(0, 7))).toEqual([2, 2, 2, 2, 2, 1, 2]);
    expect(predict(q, first, 2)).toEqual(predict(p, first, 2));
    expect(predict(q, second, 2)).toEqual(predict(p, second, 2));
  });
});

describe('unordered contexts (hand-worked)', () => {
  // A=0 B=1 C=2 E=3. [A,B] and [B,A] are both followed by C; A alone is followed by E twice.
  const sessions = [[0, 1, 2], [1, 0, 2], [0, 3], [0, 3], [1, 0]];
  const probe = 4; // has requested B then A

  it('order 1 says E after A; the set {A, B} says C, whatever the order', () => {
    expect(predict(learnSessions(sessions, { order: 1 }), probe, 1)[0]!.key).toBe(3);
    const p = learnSessions(sessions, { order: 1, unordered: 2 });
    // Order 1, A: {B:1, C:1, E:2}, total 4, 3 distinct, weight 4·4/5 = 16/5.
    // Set {A,B}: {C:2}, total 2, weight 4²·2/3 = 32/3: C (32/3)(2/3).
    const weight = 16 / 5 + 32 / 3;
    const out = predict(p, probe, 3);
    expect(out.map((x) => x.key)).toEqual([2, 3, 1]);
    expect(out[0]!.probability).toBeCloseTo(((16 / 5) * (1 / 7) + (32 / 3) * (2 / 3)) / weight, 12);
    expect(out[1]!.probability).toBeCloseTo(((16 / 5) * (2 / 7)) / weight, 12);
    p.verify();
  });
});

describe('skip contexts (hand-worked)', () => {
  // A=0 B=1 C=2 E=3 F=4 G=5 Z=9. C comes two requests after A; E is followed by F once, G once.
  const sessions = [[0, 1, 2], [0, 1, 2], [3, 4], [3, 5], [0, 3], [0, 9]];

  it('"A two requests back" votes for C when the order-1 context E is split', () => {
    expect(predict(learnSessions(sessions, { order: 1 }), 4, 1)[0]!.key).toBe(4);
    const p = learnSessions(sessions, { order: 1, skip: 2 });
    // Order 1, E: {F:1, G:1}, weight 4·2/3 = 8/3: F and G (8/3)(1/4) each.
    // Skip (A, lag 2): {C:2}, weight (4/2)·2/3 = 4/3: C (4/3)(2/3) = 8/9 > 2/3.
    const out = predict(p, 4, 3);
    expect(out.map((x) => x.key)).toEqual([2, 4, 5]);
    expect(out[0]!.probability).toBeCloseTo(8 / 9 / (8 / 3 + 4 / 3), 12);
  });

  it('never predicts on its own: no prediction after a key with no successor yet', () => {
    const p = learnSessions(sessions, { order: 1, skip: 2 });
    expect(predict(p, 5, 3)).toEqual([]); // [A, Z]: Z was never followed; skip (A, 2) exists
  });
});

describe('session recency window (hand-worked)', () => {
  // X=0 A=1 B=2 C=3 D=4. X is followed by A three times, by B twice.
  const shared = [[0, 1], [0, 1], [0, 1], [0, 2], [0, 2]];

  it('a client that has not re-requested anything is not predicted to fetch A again', () => {
    const sessions = [...shared, [3, 4, 1, 0]]; // client 5: C, D, A, X
    expect(predict(learnSessions(sessions, { order: 1 }), 5, 2).map((x) => x.key)).toEqual([1, 2]);
    const p = learnSessions(sessions, { order: 1, recentWindow: 4 }); // recentScale 4, recentBoost 0.2
    // Client 5's rate: 2 requests counted (A, X), no re-request → (0.3 + 0)/(1 + 2) = 0.1.
    // Votes: weight 4·5/6 = 10/3, A (10/3)(3/7) = 10/7, B (10/3)(2/7) = 20/21.
    // Window keys other than X: C, D, A. A × min(1, 4·0.1) = 0.4; the boost 0.2·0.1·10/3 = 1/15
    // is shared by C, D and A (1/45 each); the normaliser becomes 10/3 + 1/15 = 17/5.
    const out = predict(p, 5, 4);
    expect(out.map((x) => x.key)).toEqual([2, 1, 3, 4]);
    expect(out[0]!.probability).toBeCloseTo(20 / 21 / (17 / 5), 12);
    expect(out[1]!.probability).toBeCloseTo(((10 / 7) * 0.4 + 1 / 45) / (17 / 5), 12);
    expect(out[2]!.probability).toBeCloseTo(1 / 45 / (17 / 5), 12);
    expect(out.reduce((s, x) => s + x.probability, 0)).toBeLessThanOrEqual(1);
  });

  it('a client that keeps re-requesting keeps its recent keys on top', () => {
    const p = learnSessions([...shared, [1, 0, 1, 0, 1, 0]], { order: 1, recentWindow: 4 }); // A X A X A X
    // Rate (0.3 + 4)/(1 + 4) = 0.86 → no penalty; A also gets the recency prior.
    expect(predict(p, 5, 1)[0]!.key).toBe(1);
  });

  it('recentBoost 0 only penalises: no candidate is added', () => {
    const p = learnSessions([...shared, [3, 4, 1, 0]], { order: 1, recentWindow: 4, recentBoost: 0 });
    const out = predict(p, 5, 4);
    expect(out.map((x) => x.key)).toEqual([2, 1]);
    expect(out[1]!.probability).toBeCloseTo(((10 / 7) * 0.4) / (10 / 3), 12);
  });
});

describe('save / load with every context feature on', () => {
  it('round-trips: the loaded model predicts and learns exactly as the saved one', () => {
    const trace = generateSessions({ requests: 20_000, endpoints: 60, users: 12, seed: 5 });
    const options: Partial<MarkovOptions> = { order: 2, sessionStats: true, positions: 4, unordered: 3, skip: 3, recentWindow: 8, maxStates: 1024 };
    const a = new MarkovPredictor(options);
    for (let i = 0; i < 12_000; i++) a.updateBatch(trace.batch, i);
    const b = MarkovPredictor.load(a.save());
    expect(b.options).toEqual(a.options);
    expect(b.exportState().arrays.slotRequests).toEqual(a.exportState().arrays.slotRequests);
    expect(Array.from(a.exportState().arrays.slotRepeats).some((x) => x > 0)).toBe(true);
    for (let s = 0; s < 12; s++) expect(predict(b, s, 5)).toEqual(predict(a, s, 5));
    expectLearnsAlike(a, b, trace.batch, 12_000);
    a.verify();
  });

  it('loads a model file written before the recency counters existed (window off)', () => {
    const a = learnSessions([[0, 1, 2], [0, 1]], { order: 1, positions: 2 });
    const bytes = a.save();
    // Rewrite the file without the slotRequests/slotRepeats entries, as older versions wrote it.
    const older = asOlderModelFile(bytes, (name) => name === 'slotRequests' || name === 'slotRepeats');
    const b = MarkovPredictor.load(older);
    expect(b.exportState().arrays.slotRequests.length).toBe(0);
    expect(predict(b, 1, 2)).toEqual(predict(a, 1, 2));
    expect(Buffer.from(b.save()).equals(Buffer.from(bytes))).toBe(true);
  });
});
