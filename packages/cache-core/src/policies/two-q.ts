/**
 * 2Q, full version (Johnson & Shasha, "2Q: A Low Overhead High Performance Buffer Management
 * Replacement Algorithm", VLDB 1994): A1in, a FIFO for objects seen once (Kin of the capacity);
 * A1out, a ghost FIFO of keys evicted from A1in (Kout of the capacity, counted in the cache's
 * unit); Am, an LRU for objects re-requested while remembered in A1out. Hits in A1in change nothing.
 * libCacheSim's TwoQ.c (same defaults) agrees request by request in object mode from 4 objects; it
 * differs in three ways (test/policies/libcachesim-check.test.ts): it admits nothing larger than
 * A1in's share (so nothing at all below 4 objects), bounds Am by its own share (capacity − Kin,
 * evicting within Am when a ghost hit is admitted) and cannot evict while Am is empty. Here any
 * object up to the capacity is admitted, Am takes whatever A1in leaves, and A1in gives up its
 * oldest object when Am is empty.
 * Parameters: kinRatio (0.25), koutRatio (0.5).
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import type { KeyList } from './internal/key-list.js';
import { SegmentedPolicy } from './internal/segmented-policy.js';
import { checkRange, readParams } from './internal/params.js';

export const twoQParams = {
  kinRatio: { default: 0.25, doc: 'share of the capacity for A1in (first-time objects, FIFO)' },
  koutRatio: { default: 0.5, doc: 'size of the A1out ghost FIFO as a share of the capacity' },
} as const;

const A1IN = 1;
const AM = 2;
const A1OUT = 3;

export class TwoQPolicy extends SegmentedPolicy {
  private readonly a1in: KeyList;
  private readonly am: KeyList;
  private readonly a1out: KeyList;
  private readonly kin: number;
  private readonly kout: number;
  private a1inUsed = 0;
  private a1outUsed = 0;
  private ghostHit = false;

  constructor(options: PolicyOptions) {
    super('2q', options.capacity, options.keySpace);
    const p = readParams(this.name, twoQParams, options.params);
    checkRange(this.name, 'kinRatio', p.kinRatio, 0, 1);
    checkRange(this.name, 'koutRatio', p.koutRatio, 0, 10);
    this.kin = Math.floor(this.capacity * p.kinRatio);
    this.kout = Math.floor(this.capacity * p.koutRatio);
    this.a1in = this.newList();
    this.am = this.newList();
    this.a1out = this.newList();
  }

  lookup(key: number): boolean {
    this.ghostHit = false;
    const w = this.where[key];
    if (w === AM) {
      this.am.moveToHead(key);
      return true;
    }
    if (w === A1IN) return true;
    if (w === A1OUT) {
      this.a1out.remove(key);
      this.a1outUsed -= this.size[key]!;
      this.where[key] = 0;
      this.ghostHit = true;
    }
    return false;
  }

  evict(): number {
    // reclaimfor(): A1in gives up its oldest object when over Kin (or when Am is empty).
    if (this.a1in.length > 0 && (this.a1inUsed > this.kin || this.am.length === 0)) {
      const key = this.a1in.popTail();
      const size = this.size[key]!;
      this.a1inUsed -= size;
      this.used -= size;
      this.count--;
      this.where[key] = 0;
      if (size <= this.kout) {
        while (this.a1outUsed + size > this.kout) {
          const old = this.a1out.popTail();
          this.a1outUsed -= this.size[old]!;
          this.where[old] = 0;
        }
        this.a1out.pushHead(key);
        this.where[key] = A1OUT;
        this.a1outUsed += size;
      }
      return key;
    }
    const key = this.am.popTail();
    this.where[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
    return key;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.size[key] = size;
    if (this.ghostHit) {
      this.am.pushHead(key);
      this.where[key] = AM;
    } else {
      this.a1in.pushHead(key);
      this.where[key] = A1IN;
      this.a1inUsed += size;
    }
    this.ghostHit = false;
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    const w = this.where[key];
    if (w === A1IN) {
      this.a1in.remove(key);
      this.a1inUsed -= this.size[key]!;
    } else if (w === AM) this.am.remove(key);
    else return false;
    this.where[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
    return true;
  }

  has(key: number): boolean {
    const w = this.where[key];
    return w === A1IN || w === AM;
  }

  verify(): void {
    const a1in = this.walkSegment(this.a1in, A1IN);
    const am = this.walkSegment(this.am, AM);
    const a1out = this.walkSegment(this.a1out, A1OUT);
    if (a1in !== this.a1inUsed || a1out !== this.a1outUsed) throw new Error('2q: list sizes differ from counters');
    if (a1out > this.kout) throw new Error(`2q: A1out holds ${a1out} > Kout ${this.kout}`);
    this.checkTotals(this.a1in.length + this.am.length, a1in + am);
  }
}

export const twoQInfo: PolicyInfo = {
  name: '2q',
  factory: (options) => new TwoQPolicy(options),
  summary: '2Q (Johnson & Shasha, VLDB 1994): A1in FIFO + A1out ghost + Am LRU',
  params: twoQParams,
};
