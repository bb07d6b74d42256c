/**
 * Replay speed of the learned eviction policy. Target: ≥ 300k requests/s (requests/s = trace
 * length × hz). Baseline in the same run: the same trace through cache-core's LRU; and the cost
 * of one decision (the pure-TS forward pass, target ≤ 30 µs).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPolicy, loadTrace, replay, type RequestBatch } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';
import { bench, describe } from 'vitest';
import { QForward } from '../src/dqn/forward.js';
import { FEATURE_COUNT } from '../src/env/features.js';
import { learnedPolicyFromForward } from '../src/learned-policy.js';
import { zipfTrace } from '../test/helpers/trace.js';

/** A forward pass of the default shape with seeded random weights (a trained one costs the same). */
function randomForward(hidden = 8, k = 8): QForward {
  const rng = seedrandom('weights');
  const dims = [FEATURE_COUNT, hidden, 1];
  const layers = [0, 1].map((l) => ({
    inputs: dims[l]!,
    units: dims[l + 1]!,
    kernel: Float32Array.from({ length: dims[l]! * dims[l + 1]! }, () => rng() - 0.5),
    bias: Float32Array.from({ length: dims[l + 1]! }, () => rng() - 0.5),
  }));
  return new QForward({ layout: 'per-action', features: FEATURE_COUNT, actions: k, hiddenLayers: [hidden] }, layers);
}

const forward = randomForward();

function replayGroup(label: string, trace: RequestBatch, capacity: number, keySpace: number): void {
  describe(`${label}: ${trace.length} requests at ${capacity} objects`, () => {
    bench('lru (baseline)', () => {
      replay(createPolicy('lru', { capacity, keySpace }), trace, { unit: 'objects' });
    });
    bench('dqn learned policy', () => {
      replay(learnedPolicyFromForward('dqn', forward, { capacity, keySpace }), trace, { unit: 'objects' });
    });
  });
}

const zipf = zipfTrace(200_000, 20_000, 0.9, 1, 0.1);
replayGroup('zipf(0.9) + 10% scans', zipf, 2_000, 40_000);

const cloud = fileURLToPath(new URL('../../../../shared/traces/cloudPhysicsIO.oracleGeneral.bin', import.meta.url));
if (fs.existsSync(cloud)) {
  const t = await loadTrace(cloud);
  replayGroup('cloudPhysicsIO (10%)', t.batch, 4_897, t.keyCount);
}

describe('one eviction decision (K = 8 candidates × 14 features, hidden [8])', () => {
  const obs = new Float32Array(8 * FEATURE_COUNT);
  const rng = seedrandom('obs');
  for (let i = 0; i < obs.length; i++) obs[i] = rng() < 0.4 ? 0 : rng();
  let sink = 0;
  bench('pure-TS forward pass + argmax', () => {
    obs[sink & 7] = rng();
    sink += forward.argmax(obs);
  });
});
