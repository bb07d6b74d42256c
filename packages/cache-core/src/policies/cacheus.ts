/**
 * CACHEUS (Rodriguez et al., "Learning Cache Replacement with CACHEUS", FAST 2021): LeCaR's regret
 * minimisation over two experts built to complement each other, SR-LRU (scan-resistant LRU) and
 * CR-LFU (churn-resistant LFU: among the least frequent objects, evict the most recent), with a
 * learning rate that adapts itself: every interval (as many requests as cached objects) the change
 * in hit ratio is compared with the last change in learning rate, and the rate moves in the
 * direction that helped (gradient sign); after 10 intervals without improvement it restarts at a
 * random value. Randomness is seeded through seedrandom.
 * SR-LRU (the paper's Algorithm 2, as in libCacheSim's SR_LRU): new objects enter the SR segment
 * flagged "new"; a hit in SR promotes to R; R's overflow is demoted to the head of SR, flagged
 * "demoted"; SR-LRU's victim is SR's LRU. Evicted objects enter a history H (bounded by the
 * capacity). The SR size adapts: a miss on a "new" object still in H means SR was too small for it
 * to earn a second hit, so SR grows by max(1, round(demotedInCache / newInH)); a hit on a "demoted"
 * object in SR means R was too small, so SR shrinks by max(1, round(newInH / demotedInCache)) (steps
 * in objects, times the object's size in byte mode). An object missed while in H goes straight to R.
 * Parameters: initialLearningRate (0.1), srRatio (0.5, the starting SR share; then adapted).
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
  srRatio: { default: 0.5, doc: 'starting share of the capacity for the SR segment of SR-LRU (then adapted)' },
} as const;

// segment[key]: where SR-LRU holds the key (H = its history of evicted keys).
const SR = 1;
const R = 2;
const H = 3;
// flags[key]
const NEW = 1; // entered SR on a miss and not hit since
const DEMOTED = 2; // moved from R's tail to SR and not hit since
const TO_R = 4; // missed while in H: the coming insert goes to R
const MIN_RATE = 0.001;
const MAX_RATE = 1;
const PREVIOUS_RATE = 0;
const PREVIOUS_HIT_RATIO = 1;

export class CacheusPolicy extends KeyedPolicy {
  private readonly links: LinkStore;
  private readonly sr: KeyList;
  private readonly r: KeyList;
  private readonly h: KeyList;
  private segment: Uint8Array;
  private flags: Uint8Array;
  private rUsed = 0;
  private hUsed = 0;
  /** SR's target size (capacity units); R may hold capacity − srCap. */
  private srCap: number;
  private readonly srMin: number;
  private readonly srMax: number;
  /** "new" keys in H and "demoted" keys in the cache: the ratio sets the adaptation step. */
  private newInH = 0;
  private demotedInCache = 0;
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
    this.srMin = 1;
    this.srMax = Math.max(1, this.capacity - 1);
    this.srCap = Math.min(this.srMax, Math.max(this.srMin, Math.floor(this.capacity * p.srRatio)));
    this.links = new LinkStore(this.keyCap);
    this.sr = new KeyList(this.links);
    this.r = new KeyList(this.links);
    this.h = new KeyList(this.links);
    this.segment = new Uint8Array(this.keyCap);
    this.flags = new Uint8Array(this.keyCap);
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

  /** SR-LRU's current SR target size, in capacity units (objects or bytes). */
  get srSize(): number {
    return this.srCap;
  }

  protected growKeys(n: number): void {
    this.links.grow(n);
    this.segment = growUint8(this.segment, n);
    this.flags = growUint8(this.flags, n);
    this.lfu.growKeys(n);
    this.history.growKeys(n);
  }

  protected ownBytes(): number {
    return this.links.bytes() + this.segment.byteLength + this.flags.byteLength + this.lfu.bytes() + this.history.bytes();
  }

  lookup(key: number): boolean {
    this.time++;
    const hit = this.lfu.has(key);
    this.adaptRate(hit);
    if (hit) {
      this.lfu.touch(key);
      if (this.segment[key] === R) this.r.moveToHead(key);
      else {
        if (this.flags[key]! & DEMOTED) {
          // R was too small to keep this object: give R more room.
          this.demotedInCache--;
          this.resizeSr(-this.step(this.newInH, this.demotedInCache + 1) * this.size[key]!);
        }
        this.flags[key] = 0;
        this.promote(key);
      }
      return true;
    }
    if (key >= this.flags.length) return false; // never seen: not in H either
    this.flags[key]! &= ~TO_R;
    if (this.segment[key] === H) {
      if (this.flags[key]! & NEW) {
        // SR was too small for this object to earn its second hit there: give SR more room.
        this.resizeSr(this.step(this.demotedInCache, this.newInH) * this.size[key]!);
      }
      this.takeFromHistory(key);
      this.flags[key] = TO_R;
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
      this.addToHistory(srLruVictim);
      return srLruVictim;
    }
    const expert = this.weights.choose(this.rng);
    const victim = expert === 0 ? srLruVictim : crLfuVictim;
    this.drop(victim);
    this.addToHistory(victim);
    this.history.add(expert, victim, this.size[victim]!, this.time, 0);
    return victim;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    if (this.history.expertOf(key) >= 0) this.history.take(key);
    if (this.segment[key] === H) this.takeFromHistory(key);
    this.size[key] = size;
    this.lfu.add(key, 1);
    this.used += size;
    this.count++;
    if (this.flags[key]! & TO_R) {
      this.flags[key] = 0;
      this.r.pushHead(key);
      this.segment[key] = R;
      this.rUsed += size;
      this.balance(key);
    } else {
      this.flags[key] = NEW;
      this.sr.pushHead(key);
      this.segment[key] = SR;
    }
  }

  remove(key: number): boolean {
    if (!this.lfu.has(key)) return false;
    this.drop(key);
    return true;
  }

  has(key: number): boolean {
    return this.lfu.has(key);
  }

  /** A hit in SR moves the object to R. */
  private promote(key: number): void {
    this.sr.remove(key);
    this.r.pushHead(key);
    this.segment[key] = R;
    this.rUsed += this.size[key]!;
    this.balance(key);
  }

  /** R's overflow beyond capacity − srCap is demoted to the head of SR (never `keep`, just placed). */
  private balance(keep: number): void {
    const rCap = this.capacity - this.srCap;
    while (this.rUsed > rCap && this.r.tail !== keep) {
      const old = this.r.popTail();
      this.rUsed -= this.size[old]!;
      this.sr.pushHead(old);
      this.segment[old] = SR;
      this.flags[old] = DEMOTED;
      this.demotedInCache++;
    }
  }

  /** The adaptation step in objects: max(1, round(numerator / denominator)). */
  private step(numerator: number, denominator: number): number {
    return denominator > 0 ? Math.max(1, Math.floor(numerator / denominator + 0.5)) : 1;
  }

  private resizeSr(delta: number): void {
    this.srCap = Math.min(this.srMax, Math.max(this.srMin, this.srCap + delta));
  }

  private drop(key: number): void {
    if (this.segment[key] === R) {
      this.r.remove(key);
      this.rUsed -= this.size[key]!;
    } else this.sr.remove(key);
    if (this.flags[key]! & DEMOTED) this.demotedInCache--;
    this.segment[key] = 0;
    this.lfu.delete(key);
    this.used -= this.size[key]!;
    this.count--;
  }

  /** An evicted key enters H (keeping its "new" flag); H keeps the newest `capacity` worth of keys. */
  private addToHistory(key: number): void {
    this.flags[key]! &= NEW;
    if (this.flags[key]! & NEW) this.newInH++;
    this.h.pushHead(key);
    this.segment[key] = H;
    this.hUsed += this.size[key]!;
    while (this.hUsed > this.capacity && this.h.length > 0) this.takeFromHistory(this.h.tail);
  }

  private takeFromHistory(key: number): void {
    this.h.remove(key);
    this.hUsed -= this.size[key]!;
    if (this.flags[key]! & NEW) this.newInH--;
    this.flags[key] = 0;
    this.segment[key] = 0;
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
    let hUsed = 0;
    let demoted = 0;
    let newInH = 0;
    this.sr.walk('cacheus SR', (k) => {
      if (this.segment[k] !== SR || !this.lfu.has(k)) throw new Error(`cacheus: SR key ${k} is inconsistent`);
      if (this.flags[k]! & DEMOTED) demoted++;
      used += this.size[k]!;
    });
    this.r.walk('cacheus R', (k) => {
      if (this.segment[k] !== R || !this.lfu.has(k) || this.flags[k] !== 0) throw new Error(`cacheus: R key ${k} is inconsistent`);
      rUsed += this.size[k]!;
    });
    this.h.walk('cacheus H', (k) => {
      if (this.segment[k] !== H || this.lfu.has(k) || this.flags[k]! & ~NEW) throw new Error(`cacheus: H key ${k} is inconsistent`);
      if (this.flags[k]! & NEW) newInH++;
      hUsed += this.size[k]!;
    });
    if (rUsed !== this.rUsed) throw new Error(`cacheus: R holds ${rUsed}, counter ${this.rUsed}`);
    if (hUsed !== this.hUsed || hUsed > this.capacity) throw new Error(`cacheus: H holds ${hUsed}, counter ${this.hUsed}, capacity ${this.capacity}`);
    if (demoted !== this.demotedInCache) throw new Error(`cacheus: ${demoted} demoted keys in SR, counter ${this.demotedInCache}`);
    if (newInH !== this.newInH) throw new Error(`cacheus: ${newInH} new keys in H, counter ${this.newInH}`);
    if (!(this.srCap >= this.srMin && this.srCap <= this.srMax)) throw new Error(`cacheus: SR size ${this.srCap} outside [${this.srMin}, ${this.srMax}]`);
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
