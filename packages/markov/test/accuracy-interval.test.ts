import { SeededRandom } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import {
  MarkovPredictor,
  NaiveFirstOrderPredictor,
  STREAM_BLOCK,
  accuracyDifferenceInterval,
  accuracyInterval,
  clusterCounts,
  evaluatePredictor,
} from '../src/index.js';
import { batchOf } from './helpers.js';

const ones = (n: number, value = 1) => new Array<number>(n).fill(value);

/**
 * One data set of `clients` clients: each makes 1–40 predictions and is right with its own
 * probability, uniform in [0.2, 1.0] (mean 0.6, independent of how many it makes), so the
 * population accuracy is 0.6. `single` lists every prediction's outcome on its own.
 */
function clusteredSet(random: () => number, clients: number): { predictions: number[]; correct: number[]; single: number[] } {
  const predictions: number[] = [];
  const correct: number[] = [];
  const single: number[] = [];
  for (let c = 0; c < clients; c++) {
    const made = 1 + Math.floor(random() * 40);
    const p = 0.2 + 0.8 * random();
    let right = 0;
    for (let i = 0; i < made; i++) {
      const hit = random() < p ? 1 : 0;
      right += hit;
      single.push(hit);
    }
    predictions.push(made);
    correct.push(right);
  }
  return { predictions, correct, single };
}

describe('accuracyInterval (cluster bootstrap)', () => {
  it('is [1, 1] when every prediction is right and [0, 0] when none is', () => {
    expect(accuracyInterval({ predictions: [3, 5, 2], correct: [3, 5, 2] })).toEqual({ low: 1, high: 1, confidence: 0.95, clusters: 3 });
    expect(accuracyInterval({ predictions: [3, 0, 5], correct: [0, 0, 0] })).toMatchObject({ low: 0, high: 0, clusters: 2 });
  });

  it('on clusters of one prediction agrees with the normal approximation of a binomial', () => {
    // 10,000 single predictions, 6,000 right: 0.6 ± 1.96·√(0.24/10,000) = [0.5904, 0.6096].
    const correct = [...ones(6_000), ...ones(4_000, 0)];
    const r = accuracyInterval({ predictions: ones(10_000), correct });
    expect(Math.abs(r.low - 0.5904)).toBeLessThan(0.002);
    expect(Math.abs(r.high - 0.6096)).toBeLessThan(0.002);
  });

  it('ignores clusters without predictions, is reproducible from its seed and checks its options', () => {
    const counts = { predictions: [4, 0, 7, 1, 0, 9], correct: [2, 0, 7, 0, 0, 4] };
    const a = accuracyInterval(counts, { seed: 's' });
    expect(a.clusters).toBe(4);
    expect(accuracyInterval(counts, { seed: 's' })).toEqual(a);
    expect(accuracyInterval({ predictions: [4, 7, 1, 9], correct: [2, 7, 0, 4] }, { seed: 's' })).toEqual(a);
    expect(() => accuracyInterval(counts, { confidence: 1 })).toThrow('confidence must be in (0, 1), got 1');
    expect(() => accuracyInterval({ predictions: [1, 2], correct: [1] })).toThrow('one entry per cluster');
  });

  it('covers the true accuracy of clustered predictions about as often as its level says; a per-prediction interval does not', () => {
    // 200 data sets of 120 clients (clusteredSet).
    const draw = new SeededRandom('clusters');
    const random = () => draw.uniform(0, 1);
    let clustered = 0;
    let perPrediction = 0;
    const sets = 200;
    for (let s = 0; s < sets; s++) {
      const { predictions, correct, single } = clusteredSet(random, 120);
      const options = { confidence: 0.9, resamples: 300, seed: `set-${s}` };
      const byClient = accuracyInterval({ predictions, correct }, options);
      if (byClient.low <= 0.6 && 0.6 <= byClient.high) clustered++;
      const naive = accuracyInterval({ predictions: ones(single.length), correct: single }, options);
      if (naive.low <= 0.6 && 0.6 <= naive.high) perPrediction++;
    }
    expect(clustered / sets).toBeGreaterThan(0.82);
    expect(clustered / sets).toBeLessThan(0.97);
    expect(perPrediction / sets).toBeLessThan(0.6);
  });

  it('covers as its level says with only 8 clients (expanded percentiles; plain ones covered 88.5 %)', () => {
    // 600 data sets of 8 clients (clusteredSet), at 95 %.
    const draw = new SeededRandom('few-clusters');
    const random = () => draw.uniform(0, 1);
    let covered = 0;
    const sets = 600;
    for (let s = 0; s < sets; s++) {
      const { predictions, correct } = clusteredSet(random, 8);
      const r = accuracyInterval({ predictions, correct }, { confidence: 0.95, resamples: 1000, seed: `few-${s}` });
      if (r.low <= 0.6 && 0.6 <= r.high) covered++;
    }
    expect(covered / sets).toBeGreaterThan(0.925);
    expect(covered / sets).toBeLessThan(0.985);
  });
});

describe('accuracyDifferenceInterval (paired)', () => {
  it('is exactly 0 for a predictor against itself, and a constant where one is right wherever the other is', () => {
    const a = { predictions: [4, 6, 3, 7], correct: [2, 3, 1, 5] };
    expect(accuracyDifferenceInterval(a, a)).toEqual({ difference: 0, low: 0, high: 0, confidence: 0.95, clusters: 4 });
    // b always right, a right half the time in every cluster: the difference is −0.5 in every resample.
    const half = { predictions: [4, 6, 2, 8], correct: [2, 3, 1, 4] };
    const all = { predictions: [4, 6, 2, 8], correct: [4, 6, 2, 8] };
    expect(accuracyDifferenceInterval(half, all)).toMatchObject({ difference: -0.5, low: -0.5, high: -0.5 });
  });

  it('pairing makes the interval far narrower than the two accuracy intervals suggest', () => {
    // Clients differ a lot in how predictable they are; b is right in exactly one more prediction
    // per client of 10 than a.
    const draw = new SeededRandom('paired');
    const predictions = ones(200, 10);
    const b = predictions.map(() => 1 + draw.below(9));
    const a = b.map((x) => x - 1);
    const d = accuracyDifferenceInterval({ predictions, correct: a }, { predictions, correct: b });
    expect(d.difference).toBeCloseTo(-0.1, 12);
    expect(d.low).toBeCloseTo(-0.1, 12);
    expect(d.high).toBeCloseTo(-0.1, 12);
    const alone = accuracyInterval({ predictions, correct: a });
    expect(alone.high - alone.low).toBeGreaterThan(0.05);
  });
});

describe('evaluatePredictor cluster counts', () => {
  it('counts each session’s predictions and hits, and blocks of session-less requests (hand-worked)', () => {
    // Session 0: 1 2 1 2: only its last request has a known successor of its current key (1→2):
    // one prediction, right. Session 1: 1 3 1 3: after its first 1 the table knows only 1→2 (wrong);
    // after its second 1 it knows 1→2 and 1→3, tied, 2 first: top-1 wrong, top-2 right.
    // No session: 5 6 5 6 at positions 8–11, all in the first block of STREAM_BLOCK requests.
    const keys = [1, 2, 1, 2, 1, 3, 1, 3, 5, 6, 5, 6];
    const sessions = [0, 0, 0, 0, 1, 1, 1, 1, -1, -1, -1, -1];
    const r = evaluatePredictor(new NaiveFirstOrderPredictor(), batchOf(keys, sessions), 2);
    expect(r.clusters.sessions).toBe(2);
    expect(r.clusters.predictions.length).toBe(3);
    expect(Array.from(r.clusters.predictions.subarray(0, 2))).toEqual([1, 2]);
    expect(Array.from(r.clusters.top1.subarray(0, 2))).toEqual([1, 0]);
    expect(Array.from(r.clusters.topK.subarray(0, 2))).toEqual([1, 1]);
    expect(r.clusters.predictions.reduce((x, y) => x + y, 0)).toBe(r.predictions);
    expect(r.clusters.top1.reduce((x, y) => x + y, 0)).toBe(r.top1Hits);
    expect(r.clusters.topK.reduce((x, y) => x + y, 0)).toBe(r.topKHits);
    expect(clusterCounts(r, 'topK')).toEqual({ predictions: r.clusters.predictions, correct: r.clusters.topK });
  });

  it('puts a stream without sessions into blocks of STREAM_BLOCK requests, the same for any predictor', () => {
    const keys = Array.from({ length: 2_500 }, (_, i) => i % 7);
    const batch = batchOf(keys);
    const a = evaluatePredictor(new NaiveFirstOrderPredictor(), batch, 1);
    const b = evaluatePredictor(new MarkovPredictor({ order: 2 }), batch, 1);
    expect(a.clusters.sessions).toBe(0);
    expect(a.clusters.predictions.length).toBe(Math.ceil(2_500 / STREAM_BLOCK));
    expect(b.clusters.predictions.length).toBe(a.clusters.predictions.length);
    // Requests 0–7 get no prediction (no current key yet, then keys 0–6 whose successors are not
    // learned yet); every later one does: 992 predictions in the first block, then 1000 and 500.
    expect(Array.from(a.clusters.predictions)).toEqual([992, 1000, 500]);
  });
});
