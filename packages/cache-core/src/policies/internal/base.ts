/**
 * Shared state of key-indexed policies: capacity, used/count, the admitted size per key, and
 * growth of every key-indexed array when an id beyond the current space arrives.
 */
import type { EvictionPolicy } from '../policy.js';
import { growFloat64, grownSize } from './arrays.js';
import { checkCapacity } from './params.js';

export abstract class KeyedPolicy implements EvictionPolicy {
  used = 0;
  count = 0;
  /** Admitted size of each resident (or ghost) key. */
  protected size: Float64Array;
  protected keyCap: number;

  constructor(
    readonly name: string,
    readonly capacity: number,
    keySpace: number | undefined,
  ) {
    checkCapacity(name, capacity);
    this.keyCap = Math.max(keySpace ?? 1024, 16);
    this.size = new Float64Array(this.keyCap);
  }

  /** Grows every key-indexed array so that `key` is a valid index. Call before touching `key`. */
  protected ensure(key: number): void {
    if (key >= this.keyCap) {
      const n = grownSize(this.keyCap, key + 1);
      this.size = growFloat64(this.size, n, 0);
      this.growKeys(n);
      this.keyCap = n;
    }
  }

  /** Subclasses grow their own key-indexed arrays to `n` entries. */
  protected abstract growKeys(n: number): void;

  /** Bytes of typed arrays this policy holds (its metadata), for the memory benchmark. */
  metadataBytes(): number {
    return this.size.byteLength + this.ownBytes();
  }

  protected abstract ownBytes(): number;

  abstract lookup(key: number, size: number, nextAccess: number): boolean;
  abstract evict(incomingKey: number, incomingSize: number): number;
  abstract insert(key: number, size: number, nextAccess: number): void;
  abstract remove(key: number): boolean;
  abstract has(key: number): boolean;
  abstract verify(): void;

  /** verify() helper: checks the totals a subclass recomputed by walking its structures. */
  protected checkTotals(count: number, used: number): void {
    if (count !== this.count) throw new Error(`${this.name}: count is ${this.count}, structures hold ${count}`);
    if (used !== this.used) throw new Error(`${this.name}: used is ${this.used}, structures hold ${used}`);
    if (this.used > this.capacity) throw new Error(`${this.name}: used ${this.used} exceeds capacity ${this.capacity}`);
  }
}
