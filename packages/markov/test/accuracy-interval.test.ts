import { SeededRandom } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { NaiveFirstOrderPredictor, accuracyInterval, clusterCounts, evaluatePredictor } from '../src/index.js';
import { batchOf } from './helpers.js';

describe('accuracyInterval (cluster bootstrap)', () => {
  it('is [1, 1] when every prediction is right and [0, 0] when none is', () => {
    expect(accuracyInterval({ predictions: [3, 5, 2], correct: [3, 5, 2] })).toEqual({ low: 1, high: 1, confidence: 0.95, clusters: 3 });
    expect(accuracyInterval({ predictions: [3, 5], correct: [0, 0], lonePredictions: 4, loneCorrect: 0 })).toMatchObject({ low: 0, high: 0, clusters: 6 });
  });

  it('on independent predictions agrees with the normal approximation of a binomial', () => {
    // 10,000 lone predictions, 6,000 right: 0.6 ± 1.96·√(0.24/10,000) = [0.5904, 0.6096].
    const r = accuracyInterval({ predictions: [], correct: [], lonePredictions: 10_000, loneCorrect: 6_000 });
    expect(r.low).toBeCloseTo(0.5904, 2);
    expect(r.high).toBeCloseTo(0.6096, 2);
    expect(Math.abs(r.low - 0.5904)).toBeLessThan(0.002);
    expect(Math.abs(r.high - 0.6096)).toBeLessThan(0.002);
  });

  it('ignores clusters without predictions and is reproducible from its seed', () => {
    const counts = { predictions: [4, 0, 7, 1, 0, 9], correct: [2, 0, 7, 0, 0, 4] };
    const a = accuracyInterval(counts, { seed: 's' });
    expect(a.clusters).toBe(4);
    expect(accuracyInterval(counts, { seed: 's' })).toEqual(a);
    expect(accuracyInterval({ predictions: [4, 7, 1, 9], correct: [2, 7, 0, 4] }, { seed: 's' })).toEqual(a);
    expect(() => accuracyInterval(counts, { confidence: 1 })).toThrow('confidence must be in (0, 1), got 1');
  });

  it('covers the true accuracy of clustered predictions about as often as its level says; a per-prediction interval does not', () => {
    // 200 data sets of 120 clients; a client makes 1–40 predictions and is right with its own
    // probability, uniform in [0.2, 1.0] (mean 0.6, independent of how many it makes), so the
    // population accuracy is 0.6.
    const draw = new SeededRandom('clusters');
    const random = () => draw.uniform(0, 1);
    let clustered = 0;
    let perPrediction = 0;
    const sets = 200;
    for (let s = 0; s < sets; s++) {
      const predictions: number[] = [];
      const correct: number[] = [];
      for (let c = 0; c < 120; c++) {
        const made = 1 + Math.floor(random() * 40);
        const p = 0.2 + 0.8 * random();
        let right = 0;
        for (let i = 0; i < made; i++) if (random() < p) right++;
        predictions.push(made);
        correct.push(right);
      }
      const options = { confidence: 0.9, resamples: 300, seed: `set-${s}` };
      const byClient = accuracyInterval({ predictions, correct }, options);
      if (byClient.low <= 0.6 && 0.6 <= byClient.high) clustered++;
      const total = predictions.reduce((a, b) => a + b, 0);
      const right = correct.reduce((a, b) => a + b, 0);
      const naive = accuracyInterval({ predictions: [], correct: [], lonePredictions: total, loneCorrect: right }, options);
      if (naive.low <= 0.6 && 0.6 <= naive.high) perPrediction++;
    }
    expect(clustered / sets).toBeGreaterThan(0.82);
    expect(clustered / sets).toBeLessThan(0.97);
    expect(perPrediction / sets).toBeLessThan(0.6);
  });
});

describe('evaluatePredictor cluster counts', () => {
  it('counts each session’s predictions and hits, and lone ones apart (hand-worked)', () => {
    // Session 0: 1 2 1 2: only its last request has a known successor of its current key (1→2):
    // one prediction, right. Session 1: 1 3 1 3: after its first 1 the table knows only 1→2 (wrong);
    // after its second 1 it knows 1→2 and 1→3, tied, 2 first: top-1 wrong, top-2 right.
    // Lone (no session): 5 6 5 6.
    const keys = [1, 2, 1, 2, 1, 3, 1, 3, 5, 6, 5, 6];
    const sessions = [0, 0, 0, 0, 1, 1, 1, 1, -1, -1, -1, -1];
    const r = evaluatePredictor(new NaiveFirstOrderPredictor(), batchOf(keys, sessions), 2);
    expect(Array.from(r.clusters.predictions)).toEqual([1, 2]);
    expect(Array.from(r.clusters.top1)).toEqual([1, 0]);
    expect(Array.from(r.clusters.topK)).toEqual([1, 1]);
    expect(r.clusters.lone.predictions).toBeGreaterThan(0);
    expect(r.clusters.predictions.reduce((a, b) => a + b, 0) + r.clusters.lone.predictions).toBe(r.predictions);
    expect(r.clusters.top1.reduce((a, b) => a + b, 0) + r.clusters.lone.top1).toBe(r.top1Hits);
    expect(r.clusters.topK.reduce((a, b) => a + b, 0) + r.clusters.lone.topK).toBe(r.topKHits);
    expect(clusterCounts(r, 'topK')).toEqual({ predictions: r.clusters.predictions, correct: r.clusters.topK, lonePredictions: r.clusters.lone.predictions, loneCorrect: r.clusters.lone.topK });
  });
});
