import { ABSENT, generateSessions } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { MAX_KEY_ID, MarkovPredictor, MarkovModelError, NaiveFirstOrderPredictor, evaluatePredictor, type MarkovOptions } from '../src/index.js';
import { batchOf, expectLearnsAlike } from './helpers.js';

function learn(keys: number[], options: Partial<MarkovOptions>, sessions?: number[]): MarkovPredictor {
  const predictor = new MarkovPredictor(options);
  const batch = batchOf(keys, sessions);
  for (let i = 0; i < batch.length; i++) predictor.updateBatch(batch, i);
  return predictor;
}

describe('first-order transitions (hand-worked)', () => {
  // A=0 B=1 C=2: A→B twice, A→C once, B→A once, C→A once.
  const sequence = [0, 1, 0, 2, 0, 1];

  it('gives count/total without escape', () => {
    const p = learn(sequence, { order: 1, mode: 'fallback', escape: false });
    expect(p.predictNext([0], 3)).toEqual([
      { key: 1, probability: 2 / 3 },
      { key: 2, probability: 1 / 3 },
    ]);
    expect(p.predictNext([1], 3)).toEqual([{ key: 0, probability: 1 }]);
    expect(p.predictNext([2], 1)).toEqual([{ key: 0, probability: 1 }]);
    expect(p.predictNext([7], 3)).toEqual([]);
    expect(p.predictNext([0], 1)).toEqual([{ key: 1, probability: 2 / 3 }]);
  });

  it('reserves PPM-C escape mass d/(total+d) with escape', () => {
    const p = learn(sequence, { order: 1, mode: 'fallback', escape: true });
    // A: 3 observations, 2 distinct successors → 2/5 and 1/5; the remaining 2/5 is "unseen".
    expect(p.predictNext([0], 3)).toEqual([
      { key: 1, probability: 2 / 5 },
      { key: 2, probability: 1 / 5 },
    ]);
    expect(p.predictNext([1], 3)).toEqual([{ key: 0, probability: 1 / 2 }]);
  });

  it('blend of one order equals the single distribution', () => {
    const p = learn(sequence, { order: 1, mode: 'blend', escape: false });
    const [first, second] = p.predictNext([0], 2);
    expect(first!.key).toBe(1);
    expect(first!.probability).toBeCloseTo(2 / 3, 12);
    expect(second!.probability).toBeCloseTo(1 / 3, 12);
  });

  it('keeps sessions apart: a session continues from its own last key', () => {
    // session 0: 5 6 5 6 ; session 1: 5 7 (interleaved)
    const p = learn([5, 5, 6, 7, 5, 6], { order: 1, mode: 'fallback', escape: false }, [0, 1, 0, 1, 0, 0]);
    expect(p.predictNext([5], 3)).toEqual([
      { key: 6, probability: 2 / 3 },
      { key: 7, probability: 1 / 3 },
    ]);
    // 6 was followed by 5 once (session 0); 7 was followed by nothing.
    expect(p.predictNext([6], 3)).toEqual([{ key: 5, probability: 1 }]);
    expect(p.predictNext([7], 3)).toEqual([]);
    const keys = new Uint32Array(2);
    const probs = new Float64Array(2);
    expect(p.predictSession(1, 2, keys, probs)).toBe(0); // session 1 is at 7
    expect(p.predictSession(0, 2, keys, probs)).toBe(1); // session 0 is at 6
    expect([keys[0], probs[0]]).toEqual([5, 1]);
  });
});

describe('argument checks', () => {
  it('refuses key ids a typed array would wrap or that would allocate gigabytes, and a k below 1', () => {
    const p = new MarkovPredictor();
    for (const key of [-1, 1.5, NaN, MAX_KEY_ID + 1, 2 ** 33]) {
      expect(() => p.observe(key, ABSENT), String(key)).toThrow(`key must be a dense integer id in [0, ${MAX_KEY_ID}], got ${key}`);
    }
    expect(p.updates).toBe(0); // nothing half-learned
    p.observe(0, ABSENT);
    p.observe(1_000_000, ABSENT); // a large, valid id (MAX_KEY_ID itself would allocate gigabytes)
    expect(p.predictNext([0], 1)).toEqual([{ key: 1_000_000, probability: 0.5 }]);
    for (const k of [0, -1, 1.5, NaN]) expect(() => p.predictNext([0], k), String(k)).toThrow(`k must be a whole number ≥ 1 (how many predictions), got ${k}`);
  });
});

describe('variable order (PPM)', () => {
  // 1 2 3 | 4 2 5 | 1 2 3 | 4 2 5 : after 2, order 1 says 3 or 5 (1/2 each); order 2 knows.
  const sequence = [1, 2, 3, 4, 2, 5, 1, 2, 3, 4, 2, 5];

  it('fallback uses the longest context seen', () => {
    const p = learn(sequence, { order: 2, mode: 'fallback', escape: false });
    expect(p.predictNext([1, 2], 2)).toEqual([{ key: 3, probability: 1 }]);
    expect(p.predictNext([4, 2], 2)).toEqual([{ key: 5, probability: 1 }]);
    // [9, 2] never seen: falls back to order 1 after 2: 3 and 5 twice each, 3 seen first.
    expect(p.predictNext([9, 2], 2)).toEqual([
      { key: 3, probability: 1 / 2 },
      { key: 5, probability: 1 / 2 },
    ]);
  });

  it('blend weighs order 2 by orderWeight^2·t/(t+1) against order 1 by orderWeight·t/(t+1)', () => {
    const p = learn(sequence, { order: 2, mode: 'blend', escape: false, orderWeight: 4 });
    // order 1 after 2: total 4 (3:2, 5:2), weight 4·4/5; order 2 after [1,2]: total 2 (3:2), weight 16·2/3.
    const w1 = 4 * (4 / 5);
    const w2 = 16 * (2 / 3);
    const [best, other] = p.predictNext([1, 2], 2);
    expect(best!.key).toBe(3);
    expect(best!.probability).toBeCloseTo((w1 * 0.5 + w2 * 1) / (w1 + w2), 12);
    expect(other!.key).toBe(5);
    expect(other!.probability).toBeCloseTo((w1 * 0.5) / (w1 + w2), 12);
  });

  it('probabilities are best first and sum to at most 1', () => {
    const trace = generateSessions({ requests: 20_000, endpoints: 40, users: 10, seed: 3 });
    const p = new MarkovPredictor({ order: 3, sessionStats: true });
    for (let i = 0; i < trace.batch.length; i++) p.updateBatch(trace.batch, i);
    for (let a = 0; a < 40; a++) {
      for (let b = 0; b < 40; b += 7) {
        const out = p.predictNext([b, a], 10, 3);
        const sum = out.reduce((s, x) => s + x.probability, 0);
        expect(sum).toBeLessThanOrEqual(1 + 1e-12);
        for (let j = 1; j < out.length; j++) expect(out[j]!.probability).toBeLessThanOrEqual(out[j - 1]!.probability);
      }
    }
  });
});

describe('decay', () => {
  it('halves a count exactly after one half-life', () => {
    // 0→1 observed at request 1; then 10 requests of another session.
    const keys = [0, 1, ...Array<number>(10).fill(5)];
    const sessions = [0, 0, ...Array<number>(10).fill(1)];
    const p = learn(keys, { order: 1, halfLife: 10 }, sessions);
    expect(p.transitionCount([0], 1)).toBe(0.5);
    const q = learn(keys, { order: 1, halfLife: 5 }, sessions);
    expect(q.transitionCount([0], 1)).toBe(0.25);
    const none = learn(keys, { order: 1 }, sessions);
    expect(none.transitionCount([0], 1)).toBe(1);
  });

  it('older successors lose weight: 0→1 two half-lives before 0→2 gives 1/5 vs 4/5', () => {
    // global stream: 0→1 at request 1, 0→2 at request 5 (half-life 2 → factor 1/4).
    const p = learn([0, 1, 7, 8, 0, 2], { order: 1, mode: 'fallback', escape: false, halfLife: 2 });
    expect(p.predictNext([0], 2)).toEqual([
      { key: 2, probability: 1 / 1.25 },
      { key: 1, probability: 0.25 / 1.25 },
    ]);
  });
});

describe('bounded memory', () => {
  it('rejects bad options with the field named', () => {
    expect(() => new MarkovPredictor({ order: 0 })).toThrow(/order/);
    expect(() => new MarkovPredictor({ maxSuccessors: 300 })).toThrow(/maxSuccessors/);
    expect(() => new MarkovPredictor({ bogus: 1 } as never)).toThrow(/bogus/);
  });

  it('a new context in a full set replaces the state with the lowest total', () => {
    // maxStates 8 = one set of 8 ways. Each two-request session [x, 100] observes context x once.
    const keys: number[] = [];
    const sessions: number[] = [];
    let session = 0;
    const observe = (x: number, times: number) => {
      for (let t = 0; t < times; t++) {
        keys.push(x, 100);
        sessions.push(session, session);
        session++;
      }
    };
    for (let x = 0; x < 8; x++) observe(x, x === 5 ? 1 : 3); // context 5 is the lightest
    observe(8, 1); // a ninth context
    const p = learn(keys, { order: 1, maxStates: 8 }, sessions);
    expect(p.stats().states).toBe(8);
    expect(p.transitionCount([5], 100)).toBe(0);
    expect(p.transitionCount([8], 100)).toBe(1);
    for (const x of [0, 1, 2, 3, 4, 6, 7]) expect(p.transitionCount([x], 100)).toBe(3);
    p.verify();
  });

  it('keeps at most maxSuccessors per state (space-saving keeps counts summing to the total)', () => {
    // After 0 come 1..20 once each, then 3 three more times.
    const keys: number[] = [];
    for (let k = 1; k <= 20; k++) keys.push(0, k);
    for (let r = 0; r < 3; r++) keys.push(0, 3);
    const p = learn(keys, { order: 1, maxSuccessors: 4, escape: false, mode: 'fallback' });
    p.verify();
    const out = p.predictNext([0], 10);
    expect(out.length).toBe(4);
    expect(out.reduce((s, x) => s + x.probability, 0)).toBeCloseTo(1, 12);
    expect(out[0]!.key).toBe(3);
  });
});

describe('save / load', () => {
  const trace = generateSessions({ requests: 30_000, endpoints: 60, users: 12, seed: 11 });
  const options: Partial<MarkovOptions> = { order: 2, sessionStats: true, halfLife: 5000, maxStates: 512, maxSuccessors: 6 };

  it('round-trips: the loaded model predicts and learns exactly as the saved one', () => {
    const a = new MarkovPredictor(options);
    for (let i = 0; i < 20_000; i++) a.updateBatch(trace.batch, i);
    const b = MarkovPredictor.load(a.save());
    expect(b.options).toEqual(a.options);
    for (let k = 0; k < 60; k++) expect(b.predictNext([k], 5, 3)).toEqual(a.predictNext([k], 5, 3));
    expect(b.predictAll([0, 1, 2, 3], 50)).toEqual(a.predictAll([0, 1, 2, 3], 50));
    expectLearnsAlike(a, b, trace.batch, 20_000);
    b.verify();
  });

  it('round-trips an undecayed model (Infinity half-life)', () => {
    const a = new MarkovPredictor({ order: 1 });
    for (let i = 0; i < 1000; i++) a.updateBatch(trace.batch, i);
    const b = MarkovPredictor.load(a.save());
    expect(b.options.halfLife).toBe(Infinity);
    expect(b.predictNext([0], 3)).toEqual(a.predictNext([0], 3));
  });

  it('rejects foreign and truncated bytes with a typed error', () => {
    const bytes = new MarkovPredictor(options).save();
    expect(() => MarkovPredictor.load(new TextEncoder().encode('hello world, not a model'))).toThrow(MarkovModelError);
    expect(() => MarkovPredictor.load(bytes.subarray(0, bytes.length - 100))).toThrow(/does not fit/);
    const corrupt = bytes.slice();
    corrupt[12] = 0x7b; // break the JSON header
    expect(() => MarkovPredictor.load(corrupt)).toThrow(MarkovModelError);
     // One flipped bit anywhere in the counts or histories is caught by the checksum.
    for (const at of [bytes.length - 1, bytes.length - 5_000, Math.floor(bytes.length / 2)]) {
      const flipped = bytes.slice();
      flipped[at]! ^= 0x10;
      expect(() => MarkovPredictor.load(flipped), `byte ${at}`).toThrow('the model data does not match its SHA-256 checksum');
    }
  });
});

describe('determinism', () => {
  it('the same requests give byte-identical models and identical evaluations', () => {
    const trace = generateSessions({ requests: 20_000, endpoints: 80, users: 16, seed: 5 });
    const run = () => {
      const p = new MarkovPredictor({ order: 3, sessionStats: true, maxStates: 256, halfLife: 3000 });
      const result = evaluatePredictor(p, trace.batch, 3);
      return { result, bytes: Buffer.from(p.save()) };
    };
    const first = run();
    const second = run();
    expect(second.result).toEqual(first.result);
    expect(second.bytes.equals(first.bytes)).toBe(true);
  });
});

describe('synthetic API sessions with a known transition matrix', () => {
  const endpoints = 50;
  const trace = generateSessions({ requests: 200_000, endpoints, users: 20, fanout: 3, seed: 7 });
  const predictor = new MarkovPredictor({ order: 1, mode: 'fallback', escape: false, maxSuccessors: 8 });
  const result = evaluatePredictor(predictor, trace.batch, 3);

  it('estimates every well-observed row within 4.5 standard errors of the true probabilities', () => {
    let compared = 0;
    let weightedError = 0;
    let weight = 0;
    for (let from = 0; from < endpoints; from++) {
      const predicted = predictor.predictNext([from], endpoints);
      const n = predictor.predictNext([from], endpoints).length > 0 ? totalAfter(predictor, from, predicted) : 0;
      if (n < 500) continue;
      for (let to = 0; to < endpoints; to++) {
        const truth = trace.transitions[from * endpoints + to]!;
        const estimate = predicted.find((x) => x.key === to)?.probability ?? 0;
        // Tolerance: 4.5 binomial standard errors (+1e-9); no successor outside the true support.
        const tolerance = 4.5 * Math.sqrt((truth * (1 - truth)) / n) + 1e-9;
        expect(Math.abs(estimate - truth), `P(${to} | ${from}) over ${n} transitions`).toBeLessThanOrEqual(tolerance);
        weightedError += n * Math.abs(estimate - truth);
        weight += n;
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(endpoints * 30); // most rows are well observed
    expect(weightedError / weight).toBeLessThan(0.005); // mean absolute error per transition probability
  });

  it('top-1 accuracy is within 1 point of the Bayes optimum of the true chain', () => {
    // The best any predictor can do on an event is max_j P(j | current); average it over the
    // same events the predictor was scored on (a session's second and later requests).
    const last = new Map<number, number>();
    let events = 0;
    let optimum = 0;
    for (let i = 0; i < trace.batch.length; i++) {
      const s = trace.batch.session[i]!;
      const previous = last.get(s);
      if (previous !== undefined) {
        events++;
        let best = 0;
        for (let to = 0; to < endpoints; to++) best = Math.max(best, trace.transitions[previous * endpoints + to]!);
        optimum += best;
      }
      last.set(s, trace.batch.key[i]!);
    }
    expect(result.predictions).toBeGreaterThanOrEqual(events - endpoints); // only first visits of a state lack predictions
    expect(result.predictions).toBeLessThanOrEqual(events);
    expect(Math.abs(result.top1Accuracy - optimum / events)).toBeLessThan(0.01);
    expect(result.topKAccuracy).toBeGreaterThan(0.99); // fanout 3: the top 3 cover the support
  });

  it('the bounded first-order model equals the exact naive one when nothing overflows', () => {
    const naive = evaluatePredictor(new NaiveFirstOrderPredictor(), trace.batch, 3);
    expect(evaluatePredictor(new MarkovPredictor({ order: 1, mode: 'fallback', maxSuccessors: 8 }), trace.batch, 3)).toEqual(naive);
  });
});

/** Observations of state [from] (undecayed model): sum of its successor counts. */
function totalAfter(p: MarkovPredictor, from: number, predicted: { key: number }[]): number {
  return predicted.reduce((sum, x) => sum + p.transitionCount([from], x.key), 0);
}

describe('lookahead window', () => {
  it('scores keys requested within the next W requests as count/(occurrences + prior) (hand-worked)', () => {
    // 0 1 2 0 1 2 0 with W = 2: after both earlier 0s, 1 and 2 came within 2 requests (2 each);
    // 0 was followed by something twice → 2/(2+1) with prior 1, 2/2 with prior 0.
    const keys = [0, 1, 2, 0, 1, 2, 0];
    const withPrior = learn(keys, { lookahead: 2, lookaheadPrior: 1 });
    expect(withPrior.predictNext([0], 3)).toEqual([
      { key: 1, probability: 2 / 3 },
      { key: 2, probability: 2 / 3 },
    ]);
    const out = new Uint32Array(3);
    const probabilities = new Float64Array(3);
    expect(withPrior.predictSession(ABSENT, 3, out, probabilities)).toBe(2); // the stream is at 0
    expect(learn(keys, { lookahead: 2, lookaheadPrior: 0 }).predictNext([0], 3)).toEqual([
      { key: 1, probability: 1 },
      { key: 2, probability: 1 },
    ]);
    // 2 is followed within 2 requests by 0 (twice) and by 1 (once); 2 was followed by something twice.
    expect(withPrior.predictNext([2], 3)).toEqual([
      { key: 0, probability: 2 / 3 },
      { key: 1, probability: 1 / 3 },
    ]);
  });

  it('round-trips through save/load', () => {
    const trace = generateSessions({ requests: 5_000, endpoints: 30, users: 5, seed: 2 });
    const a = new MarkovPredictor({ lookahead: 4, order: 2, maxSuccessors: 4 });
    for (let i = 0; i < trace.batch.length; i++) a.updateBatch(trace.batch, i);
    const b = MarkovPredictor.load(a.save());
    for (let k = 0; k < 30; k++) expect(b.predictNext([k], 4)).toEqual(a.predictNext([k], 4));
    a.verify();
  });
});

describe('access probability', () => {
  it('is the next-request probability at horizon 1 and adds the popularity share beyond', () => {
    // stream 0 1 0 2 0 1 0: now at 0; after 0 come 1 (2×) and 2 (1×).
    const p = learn([0, 1, 0, 2, 0, 1, 0], { order: 1, mode: 'fallback', escape: false });
    expect(p.currentSession).toBe(ABSENT);
    expect(p.accessProbability(1, 1)).toBeCloseTo(2 / 3, 12);
    expect(p.accessProbability(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(p.accessProbability(0, 1)).toBe(0);
    // horizon 3: 1 - (1 - p_next)(1 - share)^2 with share(2) = 1/7, share(0) = 4/7.
    expect(p.accessProbability(2, 3)).toBeCloseTo(1 - (2 / 3) * (6 / 7) ** 2, 12);
    expect(p.accessProbability(0, 3)).toBeCloseTo(1 - (3 / 7) ** 2, 12);
    expect(p.accessProbability(9, 3)).toBe(0);
    expect(Array.from(p.predictAll([1, 2, 0], 1))).toEqual([p.accessProbability(1, 1), p.accessProbability(2, 1), 0]);
  });
});
