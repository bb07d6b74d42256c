/**
 * Prefetch admission in the replay loop: a prefetch counts as issued (and its bytes as fetched)
 * only when the prefetched object is then resident. Found by the differential tests
 * (test/policies/differential.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../src/policies/index.js';
import { replay, type Prefetcher } from '../../src/sim/replay.js';
import { batchOf } from '../policies/helpers.js';

/** Always predicts the key requested just before the current one. */
function previousKeyPrefetcher(): Prefetcher {
  let previous = -1;
  let current = -1;
  return {
    observe: (batch, i) => {
      previous = current;
      current = batch.key[i]!;
    },
    predict: (out) => {
      if (previous < 0) return 0;
      out[0] = previous;
      return 1;
    },
  };
}

describe('prefetch admission', () => {
  it('a prefetch the policy declines to admit is not counted as issued (S3-FIFO: object as large as its small FIFO)', () => {
    // Byte mode, capacity 100: S3-FIFO's small FIFO holds 10 bytes, so objects of 10 bytes or more
    // are not admitted (libCacheSim). Keys 0 and 1 (20 bytes) never become resident, by demand or
    // by prefetch; the prefetches of 0 and 1 used to count as issued, with their 20 bytes fetched.
    const batch = batchOf([0, 1, 0, 1, 0, 1], [20, 20, 20, 20, 20, 20]);
    const stats = replay(createPolicy('s3fifo', { capacity: 100 }), batch, { unit: 'bytes', prefetcher: previousKeyPrefetcher() });
    expect(stats).toMatchObject({ requests: 6, hits: 0, prefetchesIssued: 0, prefetchBytes: 0, prefetchHits: 0, prefetchAccuracy: 0 });
  });

  it('S3-FIFO below 10 objects and LIRS at one object admit nothing, so they issue no prefetch', () => {
    const batch = batchOf([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    for (const [name, capacity] of [['s3fifo', 5], ['lirs', 1]] as const) {
      const stats = replay(createPolicy(name, { capacity }), batch, { unit: 'objects', prefetcher: previousKeyPrefetcher() });
      expect({ name, ...stats }).toMatchObject({ name, hits: 0, prefetchesIssued: 0, prefetchBytes: 0 });
    }
  });

  it('an admitted prefetch still counts, and a demand hit on it is a prefetch hit', () => {
    // LRU, 1 object: 0 M; 1 M evicts 0, the prefetch of 0 evicts 1 (issued); 0 hits the prefetched
    // object; the prefetch of 1 evicts 0 (issued).
    const stats = replay(createPolicy('lru', { capacity: 1 }), batchOf([0, 1, 0]), { unit: 'objects', prefetcher: previousKeyPrefetcher() });
    expect(stats).toMatchObject({ hits: 1, prefetchesIssued: 2, prefetchHits: 1, prefetchBytes: 2, prefetchAccuracy: 0.5 });
  });
});
