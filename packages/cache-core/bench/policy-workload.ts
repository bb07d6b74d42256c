/**
 * The policy benchmark's workload, built once outside any timed loop: cloudPhysicsIO (from
 * ../shared/traces, when present) repeated to >= 10M requests, object mode at 10% of its distinct
 * objects; without ../shared, a seeded Zipf trace of the same shape (10M requests, 48,974 objects).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { computeNextAccess, generateZipf, loadTrace, type RequestBatch } from '../src/index.js';

export const TARGET_REQUESTS = 10_000_000;
const sharedTrace = fileURLToPath(new URL('../../../../shared/traces/cloudPhysicsIO.oracleGeneral.bin', import.meta.url));

/** Requests/s targets from issue 4 (object mode). */
export const TARGETS: Record<string, number> = {
  lru: 5e6,
  s3fifo: 3e6,
  sieve: 3e6,
  clock: 3e6,
  arc: 1.5e6,
  lirs: 1.5e6,
  wtinylfu: 1.5e6,
};

export interface PolicyWorkload {
  source: string;
  batch: RequestBatch;
  keyCount: number;
  /** Cache size in objects (10% of the distinct objects). */
  capacity: number;
}

/** Repeats `base` until at least `total` requests; key, size and next-access columns only matter. */
function repeat(base: RequestBatch, total: number): RequestBatch {
  const times = Math.ceil(total / base.length);
  const n = base.length * times;
  const key = new Uint32Array(n);
  const size = new Float64Array(n);
  for (let t = 0; t < times; t++) {
    key.set(base.key.subarray(0, base.length), t * base.length);
    size.set(base.size.subarray(0, base.length), t * base.length);
  }
  const batch: RequestBatch = {
    length: n,
    time: new Float64Array(n),
    key,
    size,
    session: new Int32Array(n).fill(-1),
    op: new Int32Array(n).fill(-1),
    referrer: new Int32Array(n).fill(-1),
    nextAccess: new Float64Array(n),
  };
  return batch;
}

export async function buildWorkload(): Promise<PolicyWorkload> {
  if (existsSync(sharedTrace)) {
    const trace = await loadTrace(sharedTrace);
    const batch = repeat(trace.batch, TARGET_REQUESTS);
    computeNextAccess(batch, trace.keyCount);
    return {
      source: `cloudPhysicsIO x${batch.length / trace.batch.length}`,
      batch,
      keyCount: trace.keyCount,
      capacity: Math.floor(trace.keyCount * 0.1),
    };
  }
  const zipf = generateZipf({ requests: TARGET_REQUESTS, objects: 48_974, alpha: 0.8, seed: 1 });
  computeNextAccess(zipf.batch, zipf.keyCount);
  return { source: 'seeded Zipf(0.8), ../shared absent', batch: zipf.batch, keyCount: zipf.keyCount, capacity: Math.floor(zipf.keyCount * 0.1) };
}
