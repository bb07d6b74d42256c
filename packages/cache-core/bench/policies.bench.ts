/**
 * Replay throughput per policy, object mode, on cloudPhysicsIO repeated to >= 10M requests
 * (a seeded Zipf trace without ../shared), 10% of the distinct objects. One iteration = one
 * replay of the whole batch, so requests/s = requests × hz. LRU is the baseline of the group.
 * Targets (issue 4): LRU >= 5 M/s; S3-FIFO, SIEVE, CLOCK >= 3 M/s; ARC, LIRS, W-TinyLFU >= 1.5 M/s.
 * Metadata bytes per object and the allocation check: bench/policy-figures.ts.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { bench, describe } from 'vitest';
import { builtinPolicies, createPolicy, replay } from '../src/index.js';
import { buildWorkload } from './policy-workload.js';

const workload = await buildWorkload();
// A full collection before each policy's turn: without it a policy replays in the garbage the
// previous ones left (SIEVE measured 24 M req/s after LRU, FIFO, CLOCK and LFU, 53 M alone).
// policy-figures.ts collects before each replay too.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const options = { iterations: 2, warmupIterations: 1, time: 0, warmupTime: 0, setup: () => gc() };

describe(`policy replay, ${(workload.batch.length / 1e6).toFixed(2)}M requests (${workload.source}), ${workload.keyCount} objects, cache ${workload.capacity}`, () => {
  for (const info of builtinPolicies) {
    bench(info.name, () => {
      const policy = createPolicy(info.name, { capacity: workload.capacity, keySpace: workload.keyCount });
      replay(policy, workload.batch, { unit: 'objects' });
    }, options);
  }
});
