/** Audit regressions: each test failed before its fix (see the names). */
import { describe, expect, it } from 'vitest';
import { MarkovPredictor } from '../src/index.js';

describe('decay below the smallest double', () => {
  it('gives no NaN probability when the only state decayed to nothing (halfLife 0.001)', () => {
    // Stream 1 2 3 4 5 1: state "1" learned 2 at t=1; at t=5 it has decayed by 2^-4000 = 0.
    // It was NaN (0/0): the state voted with weight 0 and nothing else voted.
    const p = new MarkovPredictor({ halfLife: 0.001 });
    for (const key of [1, 2, 3, 4, 5, 1]) p.observe(key, -1);
    expect(p.predictNext([1], 3)).toEqual([]);
    const keys = new Uint32Array(3);
    const probabilities = new Float64Array(3);
    expect(p.predictSession(-1, 3, keys, probabilities)).toBe(0);
    expect(p.accessProbability(2, 1)).toBe(0);
  });

  it('gives no NaN probability after 1,100 half-lives (halfLife 1, no escape, blend)', () => {
    const p = new MarkovPredictor({ halfLife: 1, escape: false });
    p.observe(1, -1);
    p.observe(2, -1);
    for (let i = 0; i < 1100; i++) p.observe(10 + (i % 3), -1);
    p.observe(1, -1);
    for (const { probability } of p.predictNext([1], 3)) expect(Number.isFinite(probability)).toBe(true);
    expect(p.predictNext([1], 3)).toEqual([]);
  });

  it('keeps counts > 0 and summing to the total when a successor decays to 0 (verify)', () => {
    // 1 2 5 6 1 3: at t=5 state "1" is refreshed by 2^-4000 = 0 and learns 3. The count of 2
    // stayed in the block at 0, which verify() refused, and PPM-C counted it as a distinct successor.
    const p = new MarkovPredictor({ halfLife: 0.001 });
    for (const key of [1, 2, 5, 6, 1, 3]) p.observe(key, -1);
    expect(() => p.verify()).not.toThrow();
    expect(p.transitionCount([1], 2)).toBe(0);
    expect(p.transitionCount([1], 3)).toBe(1);
    // One observation of one successor: PPM-C gives 1/(1 + 1) = 0.5 (the dead successor made it 1/(1 + 2)).
    expect(p.predictNext([1], 3)).toEqual([{ key: 3, probability: 0.5 }]);
  });
});

describe('accessProbability', () => {
  it('is 0, not NaN, for an unseen key at horizon Infinity', () => {
    const p = new MarkovPredictor();
    for (const key of [1, 2, 1, 2]) p.observe(key, -1);
    expect(p.accessProbability(7, Infinity)).toBe(0);
    expect(p.accessProbability(1, Infinity)).toBe(1);
    expect(Array.from(p.predictAll([7, 1, 2], Infinity))).toEqual([0, 1, 1]);
    // A share so small that 1 - share rounds to 1 (key 3, 100 half-lives ago): still 1, not NaN.
    const q = new MarkovPredictor({ halfLife: 1 });
    q.observe(3, -1);
    for (let i = 0; i < 100; i++) q.observe(i % 2, -1);
    expect(q.accessProbability(3, Infinity)).toBe(1);
    expect(q.accessProbability(3, 1e6)).toBeGreaterThanOrEqual(0);
  });
});

describe('lookahead counts', () => {
  it('counts requests, not occurrences, within the window: 1 2 2 gives 2 within 2 of 1 an expected 2/(1 + 3)', () => {
    // Documented semantics (README, lookahead): an expected number of requests per occurrence of
    // the current key, capped at 1, not a probability. Both 2s follow the one occurrence of 1.
    const p = new MarkovPredictor({ lookahead: 2 });
    for (const key of [1, 2, 2, 1]) p.observe(key, -1);
    expect(p.predictNext([1], 3)).toEqual([{ key: 2, probability: 0.5 }]);
  });
});

describe('model files', () => {
  const magic = 'CLMKV1\n'.length;
  /** The file with its JSON header text rewritten by `edit` (which must keep its length, so the data stays put). */
  function editHeader(bytes: Uint8Array, edit: (json: string) => string): Uint8Array {
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(magic, true);
    const json = new TextDecoder().decode(bytes.subarray(magic + 4, magic + 4 + length));
    const edited = new TextEncoder().encode(edit(json));
    expect(edited.length).toBe(length);
    const out = bytes.slice();
    out.set(edited, magic + 4);
    return out;
  }
  function trained(): MarkovPredictor {
    const p = new MarkovPredictor({ order: 2, halfLife: 50 });
    for (let i = 0; i < 200; i++) p.observe((i * 7) % 11, i % 3);
    return p;
  }

  it('refuses a file whose header options or clock were changed (it loaded as a different model)', () => {
    const bytes = trained().save();
    const weight = editHeader(bytes, (json) => json.replace('"orderWeight":4', '"orderWeight":5'));
    expect(() => MarkovPredictor.load(weight)).toThrow('SHA-256');
    const clock = editHeader(bytes, (json) => json.replace('"clock":200', '"clock":900'));
    expect(() => MarkovPredictor.load(clock)).toThrow('SHA-256');
  });

  it('still loads a file whose checksum covers the arrays only (the earlier format)', async () => {
    const { createHash } = await import('node:crypto');
    const a = trained();
    const bytes = a.save();
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(magic, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic + 4, magic + 4 + length)));
    const dataStart = (magic + 4 + length + 7) & ~7;
    const hash = createHash('sha256');
    const sizes: Record<string, number> = { Int32Array: 4, Uint32Array: 4, Uint8Array: 1, Float64Array: 8 };
    for (const e of header.arrays) hash.update(bytes.subarray(dataStart + e.offset, dataStart + e.offset + e.length * sizes[e.type]!));
    const older = editHeader(bytes, (json) => json.replace(header.sha256, hash.digest('hex')));
    const b = MarkovPredictor.load(older);
    expect(b.predictNext([3, 10], 4, 1)).toEqual(a.predictNext([3, 10], 4, 1));
  });
});

describe('manager adapter', () => {
  it('toAccessPredictions keeps the larger probability when two ids resolve to one cache key', async () => {
    const { toAccessPredictions } = await import('../src/index.js');
    // After 0 the stream went to 1 three times and to 2 once: P(1) = 3/(4 + 2) = 0.5, P(2) = 1/6.
    const p = new MarkovPredictor({ mode: 'fallback' });
    for (const key of [0, 1, 0, 1, 0, 1, 0, 2, 0]) p.observe(key, -1);
    // Ids 1 and 2 are one request written with its params in two orders: one cache key.
    const resolve = (key: number) => (key === 0 ? (['/home', null] as const) : (['/item', key === 1 ? { a: 1, b: 2 } : { b: 2, a: 1 }] as const));
    const map = toAccessPredictions(p, [1, 2], resolve, 1);
    expect([...map]).toEqual([['/item|a=1&b=2', 0.5]]);
  });
});
