/**
 * Throughput of learning and predicting. Each iteration processes CHUNK = 10,000 requests, so
 * updates/s (or predictions/s) = hz × 10,000. The exact Map-based NaiveFirstOrderPredictor is the
 * in-run baseline. Workload: the synthetic API-session trace (1,000 endpoints, 500 users), given
 * a synthetic referrer (the endpoint's group of ten, "its page") on every request so that the
 * preset's referrer context does its full work.
 *   pnpm vitest bench --run --project markov
 */
import { generateSessions } from '@cachelab/cache-core';
import { bench, describe } from 'vitest';
import { ACCESS_LOG_PRESET, MarkovPredictor, NaiveFirstOrderPredictor, type MarkovOptions, type SequencePredictor } from '../src/index.js';

const CHUNK = 10_000;
const trace = generateSessions({ requests: 400_000, endpoints: 1_000, users: 500, seed: 1 }).batch;
for (let i = 0; i < trace.length; i++) trace.referrer[i] = Math.floor(trace.key[i]! / 10);

/** A predictor warmed on the first half, fed the second half chunk by chunk (wrapping around). */
function learner(make: () => SequencePredictor) {
  const predictor = make();
  const half = trace.length / 2;
  for (let i = 0; i < half; i++) predictor.updateBatch(trace, i);
  let at = half;
  return () => {
    for (let n = 0; n < CHUNK; n++) {
      predictor.updateBatch(trace, at);
      at = at + 1 < trace.length ? at + 1 : half;
    }
  };
}

function predictor(make: () => SequencePredictor) {
  const p = make();
  for (let i = 0; i < trace.length; i++) p.updateBatch(trace, i);
  const keys = new Uint32Array(4);
  const probabilities = new Float64Array(4);
  let at = 0;
  return () => {
    for (let n = 0; n < CHUNK; n++) {
      p.predictSession(trace.session[at]!, 4, keys, probabilities);
      at = at + 1 < trace.length ? at + 1 : 0;
    }
  };
}

const configs: Array<[string, Partial<MarkovOptions>]> = [
  ['markov order 1 (default)', {}],
  ['markov order 2', { order: 2 }],
  ['markov order 1, half-life 100k', { halfLife: 100_000 }],
  ['markov order 3 + per-session stats', { order: 3, sessionStats: true }],
  ['markov order 3 + per-session stats + positions 8', { order: 3, sessionStats: true, positions: 8 }],
  ['markov ACCESS_LOG_PRESET without referrer', { ...ACCESS_LOG_PRESET, referrerWeight: 0 }],
  ['markov ACCESS_LOG_PRESET (apache best)', ACCESS_LOG_PRESET],
];

describe(`update ×${CHUNK}`, () => {
  bench('naive first order (baseline)', learner(() => new NaiveFirstOrderPredictor()));
  for (const [name, options] of configs) bench(name, learner(() => new MarkovPredictor(options)));
});

describe(`top-4 prediction ×${CHUNK}`, () => {
  bench('naive first order (baseline)', predictor(() => new NaiveFirstOrderPredictor()));
  for (const [name, options] of configs) bench(name, predictor(() => new MarkovPredictor(options)));
});
