/**
 * Golden test on the trace the repository ships (traces/cache2k-web07.txt, CC BY 4.0), so a clone
 * without ../shared verifies itself. The expected numbers come from independent sources: Map-based
 * reference LRU and FIFO written here, a naive O(n·c) Belady, LRU's inclusion property, Belady's
 * optimality, and "capacity >= distinct keys misses only cold".
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPolicies, createPolicy } from '../../src/policies/index.js';
import { replay } from '../../src/sim/replay.js';
import { loadTrace, withNextAccess, type LoadedTrace } from '../../src/traces/index.js';
import { mapFifoMisses, mapLruMisses } from './helpers.js';

const tracePath = fileURLToPath(new URL('../../../../traces/cache2k-web07.txt', import.meta.url));
const CAPACITIES = [100, 500, 1000, 2000, 5000];

/** Belady by brute scan of the resident set on every eviction (unit sizes). */
function naiveBeladyMisses(keys: Uint32Array, next: Float64Array, length: number, capacity: number): number {
  const resident = new Map<number, number>(); // key → next access
  let misses = 0;
  for (let i = 0; i < length; i++) {
    const k = keys[i]!;
    const nx = next[i]! < 0 ? Number.POSITIVE_INFINITY : next[i]!;
    if (resident.has(k)) {
      resident.set(k, nx);
      continue;
    }
    misses++;
    if (resident.size >= capacity) {
      let victim = -1;
      let far = -1;
      for (const [key, at] of resident) if (at > far) [victim, far] = [key, at];
      resident.delete(victim);
    }
    resident.set(k, nx);
  }
  return misses;
}

describe('golden: cache2k-web07 (shipped with the repository)', () => {
  let trace: LoadedTrace;
  const misses = (policy: string, capacity: number) =>
    replay(createPolicy(policy, { capacity, keySpace: trace.keyCount }), trace.batch, { unit: 'objects' }).misses;

  beforeAll(async () => {
    trace = withNextAccess(await loadTrace(tracePath));
    expect(trace.batch.length).toBe(76118);
    expect(trace.keyCount).toBe(20484);
  });

  it('LRU and FIFO equal Map-based reference implementations at every capacity', () => {
    const { key, length } = trace.batch;
    const keys = key.subarray(0, length);
    for (const c of CAPACITIES) {
      expect({ c, lru: misses('lru', c), fifo: misses('fifo', c) }).toEqual({
        c,
        lru: mapLruMisses(keys, undefined, c),
        fifo: mapFifoMisses(keys, undefined, c),
      });
    }
  });

  it('LRU and Map-based LRU agree in byte mode with sizes (every object sized by its id)', () => {
    const { key, length } = trace.batch;
    const sized = { ...trace.batch, size: new Float64Array(length) };
    for (let i = 0; i < length; i++) sized.size[i] = 1 + (key[i]! % 97);
    for (const c of [1000, 20000]) {
      const ours = replay(createPolicy('lru', { capacity: c }), sized, { unit: 'bytes' }).misses;
      expect(ours).toBe(mapLruMisses(key.subarray(0, length), sized.size, c));
    }
  });

  it('Belady equals a naive farthest-next-access scan and is a lower bound for every policy', () => {
    const { key, nextAccess, length } = trace.batch;
    for (const c of [100, 500]) expect(misses('belady', c)).toBe(naiveBeladyMisses(key, nextAccess, length, c));
    for (const c of CAPACITIES) {
      const optimum = misses('belady', c);
      for (const info of builtinPolicies) expect(misses(info.name, c)).toBeGreaterThanOrEqual(optimum);
    }
  });

  it('LRU and Belady have the inclusion property: misses never grow with capacity', () => {
    for (const policy of ['lru', 'belady']) {
      const curve = CAPACITIES.map((c) => misses(policy, c));
      for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeLessThanOrEqual(curve[i - 1]!);
    }
  });

  it('with capacity >= distinct keys every policy misses exactly once per key', () => {
    for (const info of builtinPolicies) expect({ policy: info.name, misses: misses(info.name, trace.keyCount) }).toEqual({ policy: info.name, misses: 20484 });
  });
});
