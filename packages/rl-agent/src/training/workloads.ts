/**
 * Seeded synthetic training workloads for the eviction agent: each one rewards a different
 * eviction instinct, so an agent trained on several must learn from its features when recency,
 * frequency or scan resistance pays, instead of memorising one trace.
 *
 * - `reuse`: temporal locality. Each request either repeats the request made `r` requests ago,
 *   r log-uniform in [1, 4·objects], or asks for a fresh key. Recency predicts reuse: LRU is near
 *   the best online policy and frequency filters lose.
 * - `zipf-scan`: Zipf(α 0.9) popularity interrupted by bursts of one-time scans over fresh keys.
 *   Frequency and scan resistance (TinyLFU, S3-FIFO, ARC) beat LRU.
 * - `loop-zipf`: Zipf(α 0.8) requests interleaved with a cyclic loop a little longer than a 10%
 *   cache. LRU misses every loop request; keeping part of the loop pays (LIRS, ARC).
 * - `phases`: the three above in sequence (a third of the requests each): the best policy changes
 *   mid-trace.
 *
 * Same kind, options and seed → the same keys. Keys are labelled by first appearance (dense ids),
 * like every trace reader's. Written as `txt` traces by scripts/write-training-traces.ts.
 */
import { allocateBatch, zipfRankSampler, type RequestBatch } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';

export const WORKLOAD_KINDS = ['reuse', 'zipf-scan', 'loop-zipf', 'phases'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface WorkloadOptions {
  kind: WorkloadKind;
  /** Requests in the trace. */
  requests: number;
  /** Scale of the key population (Zipf population; reuse: distances up to 4× this). Default 10,000. */
  objects?: number;
  seed: number;
}

/** The workload's object ids, one per request (ids are dense, in order of first appearance). */
export function workloadKeys(options: WorkloadOptions): Uint32Array {
  const { requests, seed } = options;
  const objects = options.objects ?? 10_000;
  if (!Number.isInteger(requests) || requests < 1) throw new RangeError(`requests must be a positive integer, got ${requests}`);
  if (!Number.isInteger(objects) || objects < 16) throw new RangeError(`objects must be an integer >= 16, got ${objects}`);
  const rng = seedrandom(`workload-${options.kind}-${seed}`);
  const raw = new Float64Array(requests);
  const fresh = { next: 1e9 }; // fresh keys live far above any Zipf rank or loop key
  switch (options.kind) {
    case 'reuse':
      fillReuse(raw, 0, requests, objects, rng, fresh);
      break;
    case 'zipf-scan':
      fillZipfScan(raw, 0, requests, objects, rng, fresh);
      break;
    case 'loop-zipf':
      fillLoopZipf(raw, 0, requests, objects, rng);
      break;
    case 'phases': {
      const third = Math.floor(requests / 3);
      fillReuse(raw, 0, third, objects, rng, fresh);
      fillZipfScan(raw, third, 2 * third, objects, rng, fresh, 1e7);
      fillLoopZipf(raw, 2 * third, requests, objects, rng, 2e7);
      break;
    }
  }
  const ids = new Map<number, number>();
  const keys = new Uint32Array(requests);
  for (let i = 0; i < requests; i++) {
    let id = ids.get(raw[i]!);
    if (id === undefined) ids.set(raw[i]!, (id = ids.size));
    keys[i] = id;
  }
  return keys;
}

/** The workload as a request batch (unit sizes, time = position). */
export function generateWorkload(options: WorkloadOptions): RequestBatch {
  const keys = workloadKeys(options);
  const batch = allocateBatch(keys.length);
  batch.length = keys.length;
  for (let i = 0; i < keys.length; i++) {
    batch.key[i] = keys[i]!;
    batch.time[i] = i;
    batch.size[i] = 1;
  }
  return batch;
}

function fillReuse(out: Float64Array, from: number, to: number, objects: number, rng: () => number, fresh: { next: number }): void {
  const maxDistance = 4 * objects;
  for (let i = from; i < to; i++) {
    const r = Math.floor(Math.exp(rng() * Math.log(maxDistance)));
    // 15% fresh keys; a reuse that reaches before the segment's start is fresh too.
    out[i] = rng() < 0.15 || i - r < from ? fresh.next++ : out[i - r]!;
  }
}

function fillZipfScan(out: Float64Array, from: number, to: number, objects: number, rng: () => number, fresh: { next: number }, offset = 0): void {
  const zipf = zipfRankSampler(objects, 0.9, rng);
  let scanLeft = 0;
  for (let i = from; i < to; i++) {
    // A scan of 200–2,000 fresh keys starts with probability 1/2,000 per request, interleaved 1:1.
    if (scanLeft === 0 && rng() < 1 / 2000) scanLeft = 200 + Math.floor(rng() * 1800);
    if (scanLeft > 0 && rng() < 0.5) {
      scanLeft--;
      out[i] = fresh.next++;
    } else {
      out[i] = offset + zipf();
    }
  }
}

function fillLoopZipf(out: Float64Array, from: number, to: number, objects: number, rng: () => number, offset = 0): void {
  const zipf = zipfRankSampler(objects, 0.8, rng);
  const loop = Math.round(objects * 0.15);
  let position = 0;
  for (let i = from; i < to; i++) {
    if (rng() < 0.5) out[i] = offset + objects + (position++ % loop);
    else out[i] = offset + zipf();
  }
}
