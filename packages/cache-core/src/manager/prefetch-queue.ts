/**
 * The bounded prefetch queue. Items come out highest priority first; equal priorities first in,
 * first out. A request for a key already queued is merged into the queued item: the higher of
 * the two priorities wins and the item keeps its original place among equals. When the queue is
 * full, a new item pushes out the lowest-priority (newest among equals) item if it beats it;
 * otherwise the new item is dropped. Either way one item is dropped and counted.
 *
 * Kept as an array sorted from the lowest to the highest priority, so `take` pops from the end;
 * insertion is a binary search plus a splice, O(n) in the queue bound (1000 by default), which is
 * far below the cost of the fetch each item stands for.
 */
import { InvalidArgumentError } from './errors.js';
import { generateCacheKey, type CacheKeyParams } from './keys.js';

export interface PrefetchItem {
  /** generateCacheKey(endpoint, params): where the fetched data is stored. */
  key: string;
  endpoint: string;
  params: CacheKeyParams | undefined;
  priority: number;
  /** Arrival order, for first-in first-out among equal priorities. */
  sequence: number;
}

/** A prefetch request: `[endpoint, params, priority]` as in the spec, or an object. */
export type PrefetchRequest =
  | readonly [endpoint: string, params?: CacheKeyParams | null, priority?: number]
  | { endpoint: string; params?: CacheKeyParams | null; priority?: number };

export const DEFAULT_PREFETCH_PRIORITY = 0.5;

export type EnqueueOutcome = 'queued' | 'merged' | 'dropped';

export class PrefetchQueue {
  /** Sorted from lowest to highest priority; among equals, newest first (so the oldest pops first). */
  private readonly items: PrefetchItem[] = [];
  private readonly byKey = new Map<string, PrefetchItem>();
  private sequence = 0;
  /** Items pushed out or refused because the queue was full. */
  dropped = 0;

  constructor(readonly maxSize: number) {
    if (!Number.isSafeInteger(maxSize) || maxSize < 1) throw new InvalidArgumentError('maxSize', `must be an integer >= 1, got ${maxSize}`);
  }

  get size(): number {
    return this.items.length;
  }

  enqueue(endpoint: string, params: CacheKeyParams | null | undefined, priority: number = DEFAULT_PREFETCH_PRIORITY): EnqueueOutcome {
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw new InvalidArgumentError('priority', `must be a finite number (higher is fetched first), got ${String(priority)}`);
    }
    const key = generateCacheKey(endpoint, params);
    const queued = this.byKey.get(key);
    if (queued) {
      if (priority > queued.priority) {
        this.removeAt(this.indexOf(queued));
        queued.priority = priority;
        this.insert(queued);
      }
      return 'merged';
    }
    const item: PrefetchItem = { key, endpoint, params: params ?? undefined, priority, sequence: this.sequence++ };
    if (this.items.length >= this.maxSize) {
      this.dropped++;
      const lowest = this.items[0]!;
      if (!(priority > lowest.priority)) return 'dropped';
      this.items.shift();
      this.byKey.delete(lowest.key);
    }
    this.insert(item);
    this.byKey.set(key, item);
    return 'queued';
  }

  /** Removes and returns the highest-priority item (oldest among equals). */
  take(): PrefetchItem | undefined {
    const item = this.items.pop();
    if (item) this.byKey.delete(item.key);
    return item;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** A copy of the queue from the next item to be fetched to the last. */
  snapshot(): PrefetchItem[] {
    const out: PrefetchItem[] = [];
    for (let i = this.items.length - 1; i >= 0; i--) out.push({ ...this.items[i]! });
    return out;
  }

  clear(): void {
    this.items.length = 0;
    this.byKey.clear();
  }

  /** True when `a` comes out after `b` (lower priority, or equal priority and newer). */
  private static before(a: PrefetchItem, b: PrefetchItem): boolean {
    return a.priority < b.priority || (a.priority === b.priority && a.sequence > b.sequence);
  }

  private insert(item: PrefetchItem): void {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (PrefetchQueue.before(this.items[mid]!, item)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }

  private indexOf(item: PrefetchItem): number {
    return this.items.indexOf(item);
  }

  private removeAt(index: number): void {
    this.items.splice(index, 1);
  }
}
