/**
 * LFU: evict the least frequently used object; among objects of equal frequency the one that
 * reached that frequency first goes first (FIFO within a frequency), exactly as libCacheSim's
 * LFU.c (O(1) frequency buckets; Shah, Mitra & Matani, "An O(1) algorithm for implementing the LFU
 * cache eviction scheme", 2010). Frequencies are not remembered after eviction: a re-admitted
 * object starts at 1.
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { FreqBuckets } from './internal/freq-buckets.js';
import { readParams } from './internal/params.js';

export const lfuParams = {} as const;

export class LfuPolicy extends KeyedPolicy {
  private readonly buckets: FreqBuckets;

  constructor(options: PolicyOptions) {
    super('lfu', options.capacity, options.keySpace);
    readParams(this.name, lfuParams, options.params);
    this.buckets = new FreqBuckets(this.keyCap);
  }

  protected growKeys(n: number): void {
    this.buckets.growKeys(n);
  }

  protected ownBytes(): number {
    return this.buckets.bytes();
  }

  lookup(key: number): boolean {
    if (!this.buckets.has(key)) return false;
    this.buckets.touch(key);
    return true;
  }

  evict(): number {
    const key = this.buckets.oldestOfMin();
    this.remove(key);
    return key;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.size[key] = size;
    this.buckets.add(key, 1);
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    if (!this.buckets.has(key)) return false;
    this.buckets.delete(key);
    this.used -= this.size[key]!;
    this.count--;
    return true;
  }

  has(key: number): boolean {
    return this.buckets.has(key);
  }

  verify(): void {
    let used = 0;
    this.buckets.walk('lfu', (k) => {
      used += this.size[k]!;
    });
    this.checkTotals(this.buckets.length, used);
  }
}

export const lfuInfo: PolicyInfo = {
  name: 'lfu',
  factory: (options) => new LfuPolicy(options),
  summary: 'Least frequently used, FIFO among equal frequencies (libCacheSim LFU semantics)',
  params: lfuParams,
};
