/**
 * Miss-ratio curves: many policies × many capacities over one in-memory trace. The trace's
 * replay columns are copied once into SharedArrayBuffers; worker threads (one per core by
 * default) take (policy, capacity) jobs from a queue, biggest first, and replay them.
 */
import { availableParallelism } from 'node:os';
import { CachelabError, ConfigError } from '../errors.js';
import { createPolicy, getPolicyInfo } from '../policies/registry.js';
import { ensureNextAccess } from '../traces/next-access.js';
import type { RequestBatch } from '../traces/request.js';
import { runMrcJob, type MrcJob, type MrcPoint, type ReplayColumns } from './mrc-job.js';
import { MrcWorkerPool } from './mrc-pool.js';
import type { CapacityUnit } from './replay.js';

export type { MrcPoint } from './mrc-job.js';
export { MrcWorkerPool } from './mrc-pool.js';

export interface MrcOptions {
  policies: readonly string[];
  /** Capacities in `unit`. */
  capacities: readonly number[];
  unit: CapacityUnit;
  /** Requests that warm the cache without being counted. Default 0. */
  warmup?: number;
  /** Seed handed to every policy. Default 0. */
  seed?: number;
  /** Parameters per policy name. */
  params?: Readonly<Record<string, Readonly<Record<string, number | string | boolean>>>>;
  /** Worker threads; 0 replays in this thread. Default: available cores, at most the number of jobs. Ignored with `pool`. */
  workers?: number;
  /** Modules each worker imports first (packages that register more policies). Ignored with `pool`. */
  workerImports?: readonly string[];
  /** A pool started earlier (e.g. while the trace loaded); it is left open for the caller to close. */
  pool?: MrcWorkerPool;
  /** Called as requests are replayed: (requests done over all jobs, total = jobs × requests). */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops handing out jobs and rejects with the finished points discarded. */
  signal?: AbortSignal;
}

/** The result: one point per (policy, capacity), policy-major in the order given. */
export interface MissRatioCurve {
  unit: CapacityUnit;
  policies: string[];
  capacities: number[];
  requests: number;
  points: MrcPoint[];
  /** Wall time of the whole curve. */
  seconds: number;
  workers: number;
}

/** The point of one policy at one capacity. */
export function mrcPoint(curve: MissRatioCurve, policy: string, capacity: number): MrcPoint {
  const point = curve.points.find((p) => p.policy === policy && p.capacity === capacity);
  if (!point) throw new RangeError(`no point for ${policy} at ${capacity} in this curve`);
  return point;
}

/**
 * Replays every policy at every capacity over `trace` (one in-memory read of the trace) and
 * returns the points policy-major. With a policy that needs next-access positions (Belady) and
 * a trace without them, `trace.nextAccess` is filled in place first. Results do not depend on
 * the number of threads.
 */
export async function missRatioCurve(trace: RequestBatch, keyCount: number, options: MrcOptions): Promise<MissRatioCurve> {
  const started = performance.now();
  if (options.policies.length === 0) throw new ConfigError('policies', 'no policies given');
  if (options.capacities.length === 0) throw new ConfigError('sizes', 'no cache sizes given');
  const jobs: MrcJob[] = [];
  for (const policy of options.policies) {
    for (const capacity of options.capacities) {
      const params = options.params?.[policy];
      jobs.push({
        index: jobs.length,
        policy,
        capacity,
        unit: options.unit,
        warmup: options.warmup ?? 0,
        seed: options.seed ?? 0,
        keySpace: keyCount,
        ...(params ? { params } : {}),
      });
    }
  }
  // Fail fast, in this thread, with the registry's typed errors (unknown policy, bad params).
  for (const policy of options.policies) {
    const params = options.params?.[policy];
    createPolicy(policy, { capacity: options.capacities[0]!, keySpace: 1, ...(params ? { params } : {}) });
  }
  const needsOracle = options.policies.some((p) => getPolicyInfo(p)?.needsOracle);
  if (needsOracle) ensureNextAccess(trace, keyCount);

  const total = jobs.length * trace.length;
  const done = new Float64Array(jobs.length);
  let doneSum = 0;
  const report = (index: number, requests: number): void => {
    doneSum += requests - done[index]!;
    done[index] = requests;
    options.onProgress?.(doneSum, total);
  };

  const workers = options.pool ? options.pool.size : Math.min(options.workers ?? availableParallelism(), jobs.length);
  let points: MrcPoint[];
  if (workers <= 0) {
    points = [];
    for (const job of jobs) {
      if (options.signal?.aborted) throw new CachelabError('INTERRUPTED', 'miss-ratio curve interrupted');
      points.push(runMrcJob(trace, job, (n) => report(job.index, n)));
    }
  } else {
    const pool = options.pool ?? new MrcWorkerPool(workers, options.workerImports);
    try {
      points = await pool.run(shareColumns(trace), jobs, report, options.signal);
    } finally {
      if (!options.pool) await pool.close();
    }
  }
  return {
    unit: options.unit,
    policies: [...options.policies],
    capacities: [...options.capacities],
    requests: trace.length,
    points,
    seconds: (performance.now() - started) / 1000,
    workers: Math.max(0, workers),
  };
}

/** Copies the replay columns into SharedArrayBuffers once; workers read them without copies. */
function shareColumns(trace: RequestBatch): ReplayColumns {
  const n = trace.length;
  const key = new Uint32Array(new SharedArrayBuffer(n * 4));
  const size = new Float64Array(new SharedArrayBuffer(n * 8));
  const nextAccess = new Float64Array(new SharedArrayBuffer(n * 8));
  key.set(trace.key.subarray(0, n));
  size.set(trace.size.subarray(0, n));
  nextAccess.set(trace.nextAccess.subarray(0, n));
  return { length: n, key, size, nextAccess };
}
