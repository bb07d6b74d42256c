/**
 * S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023), following
 * libCacheSim's S3FIFO.c: a small FIFO (10% of the capacity), a main FIFO (the rest) run as a
 * CLOCK with a 2-bit counter, and a ghost FIFO (90%) of keys evicted from the small queue.
 * New objects enter the small queue, or main on a ghost hit. Evicting from small moves objects hit
 * at least `moveToMainThreshold` times to main and the others to the ghost queue. The default is
 * the original algorithm, which the reference numbers (libCacheSim aa0fc40) were produced with;
 * `mainWhenSmallFull: true` selects libCacheSim's Dec 2024 variant (before the first eviction,
 * objects go to main once the small queue is full).
 *
 * Admission in byte mode, as libCacheSim: canInsert (its can_insert) refuses an object larger than
 * the small queue before the simulator evicts anything for it, ghost hits included; one of exactly
 * the small queue's size is evicted for and then declined by insert(), unless a ghost hit sends it to main.
 * Parameters: smallSizeRatio (0.1), ghostSizeRatio (0.9), moveToMainThreshold (2), mainWhenSmallFull (false).
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { growUint8 } from './internal/arrays.js';
import { NIL, type KeyList } from './internal/key-list.js';
import { SegmentedPolicy } from './internal/segmented-policy.js';
import { checkRange, readParams } from './internal/params.js';

export const s3fifoParams = {
  smallSizeRatio: { default: 0.1, doc: 'share of the capacity given to the small FIFO' },
  ghostSizeRatio: { default: 0.9, doc: 'ghost FIFO size as a share of the capacity (sizes of remembered keys)' },
  moveToMainThreshold: { default: 2, doc: 'hits in the small FIFO that promote an object to main' },
  mainWhenSmallFull: {
    default: false,
    doc: 'libCacheSim >= Dec 2024: before the first eviction, admit into main once the small FIFO is full',
  },
} as const;

const ABSENT = 0;
const SMALL = 1;
const MAIN = 2;
const GHOST = 3;

export class S3FifoPolicy extends SegmentedPolicy {
  private readonly small: KeyList;
  private readonly main: KeyList;
  private readonly ghost: KeyList;
  private freq: Uint8Array;
  private readonly smallCap: number;
  private readonly mainCap: number;
  private readonly ghostCap: number;
  private readonly threshold: number;
  private readonly mainWhenSmallFull: boolean;
  private smallUsed = 0;
  private mainUsed = 0;
  private ghostUsed = 0;
  private hitOnGhost = false;
  private hasEvicted = false;

  constructor(options: PolicyOptions) {
    super('s3fifo', options.capacity, options.keySpace);
    const p = readParams(this.name, s3fifoParams, options.params);
    checkRange(this.name, 'smallSizeRatio', p.smallSizeRatio, 0, 1);
    checkRange(this.name, 'ghostSizeRatio', p.ghostSizeRatio, 0, 10);
    checkRange(this.name, 'moveToMainThreshold', p.moveToMainThreshold, 1, 255);
    this.smallCap = Math.floor(this.capacity * p.smallSizeRatio);
    this.mainCap = this.capacity - this.smallCap;
    this.ghostCap = Math.floor(this.capacity * p.ghostSizeRatio);
    this.threshold = p.moveToMainThreshold;
    this.mainWhenSmallFull = p.mainWhenSmallFull;
    this.small = this.newList();
    this.main = this.newList();
    this.ghost = this.newList();
    this.freq = new Uint8Array(this.keyCap);
  }

  protected override growKeys(n: number): void {
    super.growKeys(n);
    this.freq = growUint8(this.freq, n);
  }

  protected override ownBytes(): number {
    return super.ownBytes() + this.freq.byteLength;
  }

  lookup(key: number): boolean {
    this.hitOnGhost = false;
    const w = this.where[key];
    if (w === undefined || w === ABSENT) return false;
    if (w === GHOST) {
      this.ghost.remove(key);
      this.ghostUsed -= this.size[key]!;
      this.where[key] = ABSENT;
      this.hitOnGhost = true;
      return false;
    }
    // The counter saturates where libCacheSim's behaviour no longer depends on it (>= 3 and >= threshold).
    if (this.freq[key]! < 255) this.freq[key]!++;
    return true;
  }

  evict(): number {
    this.hasEvicted = true;
    for (;;) {
      const key = this.mainUsed > this.mainCap || this.smallUsed === 0 ? this.evictMain() : this.evictSmall();
      if (key !== NIL) return key;
    }
  }

  /**
   * libCacheSim's can_insert: nothing larger than the small FIFO, ghost hits included. An object of
   * exactly its size passes here and is then declined by insert() (libCacheSim's insert does so after
   * its evictions; kept, so that byte-mode figures stay comparable with libCacheSim's).
   */
  canInsert(_key: number, size: number): boolean {
    return size <= this.smallCap;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    if (this.hitOnGhost) {
      this.hitOnGhost = false;
      this.pushMain(key, size);
    } else {
      if (size >= this.smallCap) return; // declined (canInsert): an object that would fill the small FIFO
      if (this.mainWhenSmallFull && !this.hasEvicted && this.smallUsed >= this.smallCap) this.pushMain(key, size);
      else {
        this.small.pushHead(key);
        this.where[key] = SMALL;
        this.size[key] = size;
        this.smallUsed += size;
      }
    }
    this.freq[key] = 0;
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    const w = this.where[key];
    if (w !== SMALL && w !== MAIN) return false;
    const size = this.size[key]!;
    if (w === SMALL) {
      this.small.remove(key);
      this.smallUsed -= size;
    } else {
      this.main.remove(key);
      this.mainUsed -= size;
    }
    this.where[key] = ABSENT;
    this.used -= size;
    this.count--;
    return true;
  }

  has(key: number): boolean {
    const w = this.where[key];
    return w === SMALL || w === MAIN;
  }

  private pushMain(key: number, size: number): void {
    this.main.pushHead(key);
    this.where[key] = MAIN;
    this.size[key] = size;
    this.mainUsed += size;
  }

  /** One pass of libCacheSim's S3FIFO_evict_small: returns the evicted key, or NIL if all moved to main. */
  private evictSmall(): number {
    while (this.smallUsed > 0) {
      const key = this.small.popTail();
      const size = this.size[key]!;
      this.smallUsed -= size;
      if (this.freq[key]! >= this.threshold) {
        this.pushMain(key, size);
        this.freq[key] = 0;
      } else {
        this.insertGhost(key, size);
        this.used -= size;
        this.count--;
        return key;
      }
    }
    return NIL;
  }

  /** libCacheSim's S3FIFO_evict_main: CLOCK with a 2-bit counter over the main FIFO. */
  private evictMain(): number {
    const main = this.main;
    const freq = this.freq;
    while (this.mainUsed > 0) {
      const key = main.tail;
      const f = freq[key]!;
      if (f >= 1) {
        main.moveToHead(key);
        freq[key] = Math.min(f, 3) - 1;
      } else {
        main.remove(key);
        const size = this.size[key]!;
        this.mainUsed -= size;
        this.where[key] = ABSENT;
        this.used -= size;
        this.count--;
        return key;
      }
    }
    return NIL;
  }

  /** The ghost is a FIFO bounded by the sizes it remembers (libCacheSim: ghost_fifo->get). */
  private insertGhost(key: number, size: number): void {
    this.where[key] = ABSENT;
    if (size > this.ghostCap) return;
    while (this.ghostUsed + size > this.ghostCap) {
      const old = this.ghost.popTail();
      this.ghostUsed -= this.size[old]!;
      this.where[old] = ABSENT;
    }
    this.ghost.pushHead(key);
    this.where[key] = GHOST;
    this.ghostUsed += size;
  }

  verify(): void {
    const small = this.walkSegment(this.small, SMALL);
    const main = this.walkSegment(this.main, MAIN);
    const ghost = this.walkSegment(this.ghost, GHOST);
    if (small !== this.smallUsed || main !== this.mainUsed || ghost !== this.ghostUsed) {
      throw new Error(`s3fifo: walked sizes ${small}/${main}/${ghost} differ from ${this.smallUsed}/${this.mainUsed}/${this.ghostUsed}`);
    }
    if (ghost > this.ghostCap) throw new Error(`s3fifo: ghost holds ${ghost} > ${this.ghostCap}`);
    this.checkTotals(this.small.length + this.main.length, small + main);
  }
}

export const s3fifoInfo: PolicyInfo = {
  name: 's3fifo',
  factory: (options) => new S3FifoPolicy(options),
  summary: 'S3-FIFO (Yang et al., SOSP 2023): small + main FIFO with a ghost queue',
  params: s3fifoParams,
};
