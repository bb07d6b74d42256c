/**
 * CACHEUS (Rodriguez et al., "Learning Cache Replacement with CACHEUS", FAST 2021): LeCaR's regret
 * minimisation over two experts built to complement each other, SR-LRU (scan-resistant LRU) and
 * CR-LFU (churn-resistant LFU: among the least frequent objects, evict the most recent), with a
 * learning rate that adapts itself: every interval (as many requests as cached objects) the change
 * in hit ratio is compared with the last change in learning rate, and the rate moves in the
 * direction that helped (gradient sign); after 10 intervals without improvement it restarts at a
 * random value. Randomness is seeded through seedrandom.
 * SR-LRU here keeps new objects in an SR segment (srRatio of the capacity) and promotes hit objects
 * to the R segment, demoting R's LRU to SR when R overflows; its victim is SR's LRU. The paper also
 * adapts the SR size online; this implementation keeps it fixed (srRatio).
 * Parameters: initialLearningRate (0.1), srRatio (0.5).
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { growUint8 } from './internal/arrays.js';
import { FreqBuckets } from './internal/freq-buckets.js';
import { KeyList, LinkStore } from './internal/key-list.js';
import { ExpertHistories, ExpertWeights } from './internal/learned-experts.js';
import { checkRange, readParams } from './internal/params.js';
import { SeededRandom } from './internal/random.js';

export const cacheusParams = {
  initialLearningRate: { default: 0.1, doc: 'starting learning rate (then adapted every interval)' },
  srRatio: { default: 0.5, doc: 'share of the capacity for the SR segment of SR-LRU' },
} as const;

const SR = 1;
const R = 2;
const MIN_RATE = 0.001;
const MAX_RATE = 1;
const PREVIOUS_RATE = 0;
const PREVIOUS_HIT_RATIO = 1;

export class CacheusPolicy extends KeyedPolicy {
  private readonly links: LinkStore;
  private readonly sr: KeyList;
  private readonly r: KeyList;
  private segment: Uint8Array;
  private rUsed = 0;
  private readonly rCap: number;
  private readonly lfu: FreqBuckets;
  private readonly history: ExpertHistories;
  private readonly weights: ExpertWeights;
  private readonly rng: SeededRandom;
  private time = 0;
  // adaptive learning rate
  /** Previous learning rate and previous interval's hit ratio (typed: no boxed doubles). */
  private readonly previous = new Float64Array(2);
  private intervalHits = 0;
  private intervalRequests = 0;
  private stalled = 0;

  constructor(options: PolicyOptions) {
    super('cacheus', options.capacity, options.keySpace);
    const p = readParams(this.name, cacheusParams, options.params);
    checkRange(this.name, 'initialLearningRate', p.initialLearningRate, MIN_RATE, MAX_RATE);
    checkRange(this.name, 'srRatio', p.srRatio, 0, 1);
    this.weights = new ExpertWeights(p.initialLearningRate);
    this.rCap = this.capacity - Math.floor(this.capacity * p.srRatio);
    this.links = new LinkStore(this.keyCap);
    this.sr = new KeyList(this.links);
    this.r = new KeyList(this.links);
    this.segment = new Uint8Array(this.keyCap);
    this.lfu = new FreqBuckets(this.keyCap);
    this.history = new ExpertHistories(this.keyCap, this.capacity);
    this.rng = new SeededRandom(`cacheus:${options.seed ?? 0}`);
  }

  /** Current learning rate and weight of the SR-LRU expert (for tests and reports). */
  get learningRate(): number {
    return this.weights.learningRate;
  }

  get srLruWeight(): number {
    return this.weights.w0;
  }

  protected growKeys(n: number): void {
    this.links.grow(n);
    this.segment = growUint8(this.segment, n);
    this.lfu.growKeys(n);
    this.history.growKeys(n);
  }

  protected ownBytes(): number {
    return this.links.bytes() + this.segment.byteLength + this.lfu.bytes() + this.history.bytes();
  }

  lookup(key: number): boolean {
    this.time++;
    const hit = this.lfu.has(key);
    this.adaptRate(hit);
    if (hit) {
      this.lfu.touch(key);
      if (this.segment[key] === R) this.r.moveToHead(key);
      else this.promote(key);
      return true;
    }
    const expert = this.history.expertOf(key);
    if (expert >= 0) {
      this.weights.penalise(expert, this.count, this.history.age(key, this.time));
      this.history.take(key);
    }
    return false;
  }

  evict(): number {
    const srLruVictim = this.sr.length > 0 ? this.sr.tail : this.r.tail;
    const crLfuVictim = this.lfu.newestOfMin();
    if (srLruVictim === crLfuVictim) {
      this.drop(srLruVictim);
      return srLruVictim;
    }
    const expert = this.weights.choose(this.rng);
    const victim = expert === 0 ? srLruVictim : crLfuVictim;
    this.drop(victim);
    this.history.add(expert, victim, this.size[victim]!, this.time, 0);
    return victim;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    if (this.history.expertOf(key) >= 0) this.history.take(key);
    this.size[key] = size;
    this.sr.pushHead(key);
    this.segment[key] = SR;
    this.lfu.add(key, 1);
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    if (!this.lfu.has(key)) return false;
    this.drop(key);
    return true;
  }

  has(key: number): boolean {
    return this.lfu.has(key);
  }

  /** A hit in SR moves the object to R; R's overflow is demoted to the head of SR. */
  private promote(key: number): void {
    const size = this.size[key]!;
    this.sr.remove(key);
    this.r.pushHead(key);
    this.segment[key] = R;
    this.rUsed += size;
    while (this.rUsed > this.rCap && this.r.tail !== key) {
      const old = this.r.popTail();
      this.rUsed -= this.size[old]!;
      this.sr.pushHead(old);
      this.segment[old] = SR;
    }
  }

  private drop(key: number): void {
    if (this.segment[key] === R) {
      this.r.remove(key);
      this.rUsed -= this.size[key]!;
    } else this.sr.remove(key);
    this.segment[key] = 0;
    this.lfu.delete(key);
    this.used -= this.size[key]!;
    this.count--;
  }

  /** CACHEUS's learning-rate update: gradient sign of hit ratio against learning rate, per interval. */
  private adaptRate(hit: boolean): void {
    if (hit) this.intervalHits++;
    if (++this.intervalRequests < Math.max(this.count, 1)) return;
    const r = this.previous;
    const rate = this.weights.learningRate;
    const hitRatio = this.intervalHits / this.intervalRequests;
    const deltaHit = hitRatio - r[PREVIOUS_HIT_RATIO]!;
    const deltaRate = rate - r[PREVIOUS_RATE]!;
    r[PREVIOUS_RATE] = rate;
    r[PREVIOUS_HIT_RATIO] = hitRatio;
    this.intervalHits = 0;
    this.intervalRequests = 0;
    if (deltaRate !== 0) {
      const sign = deltaHit * deltaRate > 0 ? 1 : -1;
      this.weights.learningRate = Math.min(MAX_RATE, Math.max(MIN_RATE, rate + sign * Math.abs(rate * deltaRate)));
      this.stalled = 0;
    } else if (hitRatio === 0 || deltaHit <= 0) {
      if (++this.stalled >= 10) {
        this.stalled = 0;
        this.weights.learningRate = this.rng.uniform(MIN_RATE, MAX_RATE);
      }
    }
  }

  verify(): void {
    let used = 0;
    let rUsed = 0;
    this.sr.walk('cacheus SR', (k) => {
      if (this.segment[k] !== SR || !this.lfu.has(k)) throw new Error(`cacheus: SR key ${k} is inconsistent`);
      used += this.size[k]!;
    });
    this.r.walk('cacheus R', (k) => {
      if (this.segment[k] !== R || !this.lfu.has(k)) throw new Error(`cacheus: R key ${k} is inconsistent`);
      rUsed += this.size[k]!;
    });
    if (rUsed !== this.rUsed) throw new Error(`cacheus: R holds ${rUsed}, counter ${this.rUsed}`);
    this.lfu.walk('cacheus lfu', () => {});
    if (this.lfu.length !== this.sr.length + this.r.length) throw new Error('cacheus: LFU and SR-LRU hold different counts');
    const rate = this.weights.learningRate;
    if (!(rate >= MIN_RATE && rate <= MAX_RATE)) throw new Error(`cacheus: learning rate ${rate} out of range`);
    this.history.verify('cacheus');
    this.checkTotals(this.lfu.length, used + rUsed);
  }
}


export const cacheusInfo: PolicyInfo = {
  name: 'cacheus',
  factory: (options) => new CacheusPolicy(options),
  summary: 'CACHEUS (Rodriguez et al., FAST 2021): SR-LRU + CR-LFU experts, adaptive learning rate',
  params: cacheusParams,
};
