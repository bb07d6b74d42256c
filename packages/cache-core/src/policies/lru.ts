/**
 * LRU: evict the least recently used object. The textbook policy (Mattson et al., "Evaluation
 * techniques for storage hierarchies", IBM Systems Journal 1970), as libCacheSim's LRU.c:
 * insert at the head, move to the head on a hit, evict from the tail.
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { growUint8 } from './internal/arrays.js';
import { KeyList, LinkStore } from './internal/key-list.js';
import { readParams } from './internal/params.js';

export const lruParams = {} as const;

export class LruPolicy extends KeyedPolicy {
  private readonly links: LinkStore;
  private readonly queue: KeyList;
  private resident: Uint8Array;

  constructor(options: PolicyOptions) {
    super('lru', options.capacity, options.keySpace);
    readParams(this.name, lruParams, options.params);
    this.links = new LinkStore(this.keyCap);
    this.queue = new KeyList(this.links);
    this.resident = new Uint8Array(this.keyCap);
  }

  protected growKeys(n: number): void {
    this.links.grow(n);
    this.resident = growUint8(this.resident, n);
  }

  protected ownBytes(): number {
    return this.links.bytes() + this.resident.byteLength;
  }

  lookup(key: number): boolean {
    if (this.resident[key] !== 1) return false;
    this.queue.moveToHead(key);
    return true;
  }

  evict(): number {
    const key = this.queue.popTail();
    this.drop(key);
    return key;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.resident[key] = 1;
    this.size[key] = size;
    this.queue.pushHead(key);
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    if (!this.has(key)) return false;
    this.queue.remove(key);
    this.drop(key);
    return true;
  }

  has(key: number): boolean {
    return this.resident[key] === 1;
  }

  private drop(key: number): void {
    this.resident[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
  }

  verify(): void {
    let used = 0;
    this.queue.walk('lru queue', (k) => {
      if (this.resident[k] !== 1) throw new Error(`lru: key ${k} in the queue is not marked resident`);
      used += this.size[k]!;
    });
    this.checkTotals(this.queue.length, used);
  }
}

export const lruInfo: PolicyInfo = {
  name: 'lru',
  factory: (options) => new LruPolicy(options),
  summary: 'Least recently used (Mattson et al. 1970); libCacheSim LRU semantics',
  params: lruParams,
};
