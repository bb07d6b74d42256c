/**
 * Referrer contexts (options.referrerWeight): validation, hand-worked votes, what they never do
 * (predict on their own, vote for what the client fetched), and save/load.
 */
import { ABSENT, ConfigError, generateSessions } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { MarkovPredictor, type MarkovOptions } from '../src/index.js';
import { asOlderModelFile, expectLearnsAlike } from './helpers.js';

/** One request: key, and its referrer id (ABSENT for none). */
type Step = [key: number, referrer: number];

/** Learns `sessions` one after another, session id = index. */
function learn(sessions: Step[][], options: Partial<MarkovOptions>): MarkovPredictor {
  const p = new MarkovPredictor(options);
  sessions.forEach((steps, session) => {
    for (const [key, referrer] of steps) p.observe(key, session, referrer);
  });
  return p;
}

function predict(p: MarkovPredictor, session: number, k: number): Array<{ key: number; probability: number }> {
  const keys = new Uint32Array(k);
  const probabilities = new Float64Array(k);
  const n = p.predictSession(session, k, keys, probabilities);
  return Array.from({ length: n }, (_, j) => ({ key: keys[j]!, probability: probabilities[j]! }));
}

function configErrorField(options: Partial<MarkovOptions>): string | undefined {
  try {
    new MarkovPredictor(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).field;
  }
  return undefined;
}

// Page P=0 (no referrer), its assets a=1, b=2, c=3 (referrer R=7), an unrelated request x=4.
const P = 0, a = 1, b = 2, c = 3, x = 4, R = 7, NONE = ABSENT;
const training: Step[][] = [
  [[P, NONE], [a, R], [b, R], [x, NONE]],
  [[P, NONE], [a, R], [b, R], [x, NONE]],
  [[P, NONE], [a, R], [b, R], [c, R]],
];
const probe = 3; // has requested P, then a and b with referrer R

describe('referrer contexts: options', () => {
  it('referrerWeight ≥ 0, only in blend mode and next-request mode; window 1..64; successors 1..255', () => {
    for (const referrerWeight of [-0.1, NaN, Infinity]) expect(configErrorField({ referrerWeight })).toBe('referrerWeight');
    expect(configErrorField({ referrerWeight: 0.5, mode: 'fallback' })).toBe('referrerWeight');
    expect(configErrorField({ referrerWeight: 0.5, lookahead: 4 })).toBe('referrerWeight');
    for (const referrerWindow of [0, 65, 2.5]) expect(configErrorField({ referrerWindow })).toBe('referrerWindow');
    for (const referrerSuccessors of [0, 256]) expect(configErrorField({ referrerSuccessors })).toBe('referrerSuccessors');
    expect(configErrorField({ referrerStates: 4 })).toBe('referrerStates');
    expect(new MarkovPredictor({ referrerWeight: 0 }).options.referrerWeight).toBe(0);
  });

  it('costs nothing when off: no referrer table, and the same predictions as a model never told referrers', () => {
    const off = learn(training, { order: 1 });
    const blind = learn(training.map((s) => s.map(([key]) => [key, NONE] as Step)), { order: 1 });
    expect(off.exportState().arrays.referrerInUse.length).toBe(0);
    expect(off.stats().tableBytes).toBe(blind.stats().tableBytes);
    expect(Buffer.from(off.save()).equals(Buffer.from(blind.save()))).toBe(true);
  });
});

describe('referrer contexts (hand-worked)', () => {
  it('order 1 says x after b; the page R still has an asset the client has not fetched, c', () => {
    const session: Step[] = [[P, NONE], [a, R], [b, R]];
    const off = learn([...training, session], { order: 1 });
    // Order 1, b: {x:2, c:1}, total 3, 2 distinct: weight 4·3/4 = 3; x 3·2/5 = 1.2, c 3·1/5 = 0.6.
    expect(predict(off, probe, 2)).toEqual([
      { key: x, probability: expect.closeTo(1.2 / 3, 12) as number },
      { key: c, probability: expect.closeTo(0.6 / 3, 12) as number },
    ]);
    const on = learn([...training, session], { order: 1, referrerWeight: 1 });
    // R: {a:4, b:4, c:1} (the probe's own requests count too); a and b are in the client's
    // window, so 1 observation remains (c):
    // mass 1·3 = 3, c gains 3·1/(1+1) = 1.5, the normaliser 1.5 too: c 2.1/4.5, x 1.2/4.5.
    expect(predict(on, probe, 3)).toEqual([
      { key: c, probability: expect.closeTo(2.1 / 4.5, 12) as number },
      { key: x, probability: expect.closeTo(1.2 / 4.5, 12) as number },
    ]);
    // The threshold where c overtakes x: 0.6 + 1.5w > 1.2, w > 0.4.
    expect(predict(learn([...training, session], { order: 1, referrerWeight: 0.39 }), probe, 1)[0]!.key).toBe(x);
    expect(predict(learn([...training, session], { order: 1, referrerWeight: 0.41 }), probe, 1)[0]!.key).toBe(c);
    on.verify();
  });

  it('a key outside the window counts again: with referrerWindow 1 only the current key b is excluded', () => {
    const on = learn([...training, [[P, NONE], [a, R], [b, R]]], { order: 1, referrerWeight: 1, referrerWindow: 1 });
    // R (the probe's own a and b included): {a:4, b:4, c:1}. Without b, 5 observations remain:
    // a 3·4/6 = 2 (a new candidate), c 0.6 + 3·1/6 = 1.1, below x's 1.2; normaliser 3 + 3·5/6 = 5.5.
    const out = predict(on, probe, 3);
    expect(out.map((p) => p.key)).toEqual([a, x, c]);
    expect(out.map((p) => p.probability)).toEqual([2 / 5.5, 1.2 / 5.5, 1.1 / 5.5].map((v) => expect.closeTo(v, 12)));
  });

  it('no votes when the latest request has no referrer, or one never seen', () => {
    const noReferrer = learn([...training, [[P, NONE], [a, R], [b, NONE]]], { order: 1, referrerWeight: 1 });
    expect(predict(noReferrer, probe, 1)[0]!.key).toBe(x);
    const unknown = learn([...training, [[P, NONE], [a, R], [b, 99]]], { order: 1, referrerWeight: 1 });
    // 99 is learned with b now ({b:1}), but b is the current key: nothing remains.
    expect(predict(unknown, probe, 2).map((p) => p.key)).toEqual([x, c]);
  });

  it('never predicts on its own: no prediction after a key no context has followed', () => {
    const z = 9;
    const p = learn([...training, [[P, NONE], [z, R]]], { order: 1, referrerWeight: 1 });
    expect(predict(p, probe, 3)).toEqual([]);
  });

  it('keeps more successors per referrer than per context (a page with many assets)', () => {
    const assets = Array.from({ length: 40 }, (_, i) => 10 + i);
    const p = learn([assets.map((key) => [key, R] as Step)], { order: 1, maxSuccessors: 4, referrerWeight: 1, referrerSuccessors: 64 });
    expect(p.exportState().arrays.referrerFilled.reduce((n, f) => Math.max(n, f), 0)).toBe(40);
    expect(p.exportState().arrays.filled.reduce((n, f) => Math.max(n, f), 0)).toBe(1);
    p.verify();
  });
});

describe('referrer contexts: save / load', () => {
  it('round-trips: the loaded model predicts and learns exactly as the saved one', () => {
    const trace = generateSessions({ requests: 6_000, endpoints: 40, users: 10, seed: 3 });
    // A synthetic referrer: the key's group of five ("page"), none for every seventh request.
    for (let i = 0; i < trace.batch.length; i++) trace.batch.referrer[i] = i % 7 === 0 ? ABSENT : Math.floor(trace.batch.key[i]! / 5);
    const options: Partial<MarkovOptions> = { order: 2, sessionStats: true, recentWindow: 8, referrerWeight: 0.4, referrerWindow: 6, referrerStates: 64 };
    const first = new MarkovPredictor(options);
    for (let i = 0; i < 4_000; i++) first.updateBatch(trace.batch, i);
    const second = MarkovPredictor.load(first.save());
    expect(second.options).toEqual(first.options);
    expect(second.exportState().arrays.referrerSuccCount).toEqual(first.exportState().arrays.referrerSuccCount);
    expect(second.exportState().arrays.slotReferrer).toEqual(first.exportState().arrays.slotReferrer);
    expect(second.stats()).toEqual(first.stats());
    for (let s = 0; s < 10; s++) expect(predict(second, s, 5)).toEqual(predict(first, s, 5));
    expectLearnsAlike(first, second, trace.batch, 4_000);
    second.verify();
  });

  it('loads a model file written before referrer contexts existed', () => {
    const model = learn(training, { order: 1, positions: 2 });
    const bytes = model.save();
    // Rewrite the file without the referrer arrays and options, as older versions wrote it.
    const older = asOlderModelFile(bytes, (name) => /referrer/i.test(name), ['referrerWeight', 'referrerWindow', 'referrerSuccessors', 'referrerStates']);
    const loaded = MarkovPredictor.load(older);
    expect(loaded.options.referrerWeight).toBe(0);
    expect(predict(loaded, 1, 2)).toEqual(predict(model, 1, 2));
    expect(Buffer.from(loaded.save()).equals(Buffer.from(bytes))).toBe(true);
  });
});
