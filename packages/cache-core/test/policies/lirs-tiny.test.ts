/**
 * LIRS in tiny caches (lirLimit 1, hirLimit 1) and after remove(). With one LIR block, a hit on a
 * resident HIR block demotes that block and can push the hit block itself out of Q (libCacheSim
 * does the same); HIR entries then stayed below the LIR blocks admitted later, and evictLir() took
 * such an entry for an LIR block: the counters and the NH list were corrupted, verify() failed, and
 * a later request could loop forever (the 60th request of the trace below did). remove() of the
 * only LIR block left the same state. Found by test/policies/differential.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../src/policies/index.js';
import { Replayer } from '../../src/sim/replay.js';
import { batchOf, hitPattern, slice } from './helpers.js';

/** Replays `keys` one by one; after each request verify() and used/count against the resident set. */
function checked(keys: readonly number[], capacity: number, removeAfter: Record<number, number> = {}): string {
  const policy = createPolicy('lirs', { capacity });
  const replayer = new Replayer(policy, { unit: 'objects' });
  const batch = batchOf(keys);
  let pattern = '';
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    replayer.feed(slice(batch, i));
    const now = replayer.result().hits;
    pattern += now > hits ? 'H' : 'M';
    hits = now;
    if (removeAfter[i] !== undefined) {
      expect(policy.remove(removeAfter[i]!)).toBe(true);
      expect(policy.has(removeAfter[i]!)).toBe(false);
    }
    policy.verify();
    let resident = 0;
    for (let k = 0; k < 64; k++) if (policy.has(k)) resident++;
    expect({ i, count: policy.count, used: policy.used }).toEqual({ i, count: resident, used: resident });
    expect(policy.used).toBeLessThanOrEqual(capacity);
  }
  return pattern;
}

describe('LIRS in tiny caches', () => {
  it('a hit that demotes the only LIR block leaves S with an LIR block at its bottom (capacity 2)', () => {
    expect(checked([1, 0, 0, 1, 0], 2)).toBe('MMHHH');
    expect(checked([1, 0, 1, 0, 2], 2)).toBe('MMHHM');
    expect(checked([1, 0, 1, 0, 1, 1], 2)).toBe('MMHHHH');
    expect(checked([0, 1, 1, 0, 2, 1], 2)).toBe('MMHHMH');
  });

  it('a longer capacity-2 trace stays consistent (it corrupted the lists at request 41, then looped at request 59)', () => {
    const keys = [12, 3, 0, 14, 2, 7, 11, 11, 15, 17, 13, 20, 8, 0, 10, 1, 9, 14, 17, 3, 0, 0, 0, 17, 9, 6, 0, 11, 14, 14, 16, 18, 3, 1, 3, 0, 0, 6, 5, 5, 0, 4, 5, 0, 16, 4, 7, 2, 18, 0, 8, 3, 0, 5, 4, 19, 4, 19, 0, 0];
    const pattern = checked(keys, 2);
    expect(pattern).toBe('MMMMMMMHMMMMMMMMMMMMMHHMMMHMMHMMMMMMHMMHHMHMMMMMMHMMHMMMMMMH');
    expect(pattern.length).toBe(60);
    expect(hitPattern(createPolicy('lirs', { capacity: 2 }), batchOf(keys))).toBe(pattern);
  });

  it('remove() of the only LIR block: a block admitted as LIR afterwards is the bottom of S', () => {
    // 0 LIR, 3 resident HIR; remove 0; 2 enters as LIR above 3's S entry, which is pruned.
    expect(checked([0, 3, 2, 3, 2, 4, 2], 2, { 1: 0 })).toBe('MMMHHMH');
  });
});
