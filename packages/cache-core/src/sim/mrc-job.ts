/**
 * One point of a miss-ratio curve: one policy at one capacity over the whole trace. Shared by
 * the in-process path and the worker threads so both compute exactly the same thing.
 */
import { createPolicy } from '../policies/registry.js';
import type { RequestBatch } from '../traces/request.js';
import { Replayer, type CapacityUnit, type ReplayStats } from './replay.js';

export interface MrcJob {
  /** Position of the point in the result (policy-major, then capacity). */
  index: number;
  policy: string;
  capacity: number;
  unit: CapacityUnit;
  warmup: number;
  seed: number;
  keySpace: number;
  params?: Readonly<Record<string, number | string | boolean>>;
}

export interface MrcPoint {
  policy: string;
  capacity: number;
  stats: ReplayStats;
  /** Wall time of this replay. */
  seconds: number;
}

/** Requests fed per step; progress is reported after each step. */
export const MRC_STEP = 1 << 18;

/** The three columns a replay reads; the others are not shared with workers. */
export interface ReplayColumns {
  length: number;
  key: Uint32Array;
  size: Float64Array;
  nextAccess: Float64Array;
}

export function runMrcJob(columns: ReplayColumns, job: MrcJob, onStep?: (done: number) => void): MrcPoint {
  const started = performance.now();
  const policy = createPolicy(job.policy, {
    capacity: job.capacity,
    keySpace: job.keySpace,
    seed: job.seed,
    ...(job.params ? { params: job.params } : {}),
  });
  const replayer = new Replayer(policy, { unit: job.unit, warmup: job.warmup });
  const empty32 = new Int32Array(0);
  const view: RequestBatch = { length: 0, time: new Float64Array(0), key: columns.key, size: columns.size, session: empty32, op: empty32, referrer: empty32, nextAccess: columns.nextAccess };
  for (let at = 0; at < columns.length; at += MRC_STEP) {
    const end = Math.min(columns.length, at + MRC_STEP);
    view.length = end - at;
    view.key = columns.key.subarray(at, end);
    view.size = columns.size.subarray(at, end);
    view.nextAccess = columns.nextAccess.subarray(at, end);
    replayer.feed(view);
    onStep?.(end);
  }
  return { policy: job.policy, capacity: job.capacity, stats: replayer.finish(), seconds: (performance.now() - started) / 1000 };
}
