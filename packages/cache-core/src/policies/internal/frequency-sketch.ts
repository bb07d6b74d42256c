/**
 * TinyLFU's frequency estimator (Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache
 * Admission Policy", ACM ToS 2017; Caffeine's FrequencySketch): a count-min sketch of 4 rows of
 * 4-bit counters (saturating at 15), fronted by a doorkeeper Bloom filter that absorbs the first
 * occurrence of each key, and aged by halving every counter (and clearing the doorkeeper) after
 * `10 × width` recorded accesses.
 */
import { hashKey } from './hash.js';

const ROWS = 4;
const SEED_A = 0x97cb3127;
const SEED_B = 0x5bd1e995;

export class FrequencySketch {
  private readonly counters: Uint8Array;
  private readonly doorkeeper: Uint32Array;
  private readonly mask: number;
  private readonly doorMask: number;
  private readonly sampleSize: number;
  private additions = 0;

  /** `expected`: about how many distinct objects the cache holds (sets the width, a power of two). */
  constructor(expected: number) {
    let width = 16;
    while (width < expected && width < 1 << 22) width <<= 1;
    this.mask = width - 1;
    this.counters = new Uint8Array(ROWS * width);
    this.doorkeeper = new Uint32Array(width / 4); // 8 bits per slot of width
    this.doorMask = width * 8 - 1;
    this.sampleSize = 10 * width;
  }

  bytes(): number {
    return this.counters.byteLength + this.doorkeeper.byteLength;
  }

  /**
   * Records one access to `key`. Two hashes per key: rows use double hashing (a + r·b). The first
   * access (per sample) only sets the doorkeeper; later ones are counted in the sketch.
   */
  increment(key: number): void {
    const a = hashKey(key, SEED_A);
    const b = hashKey(key, SEED_B) | 1;
    if (this.doorkeeperAdd(a, b)) {
      const width = this.mask + 1;
      const c = this.counters;
      for (let r = 0; r < ROWS; r++) {
        const i = r * width + ((a + r * b) & this.mask);
        if (c[i]! < 15) c[i]!++;
      }
    }
    if (++this.additions >= this.sampleSize) this.age();
  }

  /** Estimated accesses to `key` within the current sample. */
  estimate(key: number): number {
    const a = hashKey(key, SEED_A);
    const b = hashKey(key, SEED_B) | 1;
    const width = this.mask + 1;
    const c = this.counters;
    let min = 15;
    for (let r = 0; r < ROWS; r++) {
      const v = c[r * width + ((a + r * b) & this.mask)]!;
      if (v < min) min = v;
    }
    return min + (this.doorkeeperHas(a, b) ? 1 : 0);
  }

  private age(): void {
    const c = this.counters;
    for (let i = 0; i < c.length; i++) c[i] = c[i]! >>> 1;
    this.doorkeeper.fill(0);
    this.additions >>>= 1;
  }

  /** Sets the key's two doorkeeper bits; returns whether both were already set. */
  private doorkeeperAdd(a: number, b: number): boolean {
    const had = this.doorkeeperHas(a, b);
    const x = (a >>> 7) & this.doorMask;
    const y = (b >>> 7) & this.doorMask;
    const d = this.doorkeeper;
    d[x >>> 5]! |= 1 << (x & 31);
    d[y >>> 5]! |= 1 << (y & 31);
    return had;
  }

  private doorkeeperHas(a: number, b: number): boolean {
    const x = (a >>> 7) & this.doorMask;
    const y = (b >>> 7) & this.doorMask;
    const d = this.doorkeeper;
    return (d[x >>> 5]! & (1 << (x & 31))) !== 0 && (d[y >>> 5]! & (1 << (y & 31))) !== 0;
  }
}
