/**
 * SIEVE (Zhang et al., "SIEVE is Simpler than LRU", NSDI 2024), as libCacheSim's Sieve.c: objects
 * enter at the head with a visited bit of 0; a hit sets the bit; the hand moves from the tail
 * towards the head, clearing set bits, and evicts the first object whose bit is clear; the hand
 * then rests on that object's newer neighbour and wraps to the tail at the head.
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { growUint8 } from './internal/arrays.js';
import { KeyList, LinkStore, NIL } from './internal/key-list.js';
import { readParams } from './internal/params.js';

export const sieveParams = {} as const;

export class SievePolicy extends KeyedPolicy {
  private readonly links: LinkStore;
  private readonly queue: KeyList;
  /** 0 = absent, 1 = resident and not visited, 2 = resident and visited. */
  private state: Uint8Array;
  private hand = NIL;

  constructor(options: PolicyOptions) {
    super('sieve', options.capacity, options.keySpace);
    readParams(this.name, sieveParams, options.params);
    this.links = new LinkStore(this.keyCap);
    this.queue = new KeyList(this.links);
    this.state = new Uint8Array(this.keyCap);
  }

  protected growKeys(n: number): void {
    this.links.grow(n);
    this.state = growUint8(this.state, n);
  }

  protected ownBytes(): number {
    return this.links.bytes() + this.state.byteLength;
  }

  lookup(key: number): boolean {
    const s = this.state[key];
    if (s === undefined || s === 0) return false;
    this.state[key] = 2;
    return true;
  }

  evict(): number {
    const queue = this.queue;
    const prev = this.links.prev;
    const state = this.state;
    let key = this.hand === NIL ? queue.tail : this.hand;
    while (state[key] === 2) {
      state[key] = 1;
      const p = prev[key]!;
      key = p === NIL ? queue.tail : p;
    }
    this.hand = this.links.prev[key]!;
    queue.remove(key);
    this.drop(key);
    return key;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.state[key] = 1;
    this.size[key] = size;
    this.queue.pushHead(key);
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    if (!this.has(key)) return false;
    if (this.hand === key) this.hand = this.links.prev[key]!;
    this.queue.remove(key);
    this.drop(key);
    return true;
  }

  has(key: number): boolean {
    return (this.state[key] ?? 0) !== 0;
  }

  private drop(key: number): void {
    this.state[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
  }

  verify(): void {
    let used = 0;
    let handSeen = this.hand === NIL;
    this.queue.walk('sieve queue', (k) => {
      if (this.state[k] !== 1 && this.state[k] !== 2) throw new Error(`sieve: key ${k} has state ${this.state[k]}`);
      if (k === this.hand) handSeen = true;
      used += this.size[k]!;
    });
    if (!handSeen) throw new Error(`sieve: hand ${this.hand} is not in the queue`);
    this.checkTotals(this.queue.length, used);
  }
}

export const sieveInfo: PolicyInfo = {
  name: 'sieve',
  factory: (options) => new SievePolicy(options),
  summary: 'SIEVE (Zhang et al., NSDI 2024): FIFO with a visited bit and a moving hand',
  params: sieveParams,
};
