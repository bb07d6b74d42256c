/**
 * LRU: evict the least recently used object. The textbook policy (Mattson et al., "Evaluation
 * techniques for storage hierarchies", IBM Systems Journal 1970), as libCacheSim's LRU.c:
 * insert at the head, move to the head on a hit, evict from the tail.
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { readParams } from './internal/params.js';
import { QueuePolicy } from './internal/queue-policy.js';

export const lruParams = {} as const;

export class LruPolicy extends QueuePolicy {
  constructor(options: PolicyOptions) {
    super('lru', options, 1);
    readParams(this.name, lruParams, options.params);
  }

  lookup(key: number): boolean {
    if (this.state[key] !== 1) return false;
    this.queue.moveToHead(key);
    return true;
  }

  evict(): number {
    return this.evictKey(this.queue.tail);
  }
}

export const lruInfo: PolicyInfo = {
  name: 'lru',
  factory: (options) => new LruPolicy(options),
  summary: 'Least recently used (Mattson et al. 1970); libCacheSim LRU semantics',
  params: lruParams,
};
