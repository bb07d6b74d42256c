/**
 * SIEVE (Zhang et al., "SIEVE is Simpler than LRU", NSDI 2024), as libCacheSim's Sieve.c: objects
 * enter at the head with a visited bit of 0; a hit sets the bit; the hand moves from the tail
 * towards the head, clearing set bits, and evicts the first object whose bit is clear; the hand
 * then rests on that object's newer neighbour and wraps to the tail at the head.
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { NIL } from './internal/key-list.js';
import { readParams } from './internal/params.js';
import { QueuePolicy } from './internal/queue-policy.js';

export const sieveParams = {} as const;

/** A resident key's state is 1, or 2 once visited. */
export class SievePolicy extends QueuePolicy {
  private hand = NIL;

  constructor(options: PolicyOptions) {
    super('sieve', options, 2);
    readParams(this.name, sieveParams, options.params);
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
    this.hand = prev[key]!;
    return this.evictKey(key);
  }

  override remove(key: number): boolean {
    if (this.hand === key) this.hand = this.links.prev[key]!; // the hand only ever rests on a resident key
    return super.remove(key);
  }

  override verify(): void {
    super.verify();
    let handSeen = this.hand === NIL;
    this.queue.walk('sieve queue', (k) => {
      if (k === this.hand) handSeen = true;
    });
    if (!handSeen) throw new Error(`sieve: hand ${this.hand} is not in the queue`);
  }
}

export const sieveInfo: PolicyInfo = {
  name: 'sieve',
  factory: (options) => new SievePolicy(options),
  summary: 'SIEVE (Zhang et al., NSDI 2024): FIFO with a visited bit and a moving hand',
  params: sieveParams,
};
