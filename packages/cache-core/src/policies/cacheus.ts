/**
 * CACHEUS (Rodriguez et al., "Learning Cache Replacement with CACHEUS", FAST 2021): LeCaR's regret
 * minimisation over two experts built to complement each other, SR-LRU (scan-resistant LRU) and
 * CR-LFU (churn-resistant LFU: among the least frequent objects, evict the most recently used),
 * with a learning rate that adapts itself. It follows the authors' reference code (sylab/cacheus,
 * cacheus.py); the comments name its methods.
 *
 * Experts and weights. Each eviction follows the expert drawn by weight (seeded through
 * seedrandom); when both name the same victim it leaves no trace. Otherwise the victim enters that
 * expert's history, a FIFO ghost list of half the capacity. A request for a key in an expert's
 * history multiplies that expert's weight by exp(-learningRate) (no discount by age, unlike LeCaR),
 * renormalises and keeps both weights in [0.01, 0.99]. The key comes back into R (below) at the
 * frequency it had when evicted.
 *
 * SR-LRU. The cache is R (the reference's `s`, an LRU list) and SR (`q`: new and demoted objects);
 * SR-LRU's victim is SR's LRU. While the cache fills, R takes the first objects up to its limit,
 * then SR up to its own; from then on a missed object enters SR flagged "new" (the flag stays
 * until it returns from SR-LRU's history), and R is trimmed below its limit by demoting R's LRU to
 * the head of SR, flagged "demoted". A hit in SR promotes to R's head (demoting one object first if
 * R is at its limit). SR's limit adapts (adjustSize): a request for a "new" key in SR-LRU's expert
 * history means SR was too small: SR grows by max(1, round(demotedInCache / max(1, newInHistory)));
 * a hit on a demoted object means R was too small: SR shrinks by
 * max(1, round(newInHistory / max(1, demotedInCache))); SR stays within [1, capacity − 1]. Steps are
 * in objects, times the object's size in byte mode.
 *
 * Learning rate (Cacheus_Learning_Rate.update). Every period (as many requests as the cache holds
 * objects: the capacity in object mode, capacity / mean admitted size in byte mode) the period's
 * hit ratio h (the hits of the period's requests, over the period, rounded to 3 decimals) is
 * compared with the previous one: Δh = round(h − h_prev, 3), Δλ = round(λ, 3) − round(λ_prev, 3)
 * (λ_prev: the rate one update earlier; 0 at first). If Δh·Δλ > 0 the rate grows by |λ·Δλ| (at most
 * 1), if < 0 it shrinks by |λ·Δλ| (at least 0.001). Otherwise, when Δh ≤ 0: a period with h = 0 and
 * Δh = 0, or with Δh < 0, counts as stalled, and Δh < 0 also as worse; 10 stalled periods reset λ
 * to its initial value, else 10 worse periods do, else a worse period moves λ in a random direction
 * (×1.25 or ×0.75, seeded; from 1 to 0.9, from 0.001 to 0.005). Any Δh·Δλ ≠ 0 clears both counts.
 *
 * Not as in cacheus.py: the learning rate starts at `initialLearningRate` (0.1, the value of the
 * repository's example.config) where cacheus.py defaults to sqrt(2 ln 2 / N), and SR starts at
 * `srRatio` (0.5) of the capacity where cacheus.py starts at 1 %; no random number is drawn when the
 * experts agree; Python's round() is rounding half to even of the exact value, here of the value
 * times 1000 (they can differ on ties such as 0.0005).
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
  initialLearningRate: { default: 0.1, doc: 'starting learning rate (then adapted every period); also the value it resets to' },
  srRatio: { default: 0.5, doc: 'starting share of the capacity for the SR segment of SR-LRU (then adapted)' },
} as const;

// segment[key]: where SR-LRU holds a resident key.
const SR = 1;
const R = 2;
// flags[key] of a resident key
const NEW = 1; // admitted on a miss once the cache was full (cleared only by a return from SR-LRU's history)
const DEMOTED = 2; // moved from R's tail to SR and not hit since
const FROM_HISTORY = 4; // missed while in an expert's history: the coming insert goes to R
const MIN_RATE = 0.001;
const MAX_RATE = 1;
const STALL_LIMIT = 10;
// rate[]: learning-rate state (typed: no boxed doubles)
const PREVIOUS_RATE = 0;
const PREVIOUS_HIT_RATIO = 1;
const RESET_RATE = 2;
const ADMITTED_SIZE = 3;

/** Python's round(x, 3), rounding half to even (on x × 1000). */
function round3(x: number): number {
  const y = x * 1000;
  const f = Math.floor(y);
  const d = y - f;
  const n = d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
  return n / 1000;
}

export class CacheusPolicy extends KeyedPolicy {
  private readonly links: LinkStore;
  private readonly sr: KeyList;
  private readonly r: KeyList;
  private segment: Uint8Array;
  private flags: Uint8Array;
  private rUsed = 0;
  /** SR's limit (capacity units); R's limit is capacity − srCap. */
  private srCap: number;
  private readonly srMin: number;
  private readonly srMax: number;
  /** Demoted objects in the cache (with the "new" keys in SR-LRU's history, they set the step). */
  private demotedInCache = 0;
  private readonly lfu: FreqBuckets;
  private readonly history: ExpertHistories;
  private readonly weights: ExpertWeights;
  private readonly rng: SeededRandom;
  /** The current miss's key and the frequency it resumes at (from an expert's history). */
  private resumeKey = -1;
  private resumeFreq = 1;
  /** An eviction happened since the last miss: the cache was full when it missed. */
  private evictedForMiss = false;
  /** Requests seen (the expert histories' clock). */
  private requests = 0;
  // adaptive learning rate
  private readonly rate = new Float64Array(4);
  private admitted = 0;
  private sincePeriod = 0;
  private periodHits = 0;
  private stalled = 0;
  private worse = 0;

  constructor(options: PolicyOptions) {
    super('cacheus', options.capacity, options.keySpace);
    const p = readParams(this.name, cacheusParams, options.params);
    checkRange(this.name, 'initialLearningRate', p.initialLearningRate, MIN_RATE, MAX_RATE);
    checkRange(this.name, 'srRatio', p.srRatio, 0, 1);
    this.weights = new ExpertWeights(p.initialLearningRate);
    this.rate[RESET_RATE] = p.initialLearningRate;
    this.srMin = 1;
    this.srMax = Math.max(1, this.capacity - 1);
    this.srCap = Math.min(this.srMax, Math.max(this.srMin, Math.floor(this.capacity * p.srRatio + 0.5)));
    this.links = new LinkStore(this.keyCap);
    this.sr = new KeyList(this.links);
    this.r = new KeyList(this.links);
    this.segment = new Uint8Array(this.keyCap);
    this.flags = new Uint8Array(this.keyCap);
    this.lfu = new FreqBuckets(this.keyCap);
    this.history = new ExpertHistories(this.keyCap, Math.floor(this.capacity / 2));
    this.rng = new SeededRandom(`cacheus:${options.seed ?? 0}`);
  }

  /** Current learning rate and weight of the SR-LRU expert (for tests and reports). */
  get learningRate(): number {
    return this.weights.learningRate;
  }

  get srLruWeight(): number {
    return this.weights.w0;
  }

  /** SR-LRU's current SR limit, in capacity units (objects or bytes). */
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
    this.tickPeriod();
    if (this.lfu.has(key)) {
      this.periodHits++;
      this.lfu.touch(key);
      if (this.segment[key] === R) this.r.moveToHead(key); // hitinS
      else this.hitInSr(key);
      return true;
    }
    this.evictedForMiss = false;
    this.resumeKey = -1;
    const expert = this.history.expertOf(key);
    if (expert >= 0) {
      // hitinLRUHist / hitinLFUHist
      const wasNew = this.history.isMarked(key);
      this.resumeKey = key;
      this.resumeFreq = Math.max(1, this.history.memoOf(key));
      this.history.take(key);
      if (wasNew) {
        // SR was too small for this new object to earn its second hit there: give SR more room.
        this.resizeSr(this.step(this.demotedInCache, this.history.markedIn(0)) * this.size[key]!);
      }
      this.weights.penaliseBy(expert, 1);
      this.flags[key] = FROM_HISTORY;
    } else if (key < this.flags.length) this.flags[key] = 0;
    return false;
  }

  evict(): number {
    this.evictedForMiss = true;
    const srLruVictim = this.sr.length > 0 ? this.sr.tail : this.r.tail;
    const crLfuVictim = this.lfu.newestOfMin();
    if (srLruVictim === crLfuVictim) {
      this.drop(srLruVictim);
      return srLruVictim;
    }
    const expert = this.weights.choose(this.rng);
    const victim = expert === 0 ? srLruVictim : crLfuVictim;
    const freq = this.lfu.frequency(victim);
    const isNew = expert === 0 && (this.flags[victim]! & NEW) !== 0;
    this.drop(victim);
    this.history.add(expert, victim, this.size[victim]!, this.requests, freq, isNew);
    return victim;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    if (this.history.expertOf(key) >= 0) this.history.take(key);
    const fromHistory = (this.flags[key]! & FROM_HISTORY) !== 0;
    this.size[key] = size;
    this.used += size;
    this.count++;
    this.admitted++;
    this.rate[ADMITTED_SIZE]! += size;
    this.flags[key] = 0;
    if (fromHistory) {
      // back from an expert's history: into R at its old frequency
      this.lfu.add(key, this.resumeKey === key ? this.resumeFreq : 1);
      this.pushR(key);
      this.limitR();
    } else {
      this.lfu.add(key, 1);
      const rCap = this.capacity - this.srCap;
      const srUsed = this.used - size - this.rUsed;
      if (!this.evictedForMiss && this.rUsed < rCap && srUsed === 0) this.pushR(key); // filling R
      else if (!this.evictedForMiss && srUsed < this.srCap) this.pushSr(key); // filling SR
      else {
        this.flags[key] = NEW;
        this.pushSr(key);
        this.limitR();
      }
    }
    this.resumeKey = -1;
    this.evictedForMiss = false;
  }

  remove(key: number): boolean {
    if (!this.lfu.has(key)) return false;
    this.drop(key);
    return true;
  }

  has(key: number): boolean {
    return this.lfu.has(key);
  }

  /** hitinQ: a hit in SR moves the object to R's head; a demoted one first shrinks SR. */
  private hitInSr(key: number): void {
    if (this.flags[key]! & DEMOTED) {
      // R was too small to keep this object: give R more room.
      this.resizeSr(-this.step(this.history.markedIn(0), this.demotedInCache) * this.size[key]!);
      this.demotedInCache--;
      this.flags[key]! &= ~DEMOTED;
    }
    this.sr.remove(key);
    if (this.r.length > 0 && this.rUsed >= this.capacity - this.srCap) this.demote();
    this.pushR(key);
  }

  private pushR(key: number): void {
    this.r.pushHead(key);
    this.segment[key] = R;
    this.rUsed += this.size[key]!;
  }

  private pushSr(key: number): void {
    this.sr.pushHead(key);
    this.segment[key] = SR;
  }

  /** limitStack: R is kept below its limit, capacity − srCap, by demoting its LRU objects. */
  private limitR(): void {
    while (this.r.length > 0 && this.rUsed >= this.capacity - this.srCap) this.demote();
  }

  /** R's LRU object moves to the head of SR, flagged demoted. */
  private demote(): void {
    const old = this.r.popTail();
    this.rUsed -= this.size[old]!;
    this.pushSr(old);
    this.flags[old]! |= DEMOTED;
    this.demotedInCache++;
  }

  /** The adaptation step in objects: max(1, round(numerator / max(1, denominator))). */
  private step(numerator: number, denominator: number): number {
    return Math.max(1, Math.floor(numerator / Math.max(1, denominator) + 0.5));
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
    this.flags[key] = 0;
    this.lfu.delete(key);
    this.used -= this.size[key]!;
    this.count--;
  }

  /**
   * Counts the request and, on every period-th one, adapts the learning rate before this request's
   * hit is counted (cacheus.py updates when time % period == 0, then counts the hit).
   */
  private tickPeriod(): void {
    this.requests++;
    const meanSize = this.admitted > 0 ? this.rate[ADMITTED_SIZE]! / this.admitted : 1;
    const period = Math.max(1, Math.floor(this.capacity / meanSize + 0.5));
    if (++this.sincePeriod < period) return;
    this.sincePeriod = 0;
    this.adaptRate(period);
  }

  /** Cacheus_Learning_Rate.update. */
  private adaptRate(period: number): void {
    const r = this.rate;
    const rate = this.weights.learningRate;
    const hitRatio = round3(this.periodHits / period);
    const deltaHit = round3(hitRatio - r[PREVIOUS_HIT_RATIO]!);
    const deltaRate = round3(rate) - round3(r[PREVIOUS_RATE]!);
    const direction = deltaHit * deltaRate;
    let next = rate;
    if (direction > 0) {
      next = Math.min(rate + Math.abs(rate * deltaRate), MAX_RATE);
      this.stalled = 0;
      this.worse = 0;
    } else if (direction < 0) {
      next = Math.max(rate - Math.abs(rate * deltaRate), MIN_RATE);
      this.stalled = 0;
      this.worse = 0;
    } else if (deltaHit <= 0) {
      if (hitRatio <= 0 && deltaHit === 0) this.stalled++;
      if (deltaHit < 0) {
        this.worse++;
        this.stalled++;
      }
      if (this.stalled >= STALL_LIMIT) {
        next = r[RESET_RATE]!;
        this.stalled = 0;
      } else if (deltaHit < 0) {
        if (this.worse >= STALL_LIMIT) {
          next = r[RESET_RATE]!;
          this.worse = 0;
        } else next = this.randomDirection(rate);
      }
    }
    r[PREVIOUS_RATE] = rate;
    r[PREVIOUS_HIT_RATIO] = hitRatio;
    this.periodHits = 0;
    this.weights.learningRate = next;
  }

  /** updateInRandomDirection: off the extremes, or ×1.25 / ×0.75 with equal chance. */
  private randomDirection(rate: number): number {
    if (rate >= MAX_RATE) return 0.9;
    if (rate <= MIN_RATE) return 0.005;
    return this.rng.chance(0.5) ? Math.min(rate * 1.25, MAX_RATE) : Math.max(rate * 0.75, MIN_RATE);
  }

  verify(): void {
    let srUsed = 0;
    let rUsed = 0;
    let demoted = 0;
    this.sr.walk('cacheus SR', (k) => {
      if (this.segment[k] !== SR || !this.lfu.has(k) || this.flags[k]! & ~(NEW | DEMOTED)) throw new Error(`cacheus: SR key ${k} is inconsistent`);
      if (this.flags[k]! & DEMOTED) demoted++;
      srUsed += this.size[k]!;
    });
    this.r.walk('cacheus R', (k) => {
      if (this.segment[k] !== R || !this.lfu.has(k) || this.flags[k]! & ~NEW) throw new Error(`cacheus: R key ${k} is inconsistent`);
      rUsed += this.size[k]!;
    });
    if (rUsed !== this.rUsed) throw new Error(`cacheus: R holds ${rUsed}, counter ${this.rUsed}`);
    if (demoted !== this.demotedInCache) throw new Error(`cacheus: ${demoted} demoted keys in SR, counter ${this.demotedInCache}`);
    if (!(this.srCap >= this.srMin && this.srCap <= this.srMax)) throw new Error(`cacheus: SR size ${this.srCap} outside [${this.srMin}, ${this.srMax}]`);
    this.lfu.walk('cacheus lfu', () => {});
    if (this.lfu.length !== this.sr.length + this.r.length) throw new Error('cacheus: LFU and SR-LRU hold different counts');
    const rate = this.weights.learningRate;
    if (!(rate >= MIN_RATE && rate <= MAX_RATE)) throw new Error(`cacheus: learning rate ${rate} out of range`);
    this.history.verify('cacheus');
    this.checkTotals(this.lfu.length, srUsed + rUsed);
  }
}

export const cacheusInfo: PolicyInfo = {
  name: 'cacheus',
  factory: (options) => new CacheusPolicy(options),
  summary: 'CACHEUS (Rodriguez et al., FAST 2021): SR-LRU + CR-LFU experts, adaptive learning rate',
  params: cacheusParams,
};
