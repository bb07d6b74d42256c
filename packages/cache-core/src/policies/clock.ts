/**
 * CLOCK (second chance / FIFO-reinsertion; Corbató, "A paging experiment with the Multics system",
 * 1968), as libCacheSim's Clock.c: objects enter at the head with counter 0; a hit increments the
 * counter up to 2^bits - 1; eviction looks at the tail: a counter >= 1 is decremented and the
 * object moves to the head, a counter of 0 is evicted.
 * Parameters: `bits` (default 1): width of the per-object counter.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { checkRange, readParams } from './internal/params.js';
import { QueuePolicy } from './internal/queue-policy.js';

export const clockParams = {
  bits: { default: 1, doc: 'counter bits per object (1 = classic CLOCK; max counter 2^bits - 1)' },
} as const;

/** A resident key's state is 1 + its counter. */
export class ClockPolicy extends QueuePolicy {
  private readonly maxFreq: number;

  constructor(options: PolicyOptions) {
    const p = readParams('clock', clockParams, options.params);
    checkRange('clock', 'bits', p.bits, 1, 7);
    const maxFreq = (1 << p.bits) - 1;
    super('clock', options, 1 + maxFreq);
    this.maxFreq = maxFreq;
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
    return this.evictKey(key);
  }
}

export const clockInfo: PolicyInfo = {
  name: 'clock',
  factory: (options) => new ClockPolicy(options),
  summary: 'CLOCK / second chance (Corbató 1968), n-bit counter, libCacheSim Clock semantics',
  params: clockParams,
};
