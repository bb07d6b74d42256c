/**
 * The cache state a learned eviction policy decides on, shared by EvictionEnv (training) and
 * LearnedPolicy (replay): an EvictionPolicy whose `evict` asks a chooser which candidate goes.
 *
 * Per-key state lives in typed arrays indexed by the dense key id: last access, admission time,
 * request count, hits since admission, admitted size, flags; two index-linked lists give the
 * exact LRU tail and FIFO head; a dense array of residents gives O(1) uniform sampling.
 * Candidates for one decision: the LRU tail, the FIFO head, then (opt-in, `recentCandidates`) the
 * newest admissions, then distinct residents drawn from the seeded generator, K in all (fewer
 * residents → candidates repeat). Nothing is allocated per request.
 *
 * Opt-in `regimeFeatures` appends REGIME_FEATURES to every row: each eviction records its time (in
 * evictions) and whether it took the LRU tail; an admission of a key evicted at most `count`
 * evictions ago is a quick return, and two moving averages track how often admissions are quick
 * returns and which kind of eviction they undo. Both update in `insert`, after the decision the
 * admission needed, so training (decides before the lookup) and replay (after it) see the same values.
 */
import type { EvictionPolicy } from '@cachelab/cache-core';
import type { PRNG } from 'seedrandom';
import {
  type AccessScorer,
  F_AGE,
  F_FREQUENCY,
  F_FREQUENCY_RANK,
  F_GHOST,
  F_HITS,
  F_MISS_RATIO,
  F_PROBABILITY,
  F_RECENCY,
  F_RECENCY_RANK,
  F_SIZE,
  F_VOTE_FIFO,
  F_VOTE_LFU,
  F_VOTE_LRU,
  F_VOTE_S3FIFO,
  F_QUICK_RETURN_LRU_SHARE,
  F_QUICK_RETURN_RATIO,
  DECAY_SCALES,
  decayFeatureOffset,
  featureCount,
  resolveFeatureOptions,
  reuseFeatureOffset,
} from './features.js';

const NIL = -1;
/** 2⁻¹⁰: the decayed count read as feature value 0 (see DECAY_FEATURES). */
const DECAY_FLOOR = 2 ** -10;
const RESIDENT = 1;
const EVICTED_BEFORE = 2;
const GHOST_RETURN = 4;
/** The key's latest eviction took the LRU tail. */
const EVICTED_LRU = 8;
/** Weight of the newest request in the recent miss ratio (≈ last 1,000 requests). */
const MISS_EMA = 1 / 1024;
/** Weight of the newest quick return in quick_return_lru_share (≈ last 64 quick returns). */
const QUICK_RETURN_EMA = 1 / 64;

/** Picks the key to evict; called by `evict`. */
export type VictimChooser = (cache: CandidateCache, incomingKey: number, incomingSize: number) => number;

export interface CandidateCacheOptions {
  name: string;
  capacity: number;
  /** Candidates per decision (K). */
  candidates: number;
  keySpace?: number;
  rng: PRNG;
  scorer?: AccessScorer;
  /** Newest admissions among the candidates, after the LRU tail and FIFO head. Default 0. */
  recentCandidates?: number;
  /** Append REGIME_FEATURES to every candidate row. Default false. */
  regimeFeatures?: boolean;
  /** Append REUSE_FEATURES (after the regime features) to every candidate row. Default false. */
  reuseFeatures?: boolean;
  /** Append DECAY_FEATURES (last) to every candidate row. Default false. */
  decayFeatures?: boolean;
}

export class CandidateCache implements EvictionPolicy {
  readonly name: string;
  readonly capacity: number;
  readonly k: number;
  /** Newest admissions among the candidates (`recentCandidates`). */
  readonly recent: number;
  readonly regimeFeatures: boolean;
  readonly reuseFeatures: boolean;
  readonly decayFeatures: boolean;
  /** Features per candidate row (featureCount of the options). */
  readonly features: number;
  /** Row index of the first reuse feature. */
  private readonly reuseOffset: number;
  /** Row index of the first decay feature. */
  private readonly decayOffset: number;
  used = 0;
  count = 0;
  /** Requests seen (the clock of every time feature). */
  clock = 0;
  missRatio = 0;
  /** Evictions so far (the clock of quick returns). */
  evictions = 0;
  quickReturnRatio = 0;
  quickReturnLruShare = 0;
  rng: PRNG;
  chooser: VictimChooser;
  /** The current decision's candidates (K keys) after `sampleCandidates`. */
  readonly candidates: Uint32Array;
  private readonly scratchAccess: Float64Array;
  private readonly scratchFreq: Float64Array;
  private readonly scratchAdmitted: Float64Array;
  private readonly scorer: AccessScorer | undefined;
  /** The key whose lookup was made ahead of the simulator's (lookupAhead); −1: none. */
  private lookedAhead = -1;
  private lastAccess: Float64Array;
  /** The request before the last one (0: fewer than two requests so far). */
  private prevAccess: Float64Array;
  /** DECAY_SCALES.length decayed counts per key (key-major), as of the key's last access. */
  private decayed: Float64Array;
  private admitted: Float64Array;
  private evictedAt: Float64Array;
  private freq: Uint32Array;
  private hits: Uint32Array;
  private sizes: Float64Array;
  private flags: Uint8Array;
  private slot: Int32Array;
  private residents: Uint32Array;
  private lruPrev: Int32Array;
  private lruNext: Int32Array;
  private fifoPrev: Int32Array;
  private fifoNext: Int32Array;
  private lruHead = NIL; // most recent
  private lruTail = NIL; // least recent
  private fifoHead = NIL; // oldest admission
  private fifoTail = NIL;

  constructor(options: CandidateCacheOptions, chooser: VictimChooser) {
    if (!(options.capacity > 0)) throw new RangeError(`${options.name}: capacity must be > 0, got ${options.capacity}`);
    this.name = options.name;
    this.capacity = options.capacity;
    this.k = options.candidates;
    this.recent = options.recentCandidates ?? 0;
    if (!(Number.isInteger(this.recent) && this.recent >= 0)) throw new RangeError(`${options.name}: recentCandidates must be a non-negative integer, got ${this.recent}`);
    const featureOptions = resolveFeatureOptions(options);
    this.regimeFeatures = featureOptions.regimeFeatures;
    this.reuseFeatures = featureOptions.reuseFeatures;
    this.decayFeatures = featureOptions.decayFeatures;
    this.features = featureCount(featureOptions);
    this.reuseOffset = reuseFeatureOffset(featureOptions);
    this.decayOffset = decayFeatureOffset(featureOptions);
    this.rng = options.rng;
    this.scorer = options.scorer;
    this.chooser = chooser;
    this.candidates = new Uint32Array(this.k);
    this.scratchAccess = new Float64Array(this.k);
    this.scratchFreq = new Float64Array(this.k);
    this.scratchAdmitted = new Float64Array(this.k);
    const n = Math.max(options.keySpace ?? 1024, 16);
    this.lastAccess = new Float64Array(n);
    this.prevAccess = new Float64Array(n);
    this.decayed = new Float64Array(this.decayFeatures ? n * DECAY_SCALES.length : 0);
    this.admitted = new Float64Array(n);
    this.evictedAt = new Float64Array(n);
    this.freq = new Uint32Array(n);
    this.hits = new Uint32Array(n);
    this.sizes = new Float64Array(n);
    this.flags = new Uint8Array(n);
    this.slot = new Int32Array(n).fill(NIL);
    this.residents = new Uint32Array(n);
    this.lruPrev = new Int32Array(n).fill(NIL);
    this.lruNext = new Int32Array(n).fill(NIL);
    this.fifoPrev = new Int32Array(n).fill(NIL);
    this.fifoNext = new Int32Array(n).fill(NIL);
  }

  has(key: number): boolean {
    return key < this.flags.length && (this.flags[key]! & RESIDENT) !== 0;
  }

  /**
   * A request for `key`. A `prefetch` lookup (the simulator only admitting a prefetch) is not a
   * request: the scorer does not learn it and no request statistic (clock, counts, miss ratio)
   * moves, so the features stay those of the demand stream the model was trained on.
   */
  lookup(key: number, _size: number, _nextAccess: number, prefetch = false): boolean {
    this.ensure(key);
    if (prefetch) return this.has(key);
    if (this.lookedAhead === key) {
      this.lookedAhead = -1;
      return this.has(key);
    }
    this.clock++;
    this.freq[key]!++;
    this.scorer?.observe(key);
    const hit = (this.flags[key]! & RESIDENT) !== 0;
    this.missRatio += MISS_EMA * ((hit ? 0 : 1) - this.missRatio);
    if (this.decayFeatures) this.countDecayed(key);
    this.prevAccess[key] = this.lastAccess[key]!;
    this.lastAccess[key] = this.clock;
    if (hit) {
      this.hits[key]!++;
      this.lruUnlink(key);
      this.lruPushHead(key);
    }
    return hit;
  }

  insert(key: number, size: number, _nextAccess: number): void {
    this.ensure(key);
    if (this.regimeFeatures) {
      const before = this.flags[key]!;
      const quick = (before & EVICTED_BEFORE) !== 0 && this.evictions - this.evictedAt[key]! <= Math.max(this.count, 1);
      this.quickReturnRatio += MISS_EMA * ((quick ? 1 : 0) - this.quickReturnRatio);
      if (quick) this.quickReturnLruShare += QUICK_RETURN_EMA * ((before & EVICTED_LRU ? 1 : 0) - this.quickReturnLruShare);
    }
    let f = this.flags[key]! | RESIDENT;
    f = f & EVICTED_BEFORE ? f | GHOST_RETURN : f & ~GHOST_RETURN;
    this.flags[key] = f;
    this.sizes[key] = size;
    this.admitted[key] = this.clock;
    this.lastAccess[key] = this.clock;
    this.hits[key] = 0;
    this.slot[key] = this.count;
    this.residents[this.count] = key;
    this.count++;
    this.used += size;
    this.lruPushHead(key);
    this.fifoPushTail(key);
  }

  evict(incomingKey: number, incomingSize: number): number {
    const victim = this.chooser(this, incomingKey, incomingSize);
    if (!this.has(victim)) throw new Error(`${this.name}: chooser returned key ${victim}, which is not resident`);
    const tookLru = victim === this.lruTail;
    this.drop(victim);
    this.evictions++;
    this.evictedAt[victim] = this.evictions;
    this.flags[victim] = tookLru ? this.flags[victim]! | EVICTED_BEFORE | EVICTED_LRU : (this.flags[victim]! | EVICTED_BEFORE) & ~EVICTED_LRU;
    return victim;
  }

  remove(key: number): boolean {
    if (!this.has(key)) return false;
    this.drop(key);
    return true;
  }

  /**
   * Makes the lookup of the request for `key` now, ahead of the simulator's, which then changes
   * nothing and answers the same. EvictionEnv decides before it feeds the missing request to its
   * Replayer; with this (and each victim evicted as soon as it is chosen) every decision sees the
   * state a replay decides on: after the lookup, after the request's earlier evictions.
   */
  lookupAhead(key: number, size: number, nextAccess: number): boolean {
    const hit = this.lookup(key, size, nextAccess);
    this.lookedAhead = key;
    return hit;
  }

  /** Fills `candidates` for one decision and returns how many distinct residents it holds. */
  sampleCandidates(exclude?: (key: number) => boolean): number {
    const k = this.k;
    const out = this.candidates;
    let n = 0;
    // Walk from the LRU tail / FIFO head past excluded keys.
    let t = this.lruTail;
    if (exclude) while (t !== NIL && exclude(t)) t = this.lruPrev[t]!;
    if (t !== NIL) out[n++] = t;
    let h = this.fifoHead;
    if (exclude) while (h !== NIL && exclude(h)) h = this.fifoNext[h]!;
    if (h !== NIL && h !== t && n < k) out[n++] = h;
    // The newest admissions (walking back from the FIFO tail), the candidates a scan- or
    // loop-resistant policy would evict.
    let added = 0;
    for (let r = this.fifoTail, steps = 0; r !== NIL && added < this.recent && n < k && steps < 8 * k; r = this.fifoPrev[r]!, steps++) {
      if (exclude && exclude(r)) continue;
      let seen = false;
      for (let i = 0; i < n; i++) if (out[i] === r) seen = true;
      if (seen) continue;
      out[n++] = r;
      added++;
    }
    const distinct = Math.min(k, this.count);
    const residents = this.residents;
    const count = this.count;
    for (let tries = 0; n < distinct && tries < 8 * k; tries++) {
      const key = residents[Math.floor(this.rng() * count)]!;
      if (exclude && exclude(key)) continue;
      let seen = false;
      for (let i = 0; i < n; i++) if (out[i] === key) seen = true;
      if (!seen) out[n++] = key;
    }
    if (n === 0) throw new Error(`${this.name}: no resident candidate to evict`);
    const found = n;
    for (let i = n; i < k; i++) out[i] = out[i % found]!;
    return found;
  }

  /**
   * Writes the K × F observation (F = `features`) of the current candidates into `obs` (length K·F),
   * as of after the missing request's lookup (the simulator's, or EvictionEnv's `lookupAhead`).
   */
  writeFeatures(obs: Float32Array): void {
    const k = this.k;
    const F = this.features;
    const c = this.candidates;
    const clock = this.clock;
    const missRatio = this.missRatio;
    const scale = Math.max(this.count, 1);
    const meanSize = this.count > 0 ? this.used / this.count : 1;
    // Gather each candidate's state once; the rank loops below compare these locals.
    const access = this.scratchAccess;
    const freq = this.scratchFreq;
    const admitted = this.scratchAdmitted;
    let lru = 0;
    let lfu = 0;
    let fifo = 0;
    let s3 = -1;
    for (let i = 0; i < k; i++) {
      const key = c[i]!;
      const row = i * F;
      const a = this.lastAccess[key]!;
      const f = this.freq[key]!;
      const adm = this.admitted[key]!;
      const hits = this.hits[key]!;
      access[i] = a;
      freq[i] = f;
      admitted[i] = adm;
      obs[row + F_RECENCY] = Math.min(1, Math.log2(1 + (clock - a) / scale) / 6);
      obs[row + F_FREQUENCY] = Math.min(1, Math.log2(1 + f) / 8);
      obs[row + F_AGE] = Math.min(1, Math.log2(1 + (clock - adm) / scale) / 6);
      obs[row + F_HITS] = hits === 0 ? 0 : Math.min(1, Math.log2(1 + hits) / 6);
      const size = this.sizes[key]!;
      obs[row + F_SIZE] = size === meanSize ? 0 : Math.max(-1, Math.min(1, Math.log2(size / meanSize) / 8)); // 0 when all sizes are equal
      obs[row + F_PROBABILITY] = this.scorer ? Math.max(0, Math.min(1, this.scorer.accessProbability(key))) : 0;
      obs[row + F_GHOST] = this.flags[key]! & GHOST_RETURN ? 1 : 0;
      obs[row + F_MISS_RATIO] = missRatio;
      if (a < access[lru]!) lru = i;
      if (f < freq[lfu]! || (f === freq[lfu] && a < access[lfu]!)) lfu = i;
      if (adm < admitted[fifo]!) fifo = i;
      if (hits === 0 && (s3 < 0 || adm < admitted[s3]!)) s3 = i;
    }
    if (s3 < 0) s3 = lru;
    const denominator = k > 1 ? k - 1 : 1;
    for (let i = 0; i < k; i++) {
      const row = i * F;
      const a = access[i]!;
      const f = freq[i]!;
      let olderAccess = 0;
      let rarer = 0;
      for (let j = 0; j < k; j++) {
        if (access[j]! > a) olderAccess++;
        if (freq[j]! > f) rarer++;
      }
      obs[row + F_RECENCY_RANK] = olderAccess / denominator;
      obs[row + F_FREQUENCY_RANK] = rarer / denominator;
      obs[row + F_VOTE_LRU] = i === lru ? 1 : 0;
      obs[row + F_VOTE_LFU] = i === lfu ? 1 : 0;
      obs[row + F_VOTE_FIFO] = i === fifo ? 1 : 0;
      obs[row + F_VOTE_S3FIFO] = i === s3 ? 1 : 0;
      if (this.regimeFeatures) {
        obs[row + F_QUICK_RETURN_RATIO] = this.quickReturnRatio;
        obs[row + F_QUICK_RETURN_LRU_SHARE] = this.quickReturnLruShare;
      }
      if (this.reuseFeatures) this.writeReuse(obs, row + this.reuseOffset, c[i]!, clock, scale);
      if (this.decayFeatures) this.writeDecayed(obs, row + this.decayOffset, c[i]!, clock, scale);
    }
  }

  /** Decays `key`'s counts from its last access to now (this.clock) and adds this request. */
  private countDecayed(key: number): void {
    const gap = this.clock - this.lastAccess[key]!;
    const scale = Math.max(this.count, 1);
    const base = key * DECAY_SCALES.length;
    for (let j = 0; j < DECAY_SCALES.length; j++) {
      this.decayed[base + j] = this.decayed[base + j]! * Math.exp(-gap / (DECAY_SCALES[j]! * scale)) + 1;
    }
  }

  /** DECAY_FEATURES of `key` at obs[at..] (see features.ts). */
  private writeDecayed(obs: Float32Array, at: number, key: number, clock: number, scale: number): void {
    const gap = clock - this.lastAccess[key]!;
    const base = key * DECAY_SCALES.length;
    for (let j = 0; j < DECAY_SCALES.length; j++) {
      const c = this.decayed[base + j]! * Math.exp(-gap / (DECAY_SCALES[j]! * scale));
      obs[at + j] = Math.max(0, Math.min(1, (Math.log2(c + DECAY_FLOOR) + 10) / 20));
    }
  }

  /** REUSE_FEATURES of `key` at obs[at], obs[at + 1] (see features.ts). */
  private writeReuse(obs: Float32Array, at: number, key: number, clock: number, scale: number): void {
    const prev = this.prevAccess[key]!;
    if (prev === 0) {
      obs[at] = 1;
      obs[at + 1] = 1;
      return;
    }
    const last = this.lastAccess[key]!;
    const interval = last - prev;
    obs[at] = Math.min(1, Math.log2(1 + interval / scale) / 6);
    const overdue = (clock - last - interval) / scale;
    obs[at + 1] = Math.sign(overdue) * Math.min(1, Math.log2(1 + Math.abs(overdue)) / 6);
  }

  sizeOf(key: number): number {
    return this.sizes[key]!;
  }

  verify(): void {
    let n = 0;
    let used = 0;
    for (let k = this.lruHead, prev = NIL; k !== NIL; prev = k, k = this.lruNext[k]!) {
      if (this.lruPrev[k] !== prev) throw new Error(`${this.name}: broken LRU link at key ${k}`);
      if (!this.has(k)) throw new Error(`${this.name}: key ${k} in the LRU list is not resident`);
      if (++n > this.count) throw new Error(`${this.name}: LRU list longer than count ${this.count}`);
      used += this.sizes[k]!;
    }
    if (n !== this.count) throw new Error(`${this.name}: LRU list holds ${n}, count is ${this.count}`);
    if (used !== this.used) throw new Error(`${this.name}: sizes sum to ${used}, used is ${this.used}`);
    let m = 0;
    for (let k = this.fifoHead; k !== NIL; k = this.fifoNext[k]!) if (++m > this.count) break;
    if (m !== this.count) throw new Error(`${this.name}: FIFO list holds ${m}, count is ${this.count}`);
    for (let i = 0; i < this.count; i++) {
      if (this.slot[this.residents[i]!] !== i) throw new Error(`${this.name}: resident slot ${i} is inconsistent`);
    }
    if (this.used > this.capacity) throw new Error(`${this.name}: used ${this.used} exceeds capacity ${this.capacity}`);
  }

  private drop(key: number): void {
    this.flags[key]! &= ~RESIDENT;
    this.used -= this.sizes[key]!;
    const s = this.slot[key]!;
    const last = this.residents[this.count - 1]!;
    this.residents[s] = last;
    this.slot[last] = s;
    this.slot[key] = NIL;
    this.count--;
    this.lruUnlink(key);
    this.fifoUnlink(key);
  }

  private lruPushHead(key: number): void {
    this.lruPrev[key] = NIL;
    this.lruNext[key] = this.lruHead;
    if (this.lruHead !== NIL) this.lruPrev[this.lruHead] = key;
    else this.lruTail = key;
    this.lruHead = key;
  }

  private lruUnlink(key: number): void {
    const p = this.lruPrev[key]!;
    const n = this.lruNext[key]!;
    if (p !== NIL) this.lruNext[p] = n;
    else this.lruHead = n;
    if (n !== NIL) this.lruPrev[n] = p;
    else this.lruTail = p;
    this.lruPrev[key] = NIL;
    this.lruNext[key] = NIL;
  }

  private fifoPushTail(key: number): void {
    this.fifoNext[key] = NIL;
    this.fifoPrev[key] = this.fifoTail;
    if (this.fifoTail !== NIL) this.fifoNext[this.fifoTail] = key;
    else this.fifoHead = key;
    this.fifoTail = key;
  }

  private fifoUnlink(key: number): void {
    const p = this.fifoPrev[key]!;
    const n = this.fifoNext[key]!;
    if (p !== NIL) this.fifoNext[p] = n;
    else this.fifoHead = n;
    if (n !== NIL) this.fifoPrev[n] = p;
    else this.fifoTail = p;
    this.fifoPrev[key] = NIL;
    this.fifoNext[key] = NIL;
  }

  private ensure(key: number): void {
    if (key < this.flags.length) return;
    const n = Math.max(key + 1, this.flags.length * 2);
    const grow = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(a: T, fill: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a as never);
      if (fill !== 0) b.fill(fill, a.length);
      return b;
    };
    this.lastAccess = grow(this.lastAccess, 0);
    this.prevAccess = grow(this.prevAccess, 0);
    if (this.decayFeatures) {
      const decayed = new Float64Array(n * DECAY_SCALES.length);
      decayed.set(this.decayed);
      this.decayed = decayed;
    }
    this.admitted = grow(this.admitted, 0);
    this.evictedAt = grow(this.evictedAt, 0);
    this.freq = grow(this.freq, 0);
    this.hits = grow(this.hits, 0);
    this.sizes = grow(this.sizes, 0);
    this.flags = grow(this.flags, 0);
    this.slot = grow(this.slot, NIL);
    this.residents = grow(this.residents, 0);
    this.lruPrev = grow(this.lruPrev, NIL);
    this.lruNext = grow(this.lruNext, NIL);
    this.fifoPrev = grow(this.fifoPrev, NIL);
    this.fifoNext = grow(this.fifoNext, NIL);
  }
}
