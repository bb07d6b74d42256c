/**
 * FIFO: evict the object admitted first; hits change nothing (libCacheSim's FIFO.c).
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { growUint8 } from './internal/arrays.js';
import { KeyList, LinkStore } from './internal/key-list.js';
import { readParams } from './internal/params.js';

export const fifoParams = {} as const;

export class FifoPolicy extends KeyedPolicy {
  private readonly links: LinkStore;
  private readonly queue: KeyList;
  private resident: Uint8Array;

  constructor(options: PolicyOptions) {
    super('fifo', options.capacity, options.keySpace);
    readParams(this.name, fifoParams, options.params);
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
    return this.resident[key] === 1;
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
    this.queue.walk('fifo queue', (k) => {
      if (this.resident[k] !== 1) throw new Error(`fifo: key ${k} in the queue is not marked resident`);
      used += this.size[k]!;
    });
    this.checkTotals(this.queue.length, used);
  }
}

export const fifoInfo: PolicyInfo = {
  name: 'fifo',
  factory: (options) => new FifoPolicy(options),
  summary: 'First in, first out; hits do not reorder (libCacheSim FIFO semantics)',
  params: fifoParams,
};
