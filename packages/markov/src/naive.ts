/**
 * The reference baseline of /work/shared/traces/README.md: an online, unbounded first-order
 * Markov predictor that predicts the most frequent successor of the session's current key
 * (statistics shared by all sessions; ties go to the successor seen first). Exact and simple,
 * not fast: evaluation and tests compare the bounded predictor against it.
 */
import { ABSENT, type RequestBatch } from '@cachelab/cache-core';
import type { SequencePredictor } from './types.js';

export class NaiveFirstOrderPredictor implements SequencePredictor {
  private readonly successors = new Map<number, Map<number, number>>();
  private readonly current = new Map<number, number>();

  updateBatch(batch: RequestBatch, i: number): void {
    this.observe(batch.key[i]!, batch.session[i]!);
  }

  observe(key: number, session: number): void {
    const s = session >= 0 ? session : ABSENT;
    const previous = this.current.get(s);
    if (previous !== undefined) {
      let counts = this.successors.get(previous);
      if (!counts) this.successors.set(previous, (counts = new Map()));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    this.current.set(s, key);
  }

  predictSession(session: number, k: number, outKeys: Uint32Array, outProbabilities: Float64Array): number {
    const previous = this.current.get(session >= 0 ? session : ABSENT);
    const counts = previous === undefined ? undefined : this.successors.get(previous);
    if (!counts || counts.size === 0) return 0;
    let total = 0;
    for (const c of counts.values()) total += c;
    // Stable sort by count: Map iteration order is first-seen order, so ties go to the earlier successor.
    const ranked = [...counts.entries()].sort((x, y) => y[1] - x[1]);
    const n = Math.min(k, ranked.length, outKeys.length);
    for (let j = 0; j < n; j++) {
      outKeys[j] = ranked[j]![0];
      outProbabilities[j] = ranked[j]![1] / total;
    }
    return n;
  }
}
