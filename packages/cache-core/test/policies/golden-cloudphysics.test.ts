/**
 * Golden test: replays the CloudPhysics block-I/O sample (libCacheSim's data/) and compares with
 * the reference tables in ../shared/traces/README.md, produced by libCacheSim (commit aa0fc40).
 * Every reference cell is reproduced exactly, for every policy of the table.
 *
 * Notes on the reference:
 * - The LFU and SIEVE byte-mode rows are identical (and equal in object mode from 2,448 objects
 *   up). That is a property of this trace, not a copy error: our LFU (frequency buckets) and SIEVE
 *   (hand over a FIFO), which share no code, each reproduce their row independently, and SLRU gives
 *   the same byte-mode counts too (asserted below). Instrumenting the replays shows why: in byte
 *   mode (128 MiB: 85,933 evictions; 1 GiB: 41,107) and at 2,448 objects, neither LFU nor SIEVE
 *   ever evicts an object that was hit while resident, so both evict never-hit objects in arrival
 *   order and make identical choices. At 489 objects they do evict hit objects (LFU 913 times,
 *   SIEVE 1,707) and the reference rows differ there, as ours do.
 * - S3-FIFO: the reference was produced by the original algorithm (new objects always enter the
 *   small FIFO). libCacheSim changed S3FIFO.c in Dec 2024 to admit into main while the small FIFO is
 *   full before the first eviction; that variant (`mainWhenSmallFull: true`) gives different
 *   numbers, asserted below so the difference stays visible.
 * - LIRS has no object-mode reference; its object-mode values are asserted as regression values.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPolicy } from '../../src/policies/index.js';
import { replay } from '../../src/sim/replay.js';
import { loadTrace, type LoadedTrace } from '../../src/traces/index.js';

const tracePath = fileURLToPath(new URL('../../../../../shared/traces/cloudPhysicsIO.oracleGeneral.bin', import.meta.url));
const present = existsSync(tracePath);
const MiB = 1024 * 1024;
const BYTE_SIZES = [128, 256, 384, 512, 640, 768, 896, 1024];
const OBJECT_SIZES = [489, 2448, 4897, 9794];

/** Reference: exact miss counts, byte-sized caches of 128..1024 MiB. */
const BYTE_MISSES: Record<string, number[]> = {
  lru: [93374, 89783, 83572, 81722, 72494, 72104, 71972, 71704],
  fifo: [93403, 89386, 84387, 84025, 72498, 72228, 72182, 72140],
  clock: [93313, 89775, 83411, 81328, 74815, 72283, 71927, 64456],
  lfu: [91699, 86720, 78578, 76707, 69945, 66221, 64445, 64376],
  sieve: [91699, 86720, 78578, 76707, 69945, 66221, 64445, 64376],
  arc: [90252, 85861, 78168, 74297, 67381, 65685, 64439, 64772],
  s3fifo: [89307, 82387, 77041, 76791, 71300, 70343, 70455, 70355],
  lirs: [89819, 79237, 73143, 70363, 68405, 64494, 58640, 53924],
  belady: [79256, 70724, 65481, 61594, 59645, 57599, 50873, 48974],
};

/** Reference: request miss ratios (4 decimals) at 489, 2,448, 4,897, 9,794 objects. */
const OBJECT_RATIOS: Record<string, (number | undefined)[]> = {
  lru: [0.838, 0.8246, 0.8049, 0.7249],
  fifo: [0.8476, 0.8266, 0.8054, 0.7128],
  clock: [0.8372, 0.824, 0.8044, 0.7483],
  lfu: [0.8498, 0.8172, 0.7907, 0.7162],
  sieve: [0.8292, 0.8172, 0.7907, 0.7162],
  arc: [0.8275, 0.8114, 0.7728, 0.7026],
  s3fifo: [0.8304, 0.8026, 0.7525, 0.678],
  belady: [0.7927, undefined, 0.629, undefined],
};

/** Reference: exact miss counts at 489 objects. */
const MISSES_AT_489: Record<string, number> = { lru: 95420, fifo: 96518, sieve: 94419, lfu: 96765, belady: 90263 };

describe.skipIf(!present)('golden: cloudPhysicsIO vs libCacheSim reference (needs ../shared/traces)', () => {
  let trace: LoadedTrace;
  beforeAll(async () => {
    trace = await loadTrace(tracePath);
    expect(trace.batch.length).toBe(113872);
    expect(trace.keyCount).toBe(48974);
  });

  const run = (policy: string, capacity: number, unit: 'bytes' | 'objects', params?: Record<string, boolean>) =>
    replay(createPolicy(policy, { capacity, keySpace: trace.keyCount, ...(params ? { params } : {}) }), trace.batch, { unit });

  for (const [policy, expected] of Object.entries(BYTE_MISSES)) {
    it(`${policy}: exact byte-mode miss counts at 128..1024 MiB`, () => {
      const misses = BYTE_SIZES.map((m) => run(policy, m * MiB, 'bytes').misses);
      expect(misses).toEqual(expected);
    });
  }

  for (const [policy, expected] of Object.entries(OBJECT_RATIOS)) {
    it(`${policy}: object-mode miss ratios at 1/5/10/20% of the objects`, () => {
      OBJECT_SIZES.forEach((capacity, i) => {
        const want = expected[i];
        if (want === undefined) return;
        const stats = run(policy, capacity, 'objects');
        expect(stats.requests).toBe(113872);
        expect(Number(stats.missRatio.toFixed(4))).toBe(want);
      });
    });
  }

  it('exact object-mode miss counts at 489 objects', () => {
    for (const [policy, misses] of Object.entries(MISSES_AT_489)) {
      expect({ policy, misses: run(policy, 489, 'objects').misses }).toEqual({ policy, misses });
    }
  });

  it('LFU = SIEVE in byte mode is a property of the trace: SLRU lands on the same counts', () => {
    const misses = BYTE_SIZES.map((m) => run('slru', m * MiB, 'bytes').misses);
    expect(misses).toEqual(BYTE_MISSES.lfu);
  });

  it("S3-FIFO with libCacheSim's Dec 2024 admission variant differs from the reference (regression values)", () => {
    const misses = BYTE_SIZES.map((m) => run('s3fifo', m * MiB, 'bytes', { mainWhenSmallFull: true }).misses);
    expect(misses).toEqual([90117, 80915, 75060, 72191, 69815, 65542, 60799, 56045]);
  });

  it('LIRS object mode (no reference: regression values from this implementation)', () => {
    const ratios = OBJECT_SIZES.map((c) => Number(run('lirs', c, 'objects').missRatio.toFixed(4)));
    expect(ratios).toEqual([0.8315, 0.8138, 0.7518, 0.6559]);
  });
});
