/** Second audit's regressions: each test failed before its fix (see the names). */
import { createPolicy } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { MAX_KEY_ID, MarkovModelError, MarkovPredictor } from '../src/index.js';
import { StateTable } from '../src/state-table.js';
import { rewriteModelFile as rewrite } from './helpers.js';

const elementBytes: Record<string, number> = { Int32Array: 4, Uint32Array: 4, Uint8Array: 1, Float64Array: 8 };

/** The file with element `index` of array `name` set to `value`, checksum dropped. */
function withElement(bytes: Uint8Array, name: string, index: number, value: number): Uint8Array {
  return rewrite(
    bytes,
    () => undefined,
    (view, h) => {
      const entry = h.arrays.find((e) => e?.name === name)!;
      const at = entry.offset + index * elementBytes[entry.type]!;
      if (entry.type === 'Uint8Array') view.setUint8(at, value);
      else if (entry.type === 'Uint32Array') view.setUint32(at, value, true);
      else if (entry.type === 'Int32Array') view.setInt32(at, value, true);
      else view.setFloat64(at, value, true);
    },
  );
}

function loadError(bytes: Uint8Array): unknown {
  try {
    MarkovPredictor.load(bytes);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('model files: damage is a MarkovModelError, at load', () => {
  const model = new MarkovPredictor({ order: 2, maxStates: 64, halfLife: 100, sessionSlots: 64 });
  for (let i = 0; i < 200; i++) model.observe((i * 7) % 11, -1);
  const bytes = model.save();
  const state = model.exportState();
  const firstState = state.arrays.inUse.indexOf(1);
  const per = state.options.maxSuccessors;

  it('a header whose options or a manifest entry is null (threw a TypeError reading null)', () => {
    const noOptions = loadError(rewrite(bytes, (h) => (h.options = null as unknown as Record<string, unknown>)));
    expect(noOptions).toBeInstanceOf(MarkovModelError);
    expect(String(noOptions)).toMatch(/options/);
    const nullEntry = loadError(rewrite(bytes, (h) => h.arrays.push(null)));
    expect(nullEntry).toBeInstanceOf(MarkovModelError);
    expect(String(nullEntry)).toMatch(/manifest/);
  });

  it('arrays that break the model’s structure (a file without a checksum loaded them, then predicted NaN or crashed)', () => {
    // The unedited file without its checksum still loads (the older format).
    expect(MarkovPredictor.load(rewrite(bytes, () => undefined)).predictNext([3, 10], 3)).toEqual(model.predictNext([3, 10], 3));
    const broken: Array<[name: string, index: number, value: number, message: RegExp]> = [
      // A key id no model can hold: the first prediction allocated 32 GiB ("Array buffer allocation failed").
      ['succKey', firstState * per, 0xffffffff, /key/],
      ['slotHistory', 64 * 2, 0xfffffff0, /key/],
      // NaN and infinite counts: NaN probabilities.
      ['succCount', firstState * per, NaN, /count/],
      ['total', firstState, Infinity, /total/],
      ['popularity', 0, NaN, /popularity/],
      // A stamp ahead of the clock: a negative elapsed time indexes the decay table at -1 (NaN).
      ['stamp', firstState, 1e6, /stamp/],
      ['popularityStamp', 0, 1e6, /stamp/],
      // More successors than a state has slots (it read the next state's), a history longer than its slot.
      ['filled', firstState, 255, /successors/],
      ['slotLength', 64, 200, /history/],
      ['inUse', firstState, 2, /in use/],
      ['slotCount', 64, 9, /positions/],
    ];
    // An array placed before the data block (a negative offset) read the header's bytes.
    const before = loadError(rewrite(bytes, (h) => (h.arrays.find((e) => e?.name === 'slotCount')!.offset = -8)));
    expect(before).toBeInstanceOf(MarkovModelError);
    expect(String(before)).toMatch(/slotCount .*does not fit/);
    for (const [name, index, value, message] of broken) {
      const error = loadError(withElement(bytes, name, index, value));
      expect(error, `${name}[${index}] = ${value}`).toBeInstanceOf(MarkovModelError);
      expect(String(error), name).toMatch(message);
    }
  });

  it('a state decayed into subnormal counts still verifies (rounding made its error equal its count; load, which verifies, would refuse its file)', () => {
    // Space-saving gives key 3 the count 4 + 1 with error 4; later decays leave count − error < 1
    // unit of 2^-1074 after the long gap, and both round to the same subnormal: verify() refused
    // a table that learning made (and load, which verifies, would refuse its file).
    const t = new StateTable(8, 2, 2.2498);
    const s = t.findOrCreate(1, 1, 0);
    let now = 0;
    for (let i = 0; i < 4; i++) t.observe(s, 1, now++);
    for (let i = 0; i < 4; i++) t.observe(s, 2, now++);
    t.observe(s, 3, now++);
    t.observe(s, 2, (now += 3));
    t.observe(s, 2, (now += 2413));
    expect(t.succKey[0]).toBe(3);
    expect(t.succError[0]).toBe(t.succCount[0]); // 5e-324 both
    expect(() => t.verify()).not.toThrow();
  });
});

describe('accessProbability and predictAll take key ids only', () => {
  const p = new MarkovPredictor({ halfLife: 10 });
  for (let i = 0; i < 200; i++) p.observe((i * 7) % 11, -1);

  it('refuse a negative or fractional key (predictAll gave NaN; accessProbability(1.5) answered for key 1)', () => {
    expect(() => p.predictAll([-1], 5)).toThrow(RangeError);
    expect(() => p.predictAll([1.5], 5)).toThrow(RangeError);
    expect(() => p.accessProbability(1.5, 5)).toThrow(RangeError);
    expect(() => p.accessProbability(-1, 1)).toThrow(RangeError);
    expect(() => p.predictAll([MAX_KEY_ID + 1], 1)).toThrow(RangeError);
    // Ids the model never saw are fine: probability 0.
    expect(Array.from(p.predictAll([MAX_KEY_ID, 500], 5))).toEqual([0, 0]);
  });
});

describe('markov policy', () => {
  it('refuses a capacity that is not a whole number ≥ 0, as every cache-core policy does (NaN acted as an unbounded cache)', () => {
    for (const capacity of [-1, NaN, Infinity, 1.5]) {
      expect(() => createPolicy('markov', { capacity }), String(capacity)).toThrow(/capacity: policy "markov" needs a whole-number capacity >= 0/);
    }
    expect(createPolicy('markov', { capacity: 0 }).capacity).toBe(0);
  });
});

describe('referrer contexts with decay', () => {
  it('a referrer whose counts decayed to nothing adds no candidates (they were listed at probability 0)', () => {
    // Client 0 requested 1 with referrer R; client 1 then requested 4 with R, and 1 → 3. At t = 4
    // client 0 (latest referrer R) gets order 1's "3 after 1"; R, last touched at t = 2, has
    // decayed by 2^-2000 = 0: a dead state, which predicts nothing (README, Decay). It listed 4.
    const R = 7;
    const p = new MarkovPredictor({ referrerWeight: 0.4, halfLife: 0.001 });
    p.observe(2, 0);
    p.observe(1, 0, R);
    p.observe(4, 1, R);
    p.observe(1, 1);
    p.observe(3, 1);
    const keys = new Uint32Array(4);
    const probabilities = new Float64Array(4);
    const n = p.predictSession(0, 4, keys, probabilities);
    expect(Array.from(keys.subarray(0, n))).toEqual([3]);
    expect(Array.from(probabilities.subarray(0, n))).toEqual([0.5]);
    // Without decay R votes for 4, which client 0 has not fetched.
    const q = new MarkovPredictor({ referrerWeight: 0.4 });
    for (const [key, session, referrer] of [[2, 0, -1], [1, 0, R], [4, 1, R], [1, 1, -1], [3, 1, -1]] as const) q.observe(key, session, referrer);
    expect(q.predictNext([2, 1], 4, 0).map((x) => x.key)).toEqual([3, 4]);
  });
});

describe('predictNext takes key ids only', () => {
  it('refuses a context key that is no id; it threw "Array buffer allocation failed" and then never predicted key 5 again', () => {
    const p = new MarkovPredictor({ recentWindow: 4 });
    for (const key of [5, 3, 5, 3, 5, 3]) p.observe(key, -1);
    const before = p.predictNext([5, 3], 3);
    expect(before.map((x) => x.key)).toEqual([5]);
    // -1 wrapped to 2^32 − 1 in the context scratch; the recency window grew the key arrays to it.
    expect(() => p.predictNext([5, -1, 3], 3)).toThrow(/dense integer id/);
    expect(p.predictNext([5, 3], 3)).toEqual(before);
    expect(() => p.predictNext([5, 1.5, 3], 3)).toThrow(RangeError);
    expect(() => p.predictNext([2 ** 32 + 3], 3)).toThrow(RangeError); // wrapped to 3
    expect(p.predictNext([5, 3], 3)).toEqual(before);
    const keys = new Uint32Array(3);
    const probabilities = new Float64Array(3);
    expect(p.predictSession(-1, 3, keys, probabilities)).toBe(1);
    expect(keys[0]).toBe(5);
  });
});

describe('observe takes session ids that fit a slot owner', () => {
  it('refuses a fractional session or one above 2^31 − 1 (they learned nothing: states stayed 0 while updates counted)', () => {
    for (const session of [1.5, 2 ** 31 + 1]) {
      const p = new MarkovPredictor({ sessionStats: true });
      expect(() => p.observe(1, session), String(session)).toThrow(RangeError);
      expect(p.updates).toBe(0);
    }
    // The largest Int32 session learns like any other; negative ones are the global stream.
    const p = new MarkovPredictor();
    for (const key of [1, 2, 1]) p.observe(key, 2 ** 31 - 1);
    expect(p.predictNext([1], 3, 2 ** 31 - 1)).toEqual([{ key: 2, probability: 0.5 }]);
    p.observe(4, -0.5);
    expect(p.currentSession).toBe(-0.5);
  });
});
