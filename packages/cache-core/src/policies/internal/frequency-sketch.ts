/**
 * TinyLFU's frequency estimator (Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache
 * Admission Policy", ACM ToS 2017; Caffeine's FrequencySketch): a count-min sketch of 4 rows of
 * 4-bit counters (saturating at 15), fronted by a doorkeeper Bloom filter that absorbs the first
 * occurrence of each key, and aged by halving every counter (and clearing the doorkeeper) after
 * `10 × width` recorded accesses.
 */
import { hashKey } from './hash.js';

const ROWS = 4;
const SEEDS = [0x97cb3127, 0x0b2a6d5f, 0x5bd1e995, 0x1b873593];

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

  /** Records one access to `key`. */
  increment(key: number): void {
    if (!this.doorkeeperAdd(key)) {
      const width = this.mask + 1;
      const c = this.counters;
      for (let r = 0; r < ROWS; r++) {
        const i = r * width + (hashKey(key, SEEDS[r]!) & this.mask);
        if (c[i]! < 15) c[i]!++;
      }
    }
    if (++this.additions >= this.sampleSize) this.age();
  }

  /** Estimated accesses to `key` within the current sample. */
  estimate(key: number): number {
    const width = this.mask + 1;
    const c = this.counters;
    let min = 15;
    for (let r = 0; r < ROWS; r++) {
      const v = c[r * width + (hashKey(key, SEEDS[r]!) & this.mask)]!;
      if (v < min) min = v;
    }
    return min + (this.doorkeeperHas(key) ? 1 : 0);
  }

  private age(): void {
    const c = this.counters;
    for (let i = 0; i < c.length; i++) c[i] = c[i]! >>> 1;
    this.doorkeeper.fill(0);
    this.additions >>>= 1;
  }

  /** Sets the key's two doorkeeper bits; returns whether both were already set. */
  private doorkeeperAdd(key: number): boolean {
    const a = hashKey(key, 0x3c6ef372) & this.doorMask;
    const b = hashKey(key, 0xa54ff53a) & this.doorMask;
    const d = this.doorkeeper;
    const had = (d[a >>> 5]! & (1 << (a & 31))) !== 0 && (d[b >>> 5]! & (1 << (b & 31))) !== 0;
    d[a >>> 5]! |= 1 << (a & 31);
    d[b >>> 5]! |= 1 << (b & 31);
    return had;
  }

  private doorkeeperHas(key: number): boolean {
    const a = hashKey(key, 0x3c6ef372) & this.doorMask;
    const b = hashKey(key, 0xa54ff53a) & this.doorMask;
    const d = this.doorkeeper;
    return (d[a >>> 5]! & (1 << (a & 31))) !== 0 && (d[b >>> 5]! & (1 << (b & 31))) !== 0;
  }
}
