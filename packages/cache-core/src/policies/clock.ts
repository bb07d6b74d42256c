/**
 * CLOCK (second chance / FIFO-reinsertion; Corbató, "A paging experiment with the Multics system",
 * 1968), as libCacheSim's Clock.c: objects enter at the head with counter 0; a hit increments the
 * counter up to 2^bits - 1; eviction looks at the tail: a counter >= 1 is decremented and the
 * object moves to the head, a counter of 0 is evicted.
 * Parameters: `bits` (default 1): width of the per-object counter.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { growUint8 } from './internal/arrays.js';
import { KeyList, LinkStore } from './internal/key-list.js';
import { checkRange, readParams } from './internal/params.js';

export const clockParams = {
  bits: { default: 1, doc: 'counter bits per object (1 = classic CLOCK; max counter 2^bits - 1)' },
} as const;

export class ClockPolicy extends KeyedPolicy {
  private readonly links: LinkStore;
  private readonly queue: KeyList;
  /** 0 = absent, else 1 + counter. */
  private state: Uint8Array;
  private readonly maxFreq: number;

  constructor(options: PolicyOptions) {
    super('clock', options.capacity, options.keySpace);
    const p = readParams(this.name, clockParams, options.params);
    checkRange(this.name, 'bits', p.bits, 1, 7);
    this.maxFreq = (1 << p.bits) - 1;
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
    const s = this.state[key]!;
    if (s === 0 || s === undefined) return false;
    if (s - 1 < this.maxFreq) this.state[key] = s + 1;
    return true;
  }

  evict(): number {
    const queue = this.queue;
    const state = this.state;
    let key = queue.tail;
    while (state[key]! > 1) {
      state[key] = state[key]! - 1;
      queue.moveToHead(key);
      key = queue.tail;
    }
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
    this.queue.walk('clock queue', (k) => {
      const s = this.state[k]!;
      if (s === 0 || s - 1 > this.maxFreq) throw new Error(`clock: key ${k} has state ${s}`);
      used += this.size[k]!;
    });
    this.checkTotals(this.queue.length, used);
  }
}

export const clockInfo: PolicyInfo = {
  name: 'clock',
  factory: (options) => new ClockPolicy(options),
  summary: 'CLOCK / second chance (Corbató 1968), n-bit counter, libCacheSim Clock semantics',
  params: clockParams,
};
