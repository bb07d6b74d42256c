/**
 * FIFO: evict the object admitted first; hits change nothing (libCacheSim's FIFO.c).
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { readParams } from './internal/params.js';
import { QueuePolicy } from './internal/queue-policy.js';

export const fifoParams = {} as const;

export class FifoPolicy extends QueuePolicy {
  constructor(options: PolicyOptions) {
    super('fifo', options, 1);
    readParams(this.name, fifoParams, options.params);
  }

  lookup(key: number): boolean {
    return this.state[key] === 1;
  }

  evict(): number {
    return this.evictKey(this.queue.tail);
  }
}

export const fifoInfo: PolicyInfo = {
  name: 'fifo',
  factory: (options) => new FifoPolicy(options),
  summary: 'First in, first out; hits do not reorder (libCacheSim FIFO semantics)',
  params: fifoParams,
};
