/**
 * Belady's MIN (Belady, "A study of replacement algorithms for a virtual-storage computer", IBM
 * Systems Journal 1966): evict the resident object whose next request is farthest in the future,
 * objects never requested again first. Needs next-access positions (PolicyInfo.needsOracle): a
 * trace without them must go through the next-access pre-pass first.
 *
 * Ties (several objects never requested again) are broken exactly as libCacheSim's Belady.c does:
 * its binary max-heap (pqueue.c) is reproduced operation for operation, so byte-mode results, where
 * the choice among never-again objects of different sizes matters, match the reference.
 * Parameters: none.
 */
import { CachelabError } from '../errors.js';
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { growFloat64, growInt32 } from './internal/arrays.js';
import { readParams } from './internal/params.js';

export const beladyParams = {} as const;

export class MissingNextAccessError extends CachelabError {
  constructor(key: number) {
    super(
      'MISSING_NEXT_ACCESS',
      `belady needs the next-access position of every request, but key ${key} arrived without one ` +
        '(UNKNOWN_NEXT_ACCESS): run the next-access pre-pass on the trace before replaying it with belady',
    );
  }
}

export class BeladyPolicy extends KeyedPolicy {
  /** 1-based binary heap of keys, ordered by `priority` (largest first). */
  private heap: Int32Array;
  private heapSize = 0;
  /** Heap position of each key; 0 when not resident. */
  private position: Int32Array;
  /** Next access of each resident key (Infinity = never). */
  private priority: Float64Array;

  constructor(options: PolicyOptions) {
    super('belady', options.capacity, options.keySpace);
    readParams(this.name, beladyParams, options.params);
    this.heap = new Int32Array(this.keyCap + 1);
    this.position = new Int32Array(this.keyCap);
    this.priority = new Float64Array(this.keyCap);
  }

  protected growKeys(n: number): void {
    this.heap = growInt32(this.heap, n + 1, 0);
    this.position = growInt32(this.position, n, 0);
    this.priority = growFloat64(this.priority, n, 0);
  }

  protected ownBytes(): number {
    return this.heap.byteLength + this.position.byteLength + this.priority.byteLength;
  }

  lookup(key: number, _size: number, nextAccess: number): boolean {
    const pos = this.position[key];
    if (pos === undefined || pos === 0) return false;
    const oldPri = this.priority[key]!;
    const newPri = oracle(key, nextAccess);
    this.priority[key] = newPri;
    // pqueue_change_priority
    if (oldPri < newPri) this.bubbleUp(pos);
    else this.percolateDown(pos);
    return true;
  }

  evict(): number {
    const heap = this.heap;
    const key = heap[1]!;
    heap[1] = heap[this.heapSize]!;
    this.heapSize--;
    if (this.heapSize > 0) this.percolateDown(1);
    this.position[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
    return key;
  }

  insert(key: number, size: number, nextAccess: number): void {
    const pri = oracle(key, nextAccess);
    this.ensure(key);
    this.size[key] = size;
    this.priority[key] = pri;
    const i = ++this.heapSize;
    this.heap[i] = key;
    this.bubbleUp(i);
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    if (!this.has(key)) return false;
    // pqueue_remove
    const pos = this.position[key]!;
    const heap = this.heap;
    const last = heap[this.heapSize]!;
    this.heapSize--;
    this.position[key] = 0;
    if (pos <= this.heapSize) {
      heap[pos] = last;
      this.position[last] = pos;
      if (this.priority[key]! < this.priority[last]!) this.bubbleUp(pos);
      else this.percolateDown(pos);
    }
    this.used -= this.size[key]!;
    this.count--;
    return true;
  }

  has(key: number): boolean {
    return (this.position[key] ?? 0) !== 0;
  }

  private bubbleUp(start: number): void {
    const heap = this.heap;
    const pri = this.priority;
    const pos = this.position;
    const moving = heap[start]!;
    const movingPri = pri[moving]!;
    let i = start;
    for (let parent = i >> 1; i > 1 && pri[heap[parent]!]! < movingPri; i = parent, parent = i >> 1) {
      heap[i] = heap[parent]!;
      pos[heap[i]!] = i;
    }
    heap[i] = moving;
    pos[moving] = i;
  }

  private percolateDown(start: number): void {
    const heap = this.heap;
    const pri = this.priority;
    const pos = this.position;
    const size = this.heapSize + 1; // pqueue's `size` counts the unused slot 0
    const moving = heap[start]!;
    const movingPri = pri[moving]!;
    let i = start;
    for (;;) {
      let child = i << 1;
      if (child >= size) break;
      if (child + 1 < size && pri[heap[child]!]! < pri[heap[child + 1]!]!) child++;
      if (!(movingPri < pri[heap[child]!]!)) break;
      heap[i] = heap[child]!;
      pos[heap[i]!] = i;
      i = child;
    }
    heap[i] = moving;
    pos[moving] = i;
  }

  verify(): void {
    let used = 0;
    for (let i = 1; i <= this.heapSize; i++) {
      const k = this.heap[i]!;
      if (this.position[k] !== i) throw new Error(`belady: key ${k} at heap slot ${i} records position ${this.position[k]}`);
      if (i > 1 && this.priority[this.heap[i >> 1]!]! < this.priority[k]!) throw new Error(`belady: heap order broken at slot ${i}`);
      used += this.size[k]!;
    }
    this.checkTotals(this.heapSize, used);
  }
}

/** Maps a request's next access to a heap priority: never again = +Infinity. */
function oracle(key: number, nextAccess: number): number {
  if (nextAccess === -1) return Number.POSITIVE_INFINITY;
  if (!(nextAccess >= 0)) throw new MissingNextAccessError(key);
  return nextAccess;
}

export const beladyInfo: PolicyInfo = {
  name: 'belady',
  factory: (options) => new BeladyPolicy(options),
  summary: "Belady's MIN (1966): evict the farthest next access, never-again first (needs next-access positions)",
  params: beladyParams,
  needsOracle: true,
};
