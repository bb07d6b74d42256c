/**
 * Random: evict a resident object chosen uniformly at random (seeded through seedrandom from
 * PolicyOptions.seed, so runs are reproducible). The baseline every policy should beat.
 * Parameters: none.
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { growInt32, growUint32 } from './internal/arrays.js';
import { readParams } from './internal/params.js';
import { SeededRandom } from './internal/random.js';

export const randomParams = {} as const;

export class RandomPolicy extends KeyedPolicy {
  /** Dense array of resident keys and each key's slot in it (-1 when absent). */
  private keys: Uint32Array;
  private slot: Int32Array;
  private readonly rng: SeededRandom;

  constructor(options: PolicyOptions) {
    super('random', options.capacity, options.keySpace);
    readParams(this.name, randomParams, options.params);
    this.keys = new Uint32Array(this.keyCap);
    this.slot = new Int32Array(this.keyCap).fill(-1);
    this.rng = new SeededRandom(`random-policy:${options.seed ?? 0}`);
  }

  protected growKeys(n: number): void {
    this.keys = growUint32(this.keys, n);
    this.slot = growInt32(this.slot, n, -1);
  }

  protected ownBytes(): number {
    return this.keys.byteLength + this.slot.byteLength;
  }

  lookup(key: number): boolean {
    return this.has(key);
  }

  evict(): number {
    const key = this.keys[this.rng.below(this.count)]!;
    this.remove(key);
    return key;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.size[key] = size;
    this.slot[key] = this.count;
    this.keys[this.count] = key;
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    const i = this.slot[key];
    if (i === undefined || i < 0) return false;
    const last = this.keys[this.count - 1]!;
    this.keys[i] = last;
    this.slot[last] = i;
    this.slot[key] = -1;
    this.used -= this.size[key]!;
    this.count--;
    return true;
  }

  has(key: number): boolean {
    return (this.slot[key] ?? -1) >= 0;
  }

  verify(): void {
    let used = 0;
    for (let i = 0; i < this.count; i++) {
      const k = this.keys[i]!;
      if (this.slot[k] !== i) throw new Error(`random: key ${k} at slot ${i} records slot ${this.slot[k]}`);
      used += this.size[k]!;
    }
    this.checkTotals(this.count, used);
  }
}

export const randomInfo: PolicyInfo = {
  name: 'random',
  factory: (options) => new RandomPolicy(options),
  summary: 'Uniform random eviction, seeded (PolicyOptions.seed)',
  params: randomParams,
};
