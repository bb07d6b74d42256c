/**
 * Property tests (fast-check) for every registered policy: random traces, random capacities, both
 * units. After every request: verify() holds, used <= capacity, count and used match the resident
 * set (via has()), has() agrees with lookup, an evicted key is gone. In object mode no policy hits
 * more often than Belady, and Belady equals the brute-force optimum on tiny traces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinPolicies, createPolicy } from '../../src/policies/index.js';
import { MissingNextAccessError } from '../../src/policies/belady.js';
import { replay, type Prefetcher } from '../../src/sim/replay.js';
import { CheckedPolicy, batchOf, bruteForceMinMisses, checkedReplay } from './helpers.js';

const KEYS = 24;

/** A trace over KEYS keys with one size per key (so admitted sizes are well defined). */
const traceArb = fc.record({
  keys: fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: KEYS - 1 })), { minLength: 1, maxLength: 160 }),
  sizeOfKey: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: KEYS, maxLength: KEYS }),
  capacity: fc.integer({ min: 1, max: 30 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe('policy invariants under random traces', () => {
  for (const info of builtinPolicies) {
    for (const unit of ['objects', 'bytes'] as const) {
      it(`${info.name} (${unit}): verify(), used <= capacity, count = resident set, has = lookup`, () => {
        fc.assert(
          fc.property(traceArb, ({ keys, sizeOfKey, capacity, seed }) => {
            const batch = batchOf(keys, keys.map((k) => sizeOfKey[k]!));
            const policy = new CheckedPolicy(createPolicy(info.name, { capacity, keySpace: 4, seed }), KEYS);
            const stats = checkedReplay(policy, batch, unit);
            expect(stats.hits + stats.misses).toBe(keys.length);
            if (unit === 'objects') {
              const optimum = replay(createPolicy('belady', { capacity }), batch, { unit });
              expect(stats.hits).toBeLessThanOrEqual(optimum.hits);
            }
          }),
          { numRuns: 60, seed: 4242 },
        );
      });
    }
  }

  // Prefetched keys enter through insert() without a demand request; policies with ghost queues
  // (S3-FIFO, ARC, LIRS, LeCaR, CACHEUS) once corrupted their lists or looped forever here.
  for (const info of builtinPolicies.filter((p) => !p.needsOracle)) {
    it(`${info.name} with a prefetcher admitting arbitrary keys: invariants hold and replay ends`, () => {
      fc.assert(
        fc.property(traceArb, fc.array(fc.integer({ min: 0, max: KEYS - 1 }), { minLength: 2, maxLength: 40 }), (trace, predictions) => {
          const { keys, sizeOfKey, capacity, seed } = trace;
          const batch = batchOf(keys, keys.map((k) => sizeOfKey[k]!));
          let step = 0;
          const prefetcher: Prefetcher = {
            observe() {},
            predict(out) {
              out[0] = predictions[step % predictions.length]!;
              out[1] = predictions[(step * 7 + 3) % predictions.length]!;
              step++;
              return 2;
            },
          };
          for (const unit of ['objects', 'bytes'] as const) {
            const policy = new CheckedPolicy(createPolicy(info.name, { capacity, keySpace: 4, seed }), KEYS);
            const stats = checkedReplay(policy, batch, unit, prefetcher);
            expect(stats.hits + stats.misses).toBe(keys.length);
            expect(stats.prefetchHits).toBeLessThanOrEqual(stats.prefetchesIssued);
          }
        }),
        { numRuns: 40, seed: 515 },
      );
    });
  }

  it('a prefetcher can fetch a key seen with size 0 (an access log\'s "-"), but not one never seen', () => {
    // Always predicts keys 5 (requested once, size 0) and 9 (never requested).
    const prefetcher: Prefetcher = {
      observe: () => undefined,
      predict: (out) => {
        out[0] = 5;
        out[1] = 9;
        return 2;
      },
    };
    const batch = batchOf([5, 1, 2, 5], [0, 1, 1, 0]);
    const stats = replay(createPolicy('lru', { capacity: 2 }), batch, { unit: 'objects', prefetcher });
    // Requests: 5 miss (cache 5); 1 miss (cache 5,1); 2 miss: evicts 5 (cache 1,2), then prefetch 5
    // (size 0 but seen) evicts 1 (cache 2,5); 5 hit (prefetched). Key 9 is never fetched.
    expect(stats).toMatchObject({ requests: 4, misses: 3, hits: 1, prefetchesIssued: 1, prefetchHits: 1 });
  });

  it('belady refuses a prefetched key (its next access is unknown) with MissingNextAccessError', () => {
    const prefetcher: Prefetcher = {
      observe() {},
      predict(out) {
        out[0] = 1;
        return 1;
      },
    };
    const policy = createPolicy('belady', { capacity: 2 });
    expect(() => replay(policy, batchOf([1, 0, 2, 0]), { unit: 'objects', prefetcher })).toThrow(MissingNextAccessError);
  });

  it('capacity >= distinct keys: every policy misses only the first request of each key', () => {
    fc.assert(
      fc.property(traceArb, ({ keys }) => {
        const batch = batchOf(keys);
        const distinct = new Set(keys).size;
        for (const info of builtinPolicies) {
          // S3-FIFO's small FIFO must hold an object: give it a capacity of at least 10 / 0.1 objects.
          const capacity = Math.max(distinct, 20);
          expect({ policy: info.name, misses: replay(createPolicy(info.name, { capacity }), batch, { unit: 'objects' }).misses }).toEqual({
            policy: info.name,
            misses: distinct,
          });
        }
      }),
      { numRuns: 30, seed: 7 },
    );
  });
});

describe("Belady's optimality", () => {
  it('equals the brute-force minimum number of misses on tiny traces (unit sizes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 3 }),
        (keys, capacity) => {
          const misses = replay(createPolicy('belady', { capacity }), batchOf(keys), { unit: 'objects' }).misses;
          expect(misses).toBe(bruteForceMinMisses(keys, capacity));
        },
      ),
      { numRuns: 200, seed: 99 },
    );
  });
});
