/**
 * The regret machinery shared by LeCaR and CACHEUS: two experts each propose a victim; one is
 * chosen at random with probability proportional to its weight; the evicted key is remembered in
 * that expert's history (a FIFO ghost list bounded by the `capacity` it is given, in the cache's
 * unit: LeCaR and CACHEUS give half the cache, as their reference code does) with the request time
 * of the eviction. A later request for a remembered key means the expert was wrong: its weight is
 * multiplied by exp(-learningRate × reward), reward = discount^age (LeCaR) or 1 (CACHEUS), and the
 * weights renormalised. A key can be remembered with one mark bit (CACHEUS: "new" in SR-LRU's
 * history), and each history counts its marked keys.
 */
import { growFloat64, growUint32, growUint8 } from './arrays.js';
import { KeyList, LinkStore } from './key-list.js';
import type { SeededRandom } from './random.js';

const EXPERT_BITS = 3;
const MARK = 4;

export class ExpertHistories {
  private readonly links: LinkStore;
  private readonly lists: [KeyList, KeyList];
  private readonly used = [0, 0];
  /** Marked keys in each history. */
  private readonly marked = new Uint32Array(2);
  /** Low bits: 0 = in no history, 1 + expert otherwise; MARK: the key was remembered marked. */
  private where: Uint8Array;
  private evictedAt: Float64Array;
  private sizes: Float64Array;
  /** A value remembered with the key (LeCaR: its frequency at eviction). */
  private memo: Uint32Array;

  constructor(
    keySpace: number,
    private readonly capacity: number,
  ) {
    this.links = new LinkStore(keySpace);
    this.lists = [new KeyList(this.links), new KeyList(this.links)];
    const n = this.links.size;
    this.where = new Uint8Array(n);
    this.evictedAt = new Float64Array(n);
    this.sizes = new Float64Array(n);
    this.memo = new Uint32Array(n);
  }

  growKeys(n: number): void {
    this.links.grow(n);
    const m = this.links.size;
    if (this.where.length < m) {
      this.where = growUint8(this.where, m);
      this.evictedAt = growFloat64(this.evictedAt, m, 0);
      this.sizes = growFloat64(this.sizes, m, 0);
      this.memo = growUint32(this.memo, m);
    }
  }

  bytes(): number {
    return this.links.bytes() + this.where.byteLength + this.evictedAt.byteLength + this.sizes.byteLength + this.memo.byteLength;
  }

  /** Remembers `key`, evicted by `expert` at request time `time` (the oldest keys make room). */
  add(expert: 0 | 1, key: number, size: number, time: number, memo: number, mark = false): void {
    if (size > this.capacity) return;
    const list = this.lists[expert];
    while (this.used[expert]! + size > this.capacity) {
      const old = list.popTail();
      this.used[expert]! -= this.sizes[old]!;
      if (this.where[old]! & MARK) this.marked[expert]!--;
      this.where[old] = 0;
    }
    list.pushHead(key);
    this.where[key] = mark ? (expert + 1) | MARK : expert + 1;
    if (mark) this.marked[expert]!++;
    this.evictedAt[key] = time;
    this.sizes[key] = size;
    this.memo[key] = memo;
    this.used[expert]! += size;
  }

  /** The expert whose history holds `key` (0 or 1), or -1. */
  expertOf(key: number): number {
    return ((this.where[key] ?? 0) & EXPERT_BITS) - 1;
  }

  /** Whether `key` (in a history) was remembered marked. */
  isMarked(key: number): boolean {
    return ((this.where[key] ?? 0) & MARK) !== 0;
  }

  /** How many keys in `expert`'s history are marked. */
  markedIn(expert: 0 | 1): number {
    return this.marked[expert]!;
  }

  /** Requests since `key` was evicted. */
  age(key: number, now: number): number {
    return now - this.evictedAt[key]!;
  }

  memoOf(key: number): number {
    return this.memo[key]!;
  }

  /** Forgets `key` (after a request found it). */
  take(key: number): void {
    const e = (this.where[key]! & EXPERT_BITS) - 1;
    if (e < 0) return;
    this.lists[e]!.remove(key);
    this.used[e]! -= this.sizes[key]!;
    if (this.where[key]! & MARK) this.marked[e]!--;
    this.where[key] = 0;
  }

  verify(label: string): void {
    for (const e of [0, 1] as const) {
      let total = 0;
      let marked = 0;
      this.lists[e].walk(`${label} history ${e}`, (k) => {
        if ((this.where[k]! & EXPERT_BITS) !== e + 1) throw new Error(`${label}: key ${k} in history ${e} is marked ${this.where[k]}`);
        if (this.where[k]! & MARK) marked++;
        total += this.sizes[k]!;
      });
      if (total !== this.used[e]) throw new Error(`${label}: history ${e} holds ${total}, counter ${this.used[e]}`);
      if (marked !== this.marked[e]) throw new Error(`${label}: history ${e} holds ${marked} marked keys, counter ${this.marked[e]}`);
      if (total > this.capacity) throw new Error(`${label}: history ${e} exceeds the capacity`);
    }
  }
}

/** Two expert weights summing to 1, and the learning rate that moves them. */
export class ExpertWeights {
  /** [weight of expert 0, learning rate, weight floor]: a typed array, so updates never box a double. */
  private readonly w: Float64Array;

  /**
   * Expert 0 starts at `initialWeight0` (LeCaR: 0.5); after each update both weights stay in
   * [minWeight, 1 − minWeight] (0.01 as in the LeCaR/CACHEUS implementations: neither expert dies).
   */
  constructor(learningRate: number, initialWeight0 = 0.5, minWeight = 0.01) {
    this.w = new Float64Array([initialWeight0, learningRate, minWeight]);
  }

  get w0(): number {
    return this.w[0]!;
  }

  get learningRate(): number {
    return this.w[1]!;
  }

  set learningRate(rate: number) {
    this.w[1] = rate;
  }

  /**
   * Penalises `expert` for a regretted eviction `age` requests ago in a cache of `objects` objects:
   * factor exp(-learningRate × d^age) with LeCaR's discount d = 0.005^(1/objects).
   */
  penalise(expert: number, objects: number, age: number): void {
    this.penaliseBy(expert, Math.pow(0.005, age / Math.max(1, objects)));
  }

  /**
   * Multiplies `expert`'s weight by exp(-learningRate × regret), renormalises and clamps.
   * CACHEUS (and ALeCaR6) use regret 1, without LeCaR's discount.
   */
  penaliseBy(expert: number, regret: number): void {
    const factor = Math.exp(-this.w[1]! * regret);
    let w0 = this.w[0]!;
    let w1 = 1 - w0;
    if (expert === 0) w0 *= factor;
    else w1 *= factor;
    const min = this.w[2]!;
    this.w[0] = Math.min(1 - min, Math.max(min, w0 / (w0 + w1)));
  }

  /** Picks an expert with probability proportional to its weight. */
  choose(random: SeededRandom): 0 | 1 {
    return random.chance(this.w[0]!) ? 0 : 1;
  }
}
