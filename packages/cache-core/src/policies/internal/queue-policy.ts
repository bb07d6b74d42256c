/**
 * The single-queue policies (LRU, FIFO, CLOCK, SIEVE): one index-linked queue with new objects at
 * its head, and one state byte per key. State 0 means absent; a resident key's state is 1 up to
 * `maxState`, and what the values above 1 mean is the policy's (CLOCK: 1 + its counter, SIEVE: 2 =
 * visited). Admission, removal, the totals and verify() are the same for all four and live here;
 * each policy supplies its lookup and its choice of victim.
 */
import type { PolicyOptions } from '../policy.js';
import { growUint8 } from './arrays.js';
import { KeyedPolicy } from './base.js';
import { KeyList, LinkStore } from './key-list.js';

export abstract class QueuePolicy extends KeyedPolicy {
  protected readonly links: LinkStore;
  protected readonly queue: KeyList;
  /** 0 = absent, 1…maxState = resident (the policy's meaning). */
  protected state: Uint8Array;

  constructor(
    name: string,
    options: PolicyOptions,
    /** The largest state a resident key may have (verify() checks it). */
    private readonly maxState: number,
  ) {
    super(name, options.capacity, options.keySpace);
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

  /** Admits `key` at the head with state 1. */
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
    this.evictKey(key);
    return true;
  }

  has(key: number): boolean {
    return (this.state[key] ?? 0) !== 0;
  }

  /** Takes resident `key` out of the queue and the totals; returns it (the victim of an evict()). */
  protected evictKey(key: number): number {
    this.queue.remove(key);
    this.state[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
    return key;
  }

  verify(): void {
    let used = 0;
    this.queue.walk(`${this.name} queue`, (k) => {
      const s = this.state[k]!;
      if (s === 0 || s > this.maxState) throw new Error(`${this.name}: key ${k} in the queue has state ${s} (resident: 1…${this.maxState})`);
      used += this.size[k]!;
    });
    this.checkTotals(this.queue.length, used);
  }
}
