/** Reads the real traces beside the repository (../shared/traces) and checks their known sizes. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeNextAccess, loadTrace, traceStats } from '../../src/index.js';
import { sharedTraces } from './fixtures.js';

const dir = fileURLToPath(sharedTraces);
const present = existsSync(`${dir}cloudPhysicsIO.oracleGeneral.bin`);

describe.skipIf(!present)('real traces in ../shared/traces (skipped: folder absent outside CI)', () => {
  it('cloudPhysicsIO.oracleGeneral.bin: 113,872 requests, 48,974 objects; its next-access column equals the pre-pass', async () => {
    const trace = await loadTrace(`${dir}cloudPhysicsIO.oracleGeneral.bin`);
    expect(trace.batch.length).toBe(113_872);
    expect(trace.keyCount).toBe(48_974);
    expect(trace.skipped).toBe(0);
    const fromFile = Float64Array.from(trace.batch.nextAccess);
    computeNextAccess(trace.batch, trace.keyCount);
    expect(trace.batch.nextAccess).toEqual(fromFile);
    expect(trace.batch.time[0]).toBe(5_633_898);
    expect(trace.keyLabel(0)).toBe('42932745');
  });

  it('cloudPhysicsIO.csv read with time=2,key=5,size=4 gives the same key sequence', async () => {
    const bin = await loadTrace(`${dir}cloudPhysicsIO.oracleGeneral.bin`);
    const csv = await loadTrace(`${dir}cloudPhysicsIO.csv`, { csv: 'time=2,key=5,size=4', header: true });
    expect(csv.batch.length).toBe(113_872);
    expect(csv.keyCount).toBe(48_974);
    // Both intern in order of first appearance, so equal id sequences mean equal key sequences
    expect(csv.batch.key).toEqual(bin.batch.key);
    expect(csv.batch.time).toEqual(bin.batch.time);
    for (const id of [0, 1, 1000, 48_973]) expect(csv.keyLabel(id)).toBe(bin.keyLabel(id));
  });

  it.each([
    ['cache2k-web07.txt', 76_118, 20_484],
    ['lirs-loop.txt', 505_500, 1_011],
    ['lirs-2_pools.txt', 100_000, 9_939],
    ['lirs-multi1.txt', 15_858, 2_606],
    ['lirs-sprite.txt', 133_996, 7_075],
  ])('%s: %i requests, %i objects', async (name, requests, objects) => {
    const trace = await loadTrace(`${dir}${name}`);
    expect(trace.batch.length).toBe(requests);
    expect(trace.keyCount).toBe(objects);
  });

  it('apache_logs.log: 10,000 requests, 1,498 URLs, 1,753 clients', async () => {
    const trace = await loadTrace(`${dir}apache_logs.log`);
    expect(trace.batch.length).toBe(10_000);
    expect(trace.keyCount).toBe(1_498);
    expect(trace.sessionCount).toBe(1_753);
    expect(traceStats(trace.batch).sessions).toBe(1_753);
  });
});
