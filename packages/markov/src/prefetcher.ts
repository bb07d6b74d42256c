/**
 * The replay simulator's prefetch hook (cache-core sim/replay.ts `Prefetcher`), driven by a
 * Markov predictor: after each demand request the predictor learns it, then the keys predicted
 * for that request's session with probability ≥ `threshold` (at most `maxPrefetches`, and at
 * most the replayer's buffer) are handed to the replayer, which fetches those not resident.
 */
import { ConfigError, type Prefetcher, type RequestBatch } from '@cachelab/cache-core';
import type { SequencePredictor } from './types.js';

export interface PrefetchOptions {
  /**
   * Least predicted probability worth a fetch. Default 0.3: above what one observation gives with
   * lookahead (1/(1+3) = 0.25 with its default prior), below what it gives for the next request
   * (0.5 with the PPM-C escape), so there one observation is enough.
   */
  threshold: number;
  /** Most keys prefetched after one request. Default 2. */
  maxPrefetches: number;
}

export const DEFAULT_PREFETCH: Readonly<PrefetchOptions> = { threshold: 0.3, maxPrefetches: 2 };

export class MarkovPrefetcher implements Prefetcher {
  readonly options: PrefetchOptions;
  private session = -1;
  private readonly keys: Uint32Array;
  private readonly probabilities: Float64Array;

  constructor(
    readonly predictor: SequencePredictor,
    options: Partial<PrefetchOptions> = {},
  ) {
    this.options = { ...DEFAULT_PREFETCH, ...options };
    const { threshold, maxPrefetches } = this.options;
    if (!(threshold >= 0 && threshold <= 1)) throw new ConfigError('threshold', `must be a probability in [0, 1], got ${threshold}`);
    if (!(Number.isInteger(maxPrefetches) && maxPrefetches >= 1)) throw new ConfigError('maxPrefetches', `must be a whole number ≥ 1, got ${maxPrefetches}`);
    this.keys = new Uint32Array(maxPrefetches);
    this.probabilities = new Float64Array(maxPrefetches);
  }

  observe(batch: RequestBatch, i: number): void {
    this.session = batch.session[i]!;
    this.predictor.updateBatch(batch, i);
  }

  predict(out: Uint32Array): number {
    const n = this.predictor.predictSession(this.session, Math.min(out.length, this.keys.length), this.keys, this.probabilities);
    let issued = 0;
    // Best first, so the first probability below the threshold ends the list.
    for (let j = 0; j < n && this.probabilities[j]! >= this.options.threshold; j++) out[issued++] = this.keys[j]!;
    return issued;
  }
}
