/**
 * Gymnasium-style spaces: what an environment accepts as an action and returns as an
 * observation. Observations are flat Float32Arrays; `shape` says how to read them
 * (e.g. `[K, F]`: K candidates with F features each).
 */
import type { PRNG } from 'seedrandom';

/** Actions 0 … n−1. */
export class Discrete {
  readonly kind = 'discrete';
  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Discrete space needs n >= 1, got ${n}`);
  }
  contains(action: number): boolean {
    return Number.isInteger(action) && action >= 0 && action < this.n;
  }
  sample(rng: PRNG): number {
    return Math.floor(rng() * this.n);
  }
}

/** A box of reals with one lower and upper bound for every element. */
export class Box {
  readonly kind = 'box';
  readonly size: number;
  constructor(
    readonly low: number,
    readonly high: number,
    readonly shape: readonly number[],
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
  }
  contains(x: Float32Array): boolean {
    if (x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!(v >= this.low && v <= this.high)) return false; // also rejects NaN
    }
    return true;
  }
}
