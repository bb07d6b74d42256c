/**
 * ARC, Adaptive Replacement Cache (Megiddo & Modha, "ARC: A Self-Tuning, Low Overhead Replacement
 * Cache", FAST 2003), following libCacheSim's ARC.c including its extension to variable sizes:
 * T1 (seen once) and T2 (seen at least twice) hold resident objects, B1 and B2 remember the
 * objects evicted from each (ghosts, with their sizes); a ghost hit moves the target size p of T1
 * (p is a real number, as in libCacheSim) and re-admits the object into T2. All sizes (p, |T1|,
 * |B1|, ...) are in the cache's unit, so byte-sized caches adapt in bytes.
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { NIL, type KeyList } from './internal/key-list.js';
import { SegmentedPolicy } from './internal/segmented-policy.js';
import { readParams } from './internal/params.js';

export const arcParams = {} as const;

const ABSENT = 0;
const T1 = 1;
const T2 = 2;
const B1 = 3;
const B2 = 4;

export class ArcPolicy extends SegmentedPolicy {
  private readonly t1: KeyList;
  private readonly t2: KeyList;
  private readonly b1: KeyList;
  private readonly b2: KeyList;
  private t1Size = 0;
  private t2Size = 0;
  private b1Size = 0;
  private b2Size = 0;
  /** [p], the target size of T1 (a typed array so that updates never box a double). */
  private readonly target = new Float64Array(1);
  /** Which ghost list the current miss hit (0 none, B1, B2); decides insert and eviction. */
  private ghostHit = 0;

  constructor(options: PolicyOptions) {
    super('arc', options.capacity, options.keySpace);
    readParams(this.name, arcParams, options.params);
    this.t1 = this.newList();
    this.t2 = this.newList();
    this.b1 = this.newList();
    this.b2 = this.newList();
  }

  lookup(key: number): boolean {
    this.ghostHit = 0;
    const w = this.where[key];
    if (w === undefined || w === ABSENT) return false;
    const size = this.size[key]!;
    if (w === T1) {
      this.t1.remove(key);
      this.t2.pushHead(key);
      this.where[key] = T2;
      this.t1Size -= size;
      this.t2Size += size;
      return true;
    }
    if (w === T2) {
      this.t2.moveToHead(key);
      return true;
    }
    if (w === B1) {
      this.target[0] = Math.min(this.target[0]! + Math.max(this.b2Size / this.b1Size, 1), this.capacity);
      this.b1Size -= size;
      this.b1.remove(key);
    } else {
      this.target[0] = Math.max(this.target[0]! - Math.max(this.b1Size / this.b2Size, 1), 0);
      this.b2Size -= size;
      this.b2.remove(key);
    }
    this.ghostHit = w;
    this.where[key] = ABSENT;
    return false;
  }

  evict(_incomingKey: number, incomingSize: number): number {
    if (this.ghostHit !== 0) return this.replace();
    // Case IV of the paper: a miss on all four lists.
    if (this.t1Size + this.b1Size + incomingSize > this.capacity) {
      if (this.b1Size > 0) {
        this.dropGhost(this.b1, B1);
        return this.replace();
      }
      // T1 alone fills the cache: evict its LRU without a ghost.
      const key = this.t1.popTail();
      this.t1Size -= this.size[key]!;
      this.where[key] = ABSENT;
      this.used -= this.size[key]!;
      this.count--;
      return key;
    }
    if (this.t1Size + this.b1Size + this.t2Size + this.b2Size >= 2 * this.capacity && this.b2Size > 0) {
      this.dropGhost(this.b2, B2);
    }
    return this.replace();
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.size[key] = size;
    if (this.ghostHit !== 0) {
      this.t2.pushHead(key);
      this.where[key] = T2;
      this.t2Size += size;
    } else {
      this.t1.pushHead(key);
      this.where[key] = T1;
      this.t1Size += size;
    }
    this.ghostHit = 0;
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    const w = this.where[key];
    if (w !== T1 && w !== T2) return false;
    const size = this.size[key]!;
    if (w === T1) {
      this.t1.remove(key);
      this.t1Size -= size;
    } else {
      this.t2.remove(key);
      this.t2Size -= size;
    }
    this.where[key] = ABSENT;
    this.used -= size;
    this.count--;
    return true;
  }

  has(key: number): boolean {
    const w = this.where[key];
    return w === T1 || w === T2;
  }

  /** REPLACE of the paper: demote the LRU of T1 or T2 to its ghost list. */
  private replace(): number {
    const t1Size = this.t1Size;
    const p = this.target[0]!;
    const fromT1 = (t1Size > 0 && (t1Size > p || (t1Size === p && this.ghostHit === B2))) || this.t2Size === 0;
    const key = fromT1 ? this.t1.popTail() : this.t2.popTail();
    const size = this.size[key]!;
    if (fromT1) {
      this.t1Size -= size;
      this.b1Size += size;
      this.b1.pushHead(key);
      this.where[key] = B1;
    } else {
      this.t2Size -= size;
      this.b2Size += size;
      this.b2.pushHead(key);
      this.where[key] = B2;
    }
    this.used -= size;
    this.count--;
    return key;
  }

  private dropGhost(list: KeyList, which: number): void {
    const key = list.popTail();
    if (key === NIL) return;
    if (which === B1) this.b1Size -= this.size[key]!;
    else this.b2Size -= this.size[key]!;
    this.where[key] = ABSENT;
  }

  verify(): void {
    const sums = [this.walkSegment(this.t1, T1), this.walkSegment(this.t2, T2), this.walkSegment(this.b1, B1), this.walkSegment(this.b2, B2)];
    if (sums[0] !== this.t1Size || sums[1] !== this.t2Size || sums[2] !== this.b1Size || sums[3] !== this.b2Size) {
      throw new Error(`arc: list sizes ${sums.join('/')} differ from the counters`);
    }
    const p = this.target[0]!;
    if (p < 0 || p > this.capacity) throw new Error(`arc: p=${p} outside [0, capacity]`);
    this.checkTotals(this.t1.length + this.t2.length, this.t1Size + this.t2Size);
  }
}

export const arcInfo: PolicyInfo = {
  name: 'arc',
  factory: (options) => new ArcPolicy(options),
  summary: 'ARC (Megiddo & Modha, FAST 2003): adaptive recency/frequency split with ghost lists',
  params: arcParams,
};
