/** Tiny next-request predictors for CacheEnv tests (the real one lives in @cachelab/markov). */
import type { RequestBatch } from '@cachelab/cache-core';
import type { NextRequestPredictor } from '../../src/env/cache-env.js';

/** First-order, global stream: the most frequent successor of the last key, p = its share. */
export class SuccessorPredictor implements NextRequestPredictor {
  private readonly counts = new Map<number, Map<number, number>>();
  private last = -1;
  updateBatch(batch: RequestBatch, i: number): void {
    const key = batch.key[i]!;
    if (this.last >= 0) {
      const row = this.counts.get(this.last) ?? new Map<number, number>();
      row.set(key, (row.get(key) ?? 0) + 1);
      this.counts.set(this.last, row);
    }
    this.last = key;
  }
  predictSession(_session: number, k: number, outKeys: Uint32Array, outProbabilities: Float64Array): number {
    const row = this.counts.get(this.last);
    if (!row) return 0;
    let total = 0;
    for (const c of row.values()) total += c;
    const ranked = [...row.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, Math.min(k, outKeys.length));
    ranked.forEach(([key, c], j) => {
      outKeys[j] = key;
      outProbabilities[j] = c / total;
    });
    return ranked.length;
  }
}

/** Knows the trace: predicts the actual next request with probability 1. */
export class OraclePredictor implements NextRequestPredictor {
  private position = -1;
  constructor(private readonly trace: RequestBatch) {}
  updateBatch(_batch: RequestBatch, i: number): void {
    this.position = i;
  }
  predictSession(_session: number, _k: number, outKeys: Uint32Array, outProbabilities: Float64Array): number {
    const next = this.position + 1;
    if (next >= this.trace.length || outKeys.length === 0) return 0;
    outKeys[0] = this.trace.key[next]!;
    outProbabilities[0] = 1;
    return 1;
  }
}
