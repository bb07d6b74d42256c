/**
 * Seeded random numbers for policies without allocation on the hot path: seedrandom turns the
 * user's seed into the initial state of a xorshift128 generator kept in a Uint32Array, and the
 * draws return small integers or booleans (never a boxed double).
 */
import seedrandom from 'seedrandom';

export class SeededRandom {
  private readonly s = new Uint32Array(4);

  constructor(seed: string) {
    const source = seedrandom(seed);
    for (let i = 0; i < 4; i++) this.s[i] = source.int32() >>> 0;
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** Advances the state; the new 32-bit word is in s[0]. */
  private step(): void {
    const s = this.s;
    let t = s[3]!;
    const x = s[0]!;
    s[3] = s[2]!;
    s[2] = s[1]!;
    s[1] = x;
    t ^= t << 11;
    t ^= t >>> 8;
    s[0] = t ^ x ^ (x >>> 19);
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    this.step();
    return Math.floor((this.s[0]! / 4294967296) * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    this.step();
    return this.s[0]! / 4294967296 < p;
  }

  /** Uniform in [lo, hi) (off the hot path: returns a double). */
  uniform(lo: number, hi: number): number {
    this.step();
    return lo + (hi - lo) * (this.s[0]! / 4294967296);
  }
}
