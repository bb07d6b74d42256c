/**
 * The MRC path end to end on the real trace: worker threads, shared columns and the registry's
 * policies reproduce libCacheSim's reference miss counts (../shared/traces/README.md).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTrace, missRatioCurve, mrcPoint, parseCapacities } from '../../src/index.js';
import { sharedTraces } from '../traces/fixtures.js';

const bin = `${fileURLToPath(sharedTraces)}cloudPhysicsIO.oracleGeneral.bin`;

describe.skipIf(!existsSync(bin))('MRC on cloudPhysicsIO (skipped: ../shared/traces absent outside CI)', () => {
  it('byte mode, 128 MiB … 1 GiB: exact libCacheSim miss counts for LRU and FIFO on 2 worker threads', async () => {
    const trace = await loadTrace(bin);
    const MiB = 2 ** 20;
    const capacities = [128, 256, 384, 512, 640, 768, 896, 1024].map((m) => m * MiB);
    const curve = await missRatioCurve(trace.batch, trace.keyCount, { policies: ['lru', 'fifo'], capacities, unit: 'bytes', workers: 2 });
    expect(capacities.map((c) => mrcPoint(curve, 'lru', c).stats.misses)).toEqual([93374, 89783, 83572, 81722, 72494, 72104, 71972, 71704]);
    expect(capacities.map((c) => mrcPoint(curve, 'fifo', c).stats.misses)).toEqual([93403, 89386, 84387, 84025, 72498, 72228, 72182, 72140]);
  });

  it('object mode, 1%/5%/10%/20% of distinct objects: libCacheSim miss ratios, Belady from the file\'s next-access column', async () => {
    const trace = await loadTrace(bin);
    const sizes = parseCapacities('1%,5%,10%,20%', { distinctObjects: trace.keyCount }).map((c) => c.capacity);
    expect(sizes).toEqual([489, 2448, 4897, 9794]);
    const curve = await missRatioCurve(trace.batch, trace.keyCount, { policies: ['lru', 'belady'], capacities: sizes, unit: 'objects', workers: 2 });
    expect(sizes.map((c) => mrcPoint(curve, 'lru', c).stats.missRatio.toFixed(4))).toEqual(['0.8380', '0.8246', '0.8049', '0.7249']);
    expect(mrcPoint(curve, 'lru', 489).stats.misses).toBe(95420);
    expect(mrcPoint(curve, 'belady', 489).stats.misses).toBe(90263);
    expect(mrcPoint(curve, 'belady', 4897).stats.missRatio.toFixed(4)).toBe('0.6290');
  });
});
