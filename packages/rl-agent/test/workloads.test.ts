import { createPolicy, replay } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { generateWorkload, workloadKeys, WORKLOAD_KINDS } from '../src/training/workloads.js';

function missRatio(policy: string, kind: (typeof WORKLOAD_KINDS)[number], fraction: number): number {
  const trace = generateWorkload({ kind, requests: 40_000, objects: 4_000, seed: 1 });
  const objects = new Set(trace.key.subarray(0, trace.length)).size;
  const capacity = Math.floor(objects * fraction);
  return replay(createPolicy(policy, { capacity, keySpace: objects }), trace, { unit: 'objects' }).missRatio;
}

describe('synthetic training workloads', () => {
  it('are deterministic per seed, with dense key ids by first appearance', () => {
    for (const kind of WORKLOAD_KINDS) {
      const a = workloadKeys({ kind, requests: 5_000, seed: 3 });
      expect(workloadKeys({ kind, requests: 5_000, seed: 3 })).toEqual(a);
      expect(workloadKeys({ kind, requests: 5_000, seed: 4 })).not.toEqual(a);
      let max = -1;
      for (const k of a) {
        expect(k).toBeLessThanOrEqual(max + 1);
        max = Math.max(max, k);
      }
    }
    expect(() => workloadKeys({ kind: 'reuse', requests: 0, seed: 1 })).toThrow(/requests/);
  });

  it('each rewards the eviction instinct it is built for', () => {
    // reuse: recency is the signal; LRU beats the frequency filter of W-TinyLFU.
    expect(missRatio('lru', 'reuse', 0.1)).toBeLessThan(missRatio('wtinylfu', 'reuse', 0.1));
    // zipf-scan: frequency and scan resistance beat LRU.
    expect(missRatio('wtinylfu', 'zipf-scan', 0.1)).toBeLessThan(missRatio('lru', 'zipf-scan', 0.1) - 0.01);
    // loop-zipf: LRU misses the whole loop; ARC keeps part of it.
    expect(missRatio('arc', 'loop-zipf', 0.1)).toBeLessThan(missRatio('lru', 'loop-zipf', 0.1) - 0.03);
  });
});
