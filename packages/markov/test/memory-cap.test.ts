import { generateZipf } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { MarkovPredictor } from '../src/index.js';

describe('memory bound on a 5M-request trace', () => {
  function chunk(index: number) {
    const { batch } = generateZipf({ requests: 500_000, objects: 200_000, alpha: 0.9, seed: 100 + index });
    for (let i = 0; i < batch.length; i++) batch.session[i] = (i * 7919) % 4_000;
    return batch;
  }

  it('with decay and per-session statistics the cap holds as well', () => {
    const p = new MarkovPredictor({ order: 2, sessionStats: true, maxStates: 1_024, maxSuccessors: 4, sessionSlots: 4_096, halfLife: 50_000 });
    const batch = chunk(99);
    for (let i = 0; i < batch.length; i++) p.updateBatch(batch, i);
    expect(p.stats().states).toBe(1_024);
    p.verify();
  });

  it('the referrer table holds at most referrerStates referrers of at most referrerSuccessors keys', () => {
    const p = new MarkovPredictor({ order: 1, maxStates: 1_024, referrerWeight: 0.4, referrerStates: 512, referrerSuccessors: 8, sessionSlots: 4_096 });
    const batch = chunk(98);
    // 20,000 distinct referrers, each shared by about 25 requests.
    for (let i = 0; i < batch.length; i++) batch.referrer[i] = (i * 104_729) % 20_000;
    const bytesBefore = p.stats().tableBytes;
    for (let i = 0; i < batch.length; i++) p.updateBatch(batch, i);
    expect(p.stats().referrerStates).toBe(512);
    expect(p.stats().tableBytes).toBe(bytesBefore);
    p.verify(); // both tables: successor blocks within their caps, counts sum to totals
  });

  it('never holds more states than maxStates nor more successors per state than maxSuccessors', () => {
    // 10 chunks of 500k Zipf requests over 200k objects, 4,000 sessions: millions of distinct contexts.
    const p = new MarkovPredictor({ order: 2, maxStates: 4_096, maxSuccessors: 6, sessionSlots: 4_096 });
    const cap = p.stats().stateCapacity;
    expect(cap).toBe(4_096);
    const bytesBefore = p.stats().tableBytes;
    let maxSeen = 0;
    for (let c = 0; c < 10; c++) {
      const batch = chunk(c);
      for (let i = 0; i < batch.length; i++) {
        p.updateBatch(batch, i);
        if ((i & 0x3fff) === 0) maxSeen = Math.max(maxSeen, p.stats().states);
      }
      maxSeen = Math.max(maxSeen, p.stats().states);
    }
    expect(p.stats().updates).toBe(5_000_000);
    expect(maxSeen).toBeLessThanOrEqual(cap);
    expect(maxSeen).toBe(cap); // the table did fill up, so the cap was exercised
    expect(p.stats().tableBytes).toBe(bytesBefore);
    p.verify(); // successor blocks ≤ maxSuccessors, counts sum to totals, live count = cap
  });
});
