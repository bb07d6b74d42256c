/**
 * Hand-worked traces: each expected hit/miss pattern below was worked out on paper from the
 * policy's definition (the reasoning is in the comments), then checked against the code.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  ArcPolicy,
  BeladyPolicy,
  CacheusPolicy,
  MissingNextAccessError,
  S3FifoPolicy,
  SlruPolicy,
  TwoQPolicy,
  UnknownPolicyError,
  WTinyLfuPolicy,
  builtinPolicies,
  createPolicy,
  getPolicyInfo,
  listPolicies,
} from '../../src/policies/index.js';
import { Replayer, replay } from '../../src/sim/replay.js';
import { allocateBatch } from '../../src/traces/request.js';
import { batchOf, hitPattern, slice } from './helpers.js';

// a b c a d b e a b c, as key ids; capacity 3 objects.
const [a, b, c, d, e] = [0, 1, 2, 3, 4];
const T = batchOf([a, b, c, a, d, b, e, a, b, c]);
const pattern = (name: string, capacity = 3, batch = T) => hitPattern(createPolicy(name, { capacity }), batch);

describe('hand-worked traces (a b c a d b e a b c, 3 objects)', () => {
  it('LRU: d evicts b (a was just used), b evicts c, e evicts a, a evicts d; b hits; c evicts e', () => {
    expect(pattern('lru')).toBe('MMMHMMMMHM');
  });

  it('FIFO: a hits; d evicts a (oldest); b hits; e evicts b, a evicts c, b evicts d, c evicts e', () => {
    expect(pattern('fifo')).toBe('MMMHMHMMMM');
  });

  it('CLOCK: a gets its bit; d clears it and evicts b; then pure FIFO order; b hits before c', () => {
    expect(pattern('clock')).toBe('MMMHMMMMHM');
  });

  it('SIEVE: hand clears a and evicts b, then evicts c, d; a and b hit; c evicts e (hand at e)', () => {
    expect(pattern('sieve')).toBe('MMMHMMMHHM');
  });

  it('LFU: a reaches frequency 2 and survives; frequency-1 objects leave oldest first', () => {
    expect(pattern('lfu')).toBe('MMMHMMMHHM');
  });

  it("Belady: d evicts c (needed last), e evicts d (never again): 6 misses, the optimum", () => {
    expect(pattern('belady')).toBe('MMMHMHMHHM');
  });

  it('Random with a seed is reproducible, and capacity >= keys misses only cold', () => {
    expect(pattern('random', 5)).toBe('MMMHMHMHHH');
    const one = createPolicy('random', { capacity: 2, seed: 7 });
    const two = createPolicy('random', { capacity: 2, seed: 7 });
    expect(hitPattern(one, T)).toBe(hitPattern(two, T));
  });
});

describe('policy-specific behaviour', () => {
  it('ARC: a B1 ghost hit adapts p and re-admits into T2, where a later scan does not reach it', () => {
    // capacity 3. 0 0 → 0 in T2. 1 2 → T1 [2 1]. 3: REPLACE moves T1's LRU (1) to B1 (|T1| > p = 0).
    // 1: ghost hit in B1 → p = 1; REPLACE demotes 2 to B1; 1 enters T2 [1 0]; T1 [3].
    // 4: |T1| = p → REPLACE takes T2's LRU (0) to B2; T1 [4 3]. 5: |T1|+|B1|+1 > 3 → drop B1's
    // LRU (2), REPLACE demotes 3 to B1. 1 is still in T2: hit.
    const arc = new ArcPolicy({ capacity: 3 });
    expect(hitPattern(arc, batchOf([0, 0, 1, 2, 3, 1, 4, 5, 1]))).toBe('MHMMMMMMH');
    expect([0, 1, 2, 3, 4, 5].map((k) => arc.has(k))).toEqual([false, true, false, false, true, true]);
    arc.verify();
  });

  it('S3-FIFO: one-hit objects leave through the small FIFO; a ghost hit is admitted into main', () => {
    // capacity 20: small share 2. 0..19 fill the cache (all in small). 20 evicts 0 (small tail,
    // never hit) to the ghost. 0 again: ghost hit, 1 is evicted, 0 enters main; 0 hits. A scan of
    // 20 new keys only evicts from small (main is under its share): 0 survives.
    const s3 = new S3FifoPolicy({ capacity: 20 });
    const keys = [...Array.from({ length: 21 }, (_, i) => i), 0, 0, ...Array.from({ length: 20 }, (_, i) => 21 + i), 0];
    expect(hitPattern(s3, batchOf(keys))).toBe(`${'M'.repeat(22)}H${'M'.repeat(20)}H`);
    expect(s3.has(0)).toBe(true);
    expect(s3.has(1)).toBe(false);
    s3.verify();
  });

  it('SLRU: a second hit promotes to protected, so a scan of new objects cannot evict it', () => {
    const slru = new SlruPolicy({ capacity: 3 });
    expect(hitPattern(slru, batchOf([0, 0, 1, 2, 3, 4, 5, 0]))).toBe('MHMMMMMH');
  });

  it('2Q: re-requested while in A1out goes to Am; A1in hits do not promote', () => {
    const q = new TwoQPolicy({ capacity: 4, params: { kinRatio: 0.25, koutRatio: 1 } });
    // 0 enters A1in; 1,2,3 fill; 4 evicts 0 (A1in over Kin=1) to A1out; 0 returns → Am.
    expect(hitPattern(q, batchOf([0, 1, 2, 3, 4, 0, 5, 6, 7, 0]))).toBe('MMMMMMMMMH');
  });

  it('CACHEUS: a victim both experts agree on enters no history, so its return does not grow SR', () => {
    // As cacheus.py (see reference-check.test.ts for SR's growth and shrinking). Capacity 3,
    // srRatio 0.3: SR limit 1, R limit 2. Both experts pick the same victim at every eviction below
    // (the only frequency-1 object is also SR's LRU), so no coin is tossed and no history is kept.
    // a a → R [a] (R fills first). b b → R [b a]. c → SR [c] (still filling: not "new").
    // d: evict c (no history); d enters SR "new"; R (2 of 2) is trimmed below its limit: a is
    //    demoted to SR [a d]. c: evict d (frequency 1, SR's LRU); c is a plain miss → SR [c a].
    // a: a hit on a demoted object: SR would shrink, but stays at its minimum 1; a moves to R.
    const cacheus = new CacheusPolicy({ capacity: 3, params: { srRatio: 0.3 } });
    const replayer = new Replayer(cacheus, { unit: 'objects' });
    const trace = batchOf([a, a, b, b, c, d, c, a]);
    const sizes: number[] = [];
    let pattern = '';
    for (let i = 0; i < trace.length; i++) {
      const hits = replayer.result().hits;
      replayer.feed(slice(trace, i));
      pattern += replayer.result().hits > hits ? 'H' : 'M';
      sizes.push(cacheus.srSize);
      cacheus.verify();
    }
    expect(pattern).toBe('MHMHMMMH');
    expect(sizes).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect([a, b, c, d].map((k) => cacheus.has(k))).toEqual([true, true, true, false]);
  });

  it('W-TinyLFU: a frequently seen key wins admission; a cold candidate is rejected', () => {
    const w = new WTinyLfuPolicy({ capacity: 100, params: { windowRatio: 0.01 } });
    const keys: number[] = [];
    for (let i = 0; i < 99; i++) keys.push(i, i, i); // 0..98, three times each: main fills with warm keys
    keys.push(500, 501, 502); // cold keys pass through the 1-object window and are rejected
    keys.push(0, 50, 98);
    const pat = hitPattern(w, batchOf(keys));
    expect(pat.slice(-3)).toBe('HHH');
    expect(w.has(500)).toBe(false);
    w.verify();
  });
});

describe('parameters, registry and oracle errors', () => {
  it('every policy is registered once, with a summary and documented params', () => {
    const names = listPolicies().map((p) => p.name);
    for (const info of builtinPolicies) {
      expect(names).toContain(info.name);
      expect(info.summary.length).toBeGreaterThan(10);
      for (const [, p] of Object.entries(info.params)) expect(p.doc.length).toBeGreaterThan(5);
    }
    expect(getPolicyInfo('belady')?.needsOracle).toBe(true);
    expect(getPolicyInfo('lru')?.needsOracle).toBeFalsy();
  });

  it('unknown parameters and wrong types are ConfigErrors that name the field', () => {
    expect(() => createPolicy('lru', { capacity: 3, params: { size: 2 } })).toThrow(ConfigError);
    expect(() => createPolicy('s3fifo', { capacity: 3, params: { smallRatio: 0.2 } })).toThrow(/s3fifo\.smallRatio.*smallSizeRatio/);
    expect(() => createPolicy('s3fifo', { capacity: 3, params: { smallSizeRatio: 'big' } })).toThrow(/expected a number/);
    expect(() => createPolicy('clock', { capacity: 3, params: { bits: 9 } })).toThrow(/between 1 and 7/);
    expect(() => createPolicy('lru', { capacity: -1 })).toThrow(ConfigError);
    expect(() => createPolicy('nope', { capacity: 3 })).toThrow(UnknownPolicyError);
  });

  it('Belady without next-access positions tells the caller to run the pre-pass', () => {
    const batch = allocateBatch(2); // nextAccess = UNKNOWN (-2)
    batch.length = 2;
    batch.size.fill(1);
    expect(() => replay(new BeladyPolicy({ capacity: 1 }), batch, { unit: 'objects' })).toThrow(MissingNextAccessError);
    expect(() => replay(new BeladyPolicy({ capacity: 1 }), batch, { unit: 'objects' })).toThrow(/next-access pre-pass/);
  });

  it('keys beyond the keySpace hint grow the arrays', () => {
    for (const info of builtinPolicies) {
      const p = createPolicy(info.name, { capacity: 3, keySpace: 2 });
      const big = batchOf([0, 5000, 0, 70000, 5000]);
      replay(p, big, { unit: 'objects' });
      p.verify();
      expect(p.has(70000)).toBe(info.name === 's3fifo' ? false : true); // s3fifo: small FIFO of 0 objects admits nothing new
    }
  });
});
