/**
 * W-TinyLFU (Einziger, Eytan, Friedman & Manes, "Adaptive Software Cache Management",
 * Middleware 2018; Caffeine's policy): a small LRU window (1% of the capacity) in front of a
 * segmented LRU main cache (probation 20%, protected 80% of main). Every request is counted in a
 * TinyLFU frequency sketch (count-min, doorkeeper, aging). When the window overflows, its LRU
 * object is the candidate: it enters probation if main has room, otherwise it competes with the
 * probation LRU victim and is admitted only if its estimated frequency is strictly higher.
 * Differences from Caffeine: the window share is fixed (no hill-climbing), and there is no random
 * admission of warm candidates (Caffeine's hash-flooding defence).
 * Not libCacheSim's WTinyLFU.c, which counts in a counting Bloom filter (minimal increment, no
 * doorkeeper) fed by misses, main-cache hits and candidates but not window hits, halves it every
 * 32 × main size main-cache hits, uses its SLRU.c (1:4) as main cache, takes the window's LRU as the
 * candidate on every eviction once the cache is full, and admits nothing larger than the window
 * (nothing at all below 100 objects).
 * Parameters: windowRatio (0.01), protectedRatio (0.8).
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { FrequencySketch } from './internal/frequency-sketch.js';
import { NIL, type KeyList } from './internal/key-list.js';
import { SegmentedPolicy } from './internal/segmented-policy.js';
import { checkRange, readParams } from './internal/params.js';

export const wtinylfuParams = {
  windowRatio: { default: 0.01, doc: 'share of the capacity for the admission window (LRU)' },
  protectedRatio: { default: 0.8, doc: 'share of the main cache for the protected segment' },
} as const;

const WINDOW = 1;
const PROBATION = 2;
const PROTECTED = 3;

export class WTinyLfuPolicy extends SegmentedPolicy {
  private readonly window: KeyList;
  private readonly probation: KeyList;
  private readonly protected_: KeyList;
  private readonly sketch: FrequencySketch;
  private readonly windowCap: number;
  private readonly mainCap: number;
  private readonly protectedCap: number;
  private windowUsed = 0;
  private probationUsed = 0;
  private protectedUsed = 0;

  constructor(options: PolicyOptions) {
    super('wtinylfu', options.capacity, options.keySpace);
    const p = readParams(this.name, wtinylfuParams, options.params);
    checkRange(this.name, 'windowRatio', p.windowRatio, 0, 1);
    checkRange(this.name, 'protectedRatio', p.protectedRatio, 0, 1);
    this.windowCap = Math.floor(this.capacity * p.windowRatio);
    this.mainCap = this.capacity - this.windowCap;
    this.protectedCap = Math.floor(this.mainCap * p.protectedRatio);
    this.window = this.newList();
    this.probation = this.newList();
    this.protected_ = this.newList();
    // Sketch width follows the capacity only: keySpace is a sizing hint that streamed replays lack,
    // and results must not depend on it (replay --size 128MiB = mrc at 128MiB).
    this.sketch = new FrequencySketch(this.capacity);
  }

  protected override ownBytes(): number {
    return super.ownBytes() + this.sketch.bytes();
  }

  lookup(key: number): boolean {
    this.sketch.increment(key);
    const w = this.where[key];
    if (w === WINDOW) {
      this.window.moveToHead(key);
      return true;
    }
    if (w === PROTECTED) {
      this.protected_.moveToHead(key);
      return true;
    }
    if (w !== PROBATION) return false;
    const size = this.size[key]!;
    this.probation.remove(key);
    this.probationUsed -= size;
    this.protected_.pushHead(key);
    this.where[key] = PROTECTED;
    this.protectedUsed += size;
    while (this.protectedUsed > this.protectedCap && this.protected_.tail !== key) {
      const old = this.protected_.popTail();
      const s = this.size[old]!;
      this.protectedUsed -= s;
      this.probation.pushHead(old);
      this.probationUsed += s;
      this.where[old] = PROBATION;
    }
    return true;
  }

  evict(_incomingKey: number, incomingSize: number): number {
    for (;;) {
      const mainCount = this.probation.length + this.protected_.length;
      if (this.window.length > 0 && (this.windowUsed + incomingSize > this.windowCap || mainCount === 0)) {
        const candidate = this.window.popTail();
        const size = this.size[candidate]!;
        this.windowUsed -= size;
        if (this.probationUsed + this.protectedUsed + size <= this.mainCap) {
          this.toProbation(candidate, size);
          continue;
        }
        const victim = this.probation.length > 0 ? this.probation.tail : this.protected_.tail;
        if (victim !== NIL && this.sketch.estimate(candidate) > this.sketch.estimate(victim)) {
          this.removeMain(victim);
          this.toProbation(candidate, size);
          return this.dropped(victim);
        }
        return this.dropped(candidate);
      }
      const victim = this.probation.length > 0 ? this.probation.tail : this.protected_.length > 0 ? this.protected_.tail : NIL;
      if (victim === NIL) {
        const key = this.window.popTail();
        this.windowUsed -= this.size[key]!;
        return this.dropped(key);
      }
      this.removeMain(victim);
      return this.dropped(victim);
    }
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.size[key] = size;
    this.window.pushHead(key);
    this.where[key] = WINDOW;
    this.windowUsed += size;
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    const w = this.where[key];
    if (w === WINDOW) {
      this.window.remove(key);
      this.windowUsed -= this.size[key]!;
    } else if (w === PROBATION || w === PROTECTED) this.removeMain(key);
    else return false;
    this.dropped(key);
    return true;
  }

  has(key: number): boolean {
    const w = this.where[key];
    return w === WINDOW || w === PROBATION || w === PROTECTED;
  }

  private toProbation(key: number, size: number): void {
    this.probation.pushHead(key);
    this.probationUsed += size;
    this.where[key] = PROBATION;
  }

  private removeMain(key: number): void {
    if (this.where[key] === PROBATION) {
      this.probation.remove(key);
      this.probationUsed -= this.size[key]!;
    } else {
      this.protected_.remove(key);
      this.protectedUsed -= this.size[key]!;
    }
  }

  private dropped(key: number): number {
    this.where[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
    return key;
  }

  verify(): void {
    const w = this.walkSegment(this.window, WINDOW);
    const pb = this.walkSegment(this.probation, PROBATION);
    const pt = this.walkSegment(this.protected_, PROTECTED);
    if (w !== this.windowUsed || pb !== this.probationUsed || pt !== this.protectedUsed) {
      throw new Error(`wtinylfu: walked ${w}/${pb}/${pt}, counters ${this.windowUsed}/${this.probationUsed}/${this.protectedUsed}`);
    }
    this.checkTotals(this.window.length + this.probation.length + this.protected_.length, w + pb + pt);
  }
}

export const wtinylfuInfo: PolicyInfo = {
  name: 'wtinylfu',
  factory: (options) => new WTinyLfuPolicy(options),
  summary: "W-TinyLFU (Einziger et al. 2018; Caffeine): LRU window + SLRU main with TinyLFU admission",
  params: wtinylfuParams,
};
