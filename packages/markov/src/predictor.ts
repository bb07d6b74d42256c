/**
 * Online Markov next-request predictor over integer keys: first order (order 1) or variable
 * order up to k (PPM-style contexts of the last 1..k keys), combined by fallback or blending;
 * per session when requests carry a session (client) id, over the global stream otherwise.
 *
 * Memory is bounded: at most `StateTable.capacity` states of at most `maxSuccessors` successors,
 * `sessionSlots` histories of max(order, lookahead, unordered, skip, recentWindow, referrerWindow
 * when on) keys (plus two re-request counters per slot with a recency window), plus one
 * popularity counter per key id (8+8 bytes per distinct key, +4 with referrer contexts; key ids
 * are dense). `update` and prediction allocate nothing once the key space stopped growing.
 *
 * Contexts, all in one table, told apart by hash scope (context-hash.ts): ordered contexts of the
 * last 1..order keys (shared, and per session with sessionStats), position contexts, unordered
 * sets of the last 2..unordered keys, and skip contexts (key d back, lag d); see options.ts.
 * Referrer contexts (the keys requested with a referrer: a page's assets) have a table of their
 * own, since a page has more assets than a context keeps successors.
 */
import { ABSENT, type Request, type RequestBatch } from '@cachelab/cache-core';
import * as contextHash from './context-hash.js';
import { resolveOptions, type MarkovOptions } from './options.js';
import { MarkovModelError, decodeModel, encodeModel } from './serialization.js';
import { StateTable } from './state-table.js';
import type { Prediction, SequencePredictor } from './types.js';

/** Everything `save()` writes and `load()` restores (see serialization.ts). */
export interface PredictorState {
  options: MarkovOptions;
  clock: number;
  lastSession: number;
  popularityTotal: number;
  liveStates: number;
  arrays: {
    tagA: Int32Array;
    tagB: Int32Array;
    inUse: Uint8Array;
    total: Float64Array;
    stamp: Float64Array;
    filled: Uint8Array;
    succKey: Uint32Array;
    succCount: Float64Array;
    succError: Float64Array;
    slotOwner: Int32Array;
    slotLength: Uint8Array;
    slotHistory: Uint32Array;
    /** Requests each history slot's session made, saturating at `positions` (position contexts). */
    slotCount: Uint8Array;
    /** Per history slot: requests counted for the re-request rate, and the re-requests among them (recentWindow; empty when off). */
    slotRequests: Uint32Array;
    slotRepeats: Uint32Array;
    /** Per history slot: the referrer id of its session's latest request, or ABSENT (referrerWeight; empty when off). */
    slotReferrer: Int32Array;
    /** The referrer table (referrerWeight; empty arrays when off), as the main table's arrays above. */
    referrerTagA: Int32Array;
    referrerTagB: Int32Array;
    referrerInUse: Uint8Array;
    referrerTotal: Float64Array;
    referrerStamp: Float64Array;
    referrerFilled: Uint8Array;
    referrerSuccKey: Uint32Array;
    referrerSuccCount: Float64Array;
    referrerSuccError: Float64Array;
    popularity: Float64Array;
    popularityStamp: Float64Array;
  };
}

export interface PredictorStats {
  /** Requests learned. */
  updates: number;
  /** States in use, and the most that can ever exist. */
  states: number;
  stateCapacity: number;
  successorsPerState: number;
  /** Referrers in the referrer table (0 when referrer contexts are off; at most options.referrerStates). */
  referrerStates: number;
  /** Bytes of the bounded tables (states + session histories). */
  tableBytes: number;
  /** Bytes of the per-key popularity counters (grow with the key space). */
  keyBytes: number;
}

const NO_OWNER = -2;

// Module-local bindings for the hot path. Test runners that rewrite imports into property reads on
// a module object (vitest's SSR transform) otherwise pay a getter per hash call: measured 2× slower
// updates under `vitest bench` than under plain Node before this.
const { LOOKAHEAD_SCOPE, POSITION_SCOPE, REFERRER_SCOPE, SESSION_SCOPE, SHARED_SCOPE, SKIP_SCOPE, UNORDERED_SCOPE, extendA, extendB, seedA, seedB } = contextHash;
const NO_SESSION: number = ABSENT;
const NO_REFERRER: number = ABSENT;
/** Re-request rate of a session with no record yet: (RATE_PRIOR + repeats) / (1 + requests). */
const RATE_PRIOR = 0.3;
/**
 * Largest key id `observe` accepts. Key-indexed arrays grow to the largest id seen (8 bytes × 3 per
 * id), so ids must be dense (a trace reader's interned ids are); 2^28 is 268M distinct keys.
 */
export const MAX_KEY_ID = 2 ** 28;

function keyIdProblem(key: number): string {
  return `key must be a dense integer id in [0, ${MAX_KEY_ID}], got ${key}; intern raw keys to ids first (cache-core's KeyInterner does, and trace readers already give such ids)`;
}

/** Largest session id `observe` accepts (batches hold sessions as Int32, and so do the history slots' owners). */
export const MAX_SESSION_ID = 2 ** 31 - 1;

/** Rate counters halve when a slot's request count reaches this (keeps them in range, ages them). */
const RATE_COUNT_LIMIT = 2 ** 30;

export class MarkovPredictor implements SequencePredictor {
  readonly options: MarkovOptions;
  private readonly table: StateTable;
  private readonly order: number;
  private readonly lookahead: number;
  /** Keys kept per history slot: the longest window any option reads. */
  private readonly historyLength: number;
  private readonly sessionStats: boolean;
  private readonly sessionSlots: number;
  /** Session history slots; slot `sessionSlots` holds the global stream (no session). */
  private readonly slotOwner: Int32Array;
  private readonly slotLength: Uint8Array;
  private readonly slotHistory: Uint32Array;
  /** Requests made by each slot's session so far, saturating at `positions`. */
  private readonly slotCount: Uint8Array;
  private readonly positions: number;
  /** Unordered contexts: largest set size (0 = off), and the hashes of sizes 2..unordered. */
  private readonly unordered: number;
  private readonly unorderedA: Int32Array;
  private readonly unorderedB: Int32Array;
  private readonly unorderedSeedA = seedA(UNORDERED_SCOPE, 0);
  private readonly unorderedSeedB = seedB(UNORDERED_SCOPE, 0);
  /** Skip contexts: largest lag (0 = off), per-lag seeds, and the hashes of lags 2..skip. */
  private readonly skip: number;
  private readonly skipSeedA: Int32Array;
  private readonly skipSeedB: Int32Array;
  private readonly skipA: Int32Array;
  private readonly skipB: Int32Array;
  /** Session recency window (0 = off) and each slot's re-request counters. */
  private readonly recentWindow: number;
  private readonly slotRequests: Uint32Array;
  private readonly slotRepeats: Uint32Array;
  /** Referrer contexts: weight (0 = off), their own table (empty when off) and each slot's latest referrer. */
  private readonly referrerWeight: number;
  private readonly referrerTable: StateTable | null;
  private readonly slotReferrer: Int32Array;
  private readonly referrerSeedA = seedA(REFERRER_SCOPE, 0);
  private readonly referrerSeedB = seedB(REFERRER_SCOPE, 0);
  /** Hash seeds of the shared scope (constant). */
  private readonly sharedSeedA = seedA(SHARED_SCOPE, 0);
  private readonly sharedSeedB = seedB(SHARED_SCOPE, 0);
  /** Position-context hash of the latest positionHash() call. */
  private positionA = 0;
  private positionB = 0;
  /** Referrer-context hash of the latest referrerHash() call. */
  private referrerA = 0;
  private referrerB = 0;
  /** Decayed request count per key, as of its stamp; and the decayed count of all requests. */
  private popularity = new Float64Array(1024);
  private popularityStamp = new Float64Array(1024);
  private popularityTotal = 0;
  private readonly stepDecay: number;
  /** Requests learned so far; the clock of decay. */
  private clock = 0;
  private lastSession = NO_SESSION;
  // Scratch (prediction and hashing), sized once.
  private readonly hashA: Int32Array;
  private readonly hashB: Int32Array;
  private readonly sessionHashA: Int32Array;
  private readonly sessionHashB: Int32Array;
  private readonly candKey: Uint32Array;
  private readonly candScore: Float64Array;
  /** Marks candidates already seen in the recency window (all 0 between calls). */
  private readonly candMark: Uint8Array;
  private candPos = new Int32Array(1024).fill(-1);
  /** Referrer votes: windowMark[key] === windowGeneration marks the keys of the client's window (key-indexed). */
  private windowMark = new Uint32Array(0);
  private windowGeneration = 0;
  private candCount = 0;
  private candWeight = 0;
  private readonly contextScratch: Uint32Array;
  /** Float64, not Uint32: a key that is no id (-1, 1.5) must reach predictAllInto's check unconverted. */
  private readonly onePredictionKey = new Float64Array(1);
  private readonly onePredictionProb = new Float64Array(1);

  constructor(options: Partial<MarkovOptions> = {}, state?: PredictorState) {
    this.options = resolveOptions(state ? state.options : options);
    const o = this.options;
    this.order = o.order;
    this.lookahead = o.lookahead;
    this.historyLength = Math.max(o.order, o.lookahead, o.unordered, o.skip, o.recentWindow, o.referrerWeight > 0 ? o.referrerWindow : 0);
    this.sessionStats = o.sessionStats;
    this.sessionSlots = o.sessionSlots;
    this.table = new StateTable(o.maxStates, o.maxSuccessors, o.halfLife);
    this.slotOwner = new Int32Array(o.sessionSlots + 1).fill(NO_OWNER);
    this.slotLength = new Uint8Array(o.sessionSlots + 1);
    this.slotHistory = new Uint32Array((o.sessionSlots + 1) * this.historyLength);
    this.positions = o.positions;
    this.slotCount = new Uint8Array(o.sessionSlots + 1);
    this.unordered = o.unordered;
    this.unorderedA = new Int32Array(o.unordered + 1);
    this.unorderedB = new Int32Array(o.unordered + 1);
    this.skip = o.skip;
    this.skipSeedA = new Int32Array(o.skip + 1);
    this.skipSeedB = new Int32Array(o.skip + 1);
    for (let d = 2; d <= o.skip; d++) {
      this.skipSeedA[d] = seedA(SKIP_SCOPE, d);
      this.skipSeedB[d] = seedB(SKIP_SCOPE, d);
    }
    this.skipA = new Int32Array(o.skip + 1);
    this.skipB = new Int32Array(o.skip + 1);
    this.recentWindow = o.recentWindow;
    this.slotRequests = new Uint32Array(o.recentWindow > 0 ? o.sessionSlots + 1 : 0);
    this.slotRepeats = new Uint32Array(this.slotRequests.length);
    this.referrerWeight = o.referrerWeight;
    this.referrerTable = o.referrerWeight > 0 ? new StateTable(o.referrerStates, o.referrerSuccessors, o.halfLife) : null;
    this.windowMark = new Uint32Array(this.referrerTable !== null ? this.popularity.length : 0);
    this.slotReferrer = new Int32Array(o.referrerWeight > 0 ? o.sessionSlots + 1 : 0).fill(NO_REFERRER);
    this.stepDecay = Number.isFinite(o.halfLife) ? Math.pow(2, -1 / o.halfLife) : 1;
    this.hashA = new Int32Array(o.order + 1);
    this.hashB = new Int32Array(o.order + 1);
    this.sessionHashA = new Int32Array(o.order + 1);
    this.sessionHashB = new Int32Array(o.order + 1);
    const contexts = 2 * o.order + 1 + Math.max(0, o.unordered - 1) + Math.max(0, o.skip - 1);
    const candidates = contexts * o.maxSuccessors + o.recentWindow + (o.referrerWeight > 0 ? o.referrerSuccessors : 0);
    this.candKey = new Uint32Array(candidates);
    this.candScore = new Float64Array(candidates);
    this.candMark = new Uint8Array(candidates);
    this.contextScratch = new Uint32Array(this.historyLength);
    if (state) this.restore(state);
  }

  // ---- learning -------------------------------------------------------------------------

  /** Learns one request (its key follows the history of its session, or of the stream). */
  update(request: Request): void {
    this.observe(request.key, request.session, request.referrer ?? NO_REFERRER);
  }

  /** Learns request `i` of a batch (hot path). */
  updateBatch(batch: RequestBatch, i: number): void {
    this.observe(batch.key[i]!, batch.session[i]!, batch.referrer[i]!);
  }

  /**
   * Learns `key` requested by `session` (ABSENT/negative = the global stream), with `referrer`
   * (an interned referrer id, or ABSENT; used only with referrerWeight).
   */
  observe(key: number, session: number, referrer: number = NO_REFERRER): void {
    // Keys index typed arrays: a negative or fractional id would be silently wrapped or dropped.
    if (!(key >>> 0 === key && key <= MAX_KEY_ID)) throw new RangeError(keyIdProblem(key));
    // Slot owners are Int32: a fractional session or one above 2^31 − 1 never owned its slot, so
    // its history was reset on every request and it learned nothing (while `updates` counted it).
    if (session >= 0 && !(Number.isInteger(session) && session <= MAX_SESSION_ID)) {
      throw new RangeError(`session must be a whole number in [0, ${MAX_SESSION_ID}] (or negative for the global stream), got ${session}`);
    }
    const now = this.clock++;
    const slot = this.claimSlot(session);
    const base = slot * this.historyLength;
    const length = this.slotLength[slot]!;
    const orders = this.hashContexts(this.slotHistory, base, length, session);
    const table = this.table;
    const perSession = this.sessionStats && session >= 0;
    for (let o = 1; o <= orders; o++) {
      table.observeContext(this.hashA[o]!, this.hashB[o]!, key, now);
      if (perSession) table.observeContext(this.sessionHashA[o]!, this.sessionHashB[o]!, key, now);
    }
    const history = this.slotHistory;
    if (this.unordered > 0) {
      const sizes = this.hashUnordered(history, base, length);
      for (let u = 2; u <= sizes; u++) table.observeContext(this.unorderedA[u]!, this.unorderedB[u]!, key, now);
    }
    if (this.skip > 0) {
      const lags = this.hashSkips(history, base, length);
      for (let d = 2; d <= lags; d++) table.observeContext(this.skipA[d]!, this.skipB[d]!, key, now);
    }
    if (this.recentWindow > 0 && length >= 2) this.countRepeat(slot, history, base, length, key);
    if (this.positions > 0 && session >= 0) {
      const position = this.slotCount[slot]!;
      if (length > 0) {
        this.positionHash(position, history[base + length - 1]!);
        table.observeContext(this.positionA, this.positionB, key, now);
      }
      if (position < this.positions) this.slotCount[slot] = position + 1;
    }
    if (this.referrerTable !== null) {
      if (referrer >= 0) {
        this.referrerHash(referrer);
        this.referrerTable.observeContext(this.referrerA, this.referrerB, key, now);
      }
      this.slotReferrer[slot] = referrer >= 0 ? referrer : NO_REFERRER;
    }
    if (this.lookahead > 1) this.observeLookahead(history, base, length, key, now);
    // Push the key: history holds the last `historyLength` keys, oldest first.
    if (length < this.historyLength) {
      history[base + length] = key;
      this.slotLength[slot] = length + 1;
    } else {
      const last = base + this.historyLength - 1;
      for (let j = base; j < last; j++) history[j] = history[j + 1]!;
      history[last] = key;
    }
    this.countPopularity(key, now);
    this.lastSession = session;
  }

  /**
   * Counts `key` as a "soon" successor of each distinct key among the last `lookahead` (not itself).
   * Every request counts: a key requested twice within the window after one occurrence of
   * `earlier` counts twice, so count/(occurrences + prior) is the expected number of requests per
   * occurrence (capped at 1 by the reader), not a probability. Counting each occurrence once (a
   * probability) was measured and loses the web07 prefetch gains; see the README.
   */
  private observeLookahead(history: Uint32Array, base: number, length: number, key: number, now: number): void {
    const table = this.table;
    const window = Math.min(length, this.lookahead);
    for (let lag = 1; lag <= window; lag++) {
      const earlier = history[base + length - lag]!;
      if (earlier === key) continue;
      let repeated = false;
      for (let l = 1; l < lag && !repeated; l++) repeated = history[base + length - l] === earlier;
      if (repeated) continue;
      const s = table.findOrCreate(extendA(seedA(LOOKAHEAD_SCOPE, 0), earlier, 1), extendB(seedB(LOOKAHEAD_SCOPE, 0), earlier, 1), now);
      table.observe(s, key, now);
    }
  }

  /** Number of requests learned. */
  get updates(): number {
    return this.clock;
  }

  // ---- prediction -----------------------------------------------------------------------

  /**
   * The `k` most likely next requests after `context` (keys, most recent last; only the last
   * `order` count) for `session` (used only with sessionStats). Probabilities sum to ≤ 1 (up to
   * floating-point rounding) and are best first; ties keep the successors' order in their state
   * (first seen first, but a key that replaced an evicted successor in a full state takes its place).
   * With `lookahead` > 1 they are per-key "within the window" probabilities (see options.ts).
   */
  predictNext(context: ArrayLike<number>, k: number, session: number = NO_SESSION): Prediction[] {
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a whole number ≥ 1 (how many predictions), got ${k}`);
    const n = Math.min(context.length, this.historyLength);
    for (let j = 0; j < n; j++) {
      const key = context[context.length - n + j]!;
      // Checked before the scratch (Uint32Array) wraps it: -1 became 2^32 − 1, whose key-indexed
      // arrays could not be allocated, and the throw left the candidate scratch dirty.
      if (!(key >>> 0 === key && key <= MAX_KEY_ID)) throw new RangeError(keyIdProblem(key));
      this.contextScratch[j] = key;
    }
    const keys = new Uint32Array(Math.max(0, k));
    const probs = new Float64Array(keys.length);
    const count = this.predictFrom(this.contextScratch, 0, n, session, this.ownedSlot(session), keys.length, keys, probs);
    const out: Prediction[] = [];
    for (let j = 0; j < count; j++) out.push({ key: keys[j]!, probability: probs[j]! });
    return out;
  }

  /** Hot-path prediction for the stored history of `session` (ABSENT = the global stream). */
  predictSession(session: number, k: number, outKeys: Uint32Array, outProbabilities: Float64Array): number {
    const slot = this.ownedSlot(session);
    if (slot < 0) return 0;
    return this.predictFrom(this.slotHistory, slot * this.historyLength, this.slotLength[slot]!, session, slot, k, outKeys, outProbabilities);
  }

  /** The session of the latest request learned (ABSENT before any, or for sessionless traces). */
  get currentSession(): number {
    return this.lastSession;
  }

  /**
   * Chance that `key` is requested within the next `horizon` requests of `session` (default: the
   * session of the latest request). Step 1 comes from the model's next-request distribution; the
   * later steps treat requests as independent draws at the key's (decayed) share of all requests:
   * P = 1 - (1 - p_next)·(1 - share)^(horizon-1). An approximation that is exact for horizon 1 and
   * cheap enough to score every cached key at eviction time.
   */
  accessProbability(key: number, horizon: number, session: number = this.lastSession): number {
    this.onePredictionKey[0] = key;
    this.predictAllInto(this.onePredictionKey, horizon, session, this.onePredictionProb);
    return this.onePredictionProb[0]!;
  }

  /** accessProbability for many keys, computing the next-request distribution once. */
  predictAll(keys: ArrayLike<number>, horizon = 1, session: number = this.lastSession): Float64Array {
    const out = new Float64Array(keys.length);
    this.predictAllInto(keys, horizon, session, out);
    return out;
  }

  /** predictAll for the first `count` keys into a caller-owned buffer (no allocation). */
  predictAllInto(keys: ArrayLike<number>, horizon: number, session: number, out: Float64Array, count: number = keys.length): void {
    if (!(horizon >= 1)) throw new RangeError(`horizon must be ≥ 1 request, got ${horizon}`);
    const slot = this.ownedSlot(session);
    const n = slot >= 0 ? this.collect(this.slotHistory, slot * this.historyLength, this.slotLength[slot]!, session, slot) : 0;
    const weight = this.candWeight;
    const now = this.clock - 1;
    for (let j = 0; j < count; j++) {
      const key = keys[j]!;
      // A key that is no id would read undefined from the key-indexed arrays: NaN.
      if (!(key >>> 0 === key && key <= MAX_KEY_ID)) {
        this.clearCandidates(n);
        throw new RangeError(keyIdProblem(key));
      }
      const pos = key < this.candPos.length ? this.candPos[key]! : -1;
      const next = pos >= 0 && weight > 0 ? this.candScore[pos]! / weight : 0;
      let share = 0;
      if (horizon > 1 && key < this.popularity.length && this.popularityTotal > 0) {
        share = Math.min(1, (this.popularity[key]! * this.decayOver(now - this.popularityStamp[key]!)) / this.popularityTotal);
      }
      // share 0: the later steps add nothing. Horizon Infinity: any share > 0 makes the key certain.
      // (Math.pow(1, Infinity) is NaN, and 1 - share rounds to 1 for a share below 2^-53.)
      if (horizon === 1 || share === 0) out[j] = next;
      else if (horizon === Infinity) out[j] = 1;
      else out[j] = 1 - (1 - next) * Math.pow(1 - share, horizon - 1);
    }
    this.clearCandidates(n);
  }

  /**
   * Decayed count of `key` after exactly `context` (its last `order` keys) in the shared
   * statistics, as of now; 0 when the state or successor is not kept. For tests and inspection.
   */
  transitionCount(context: ArrayLike<number>, key: number): number {
    const n = Math.min(context.length, this.order);
    for (let j = 0; j < n; j++) this.contextScratch[j] = context[context.length - n + j]!;
    this.hashContexts(this.contextScratch, 0, n, NO_SESSION);
    const s = this.table.find(this.hashA[n]!, this.hashB[n]!);
    return s < 0 ? 0 : this.table.successorCount(s, key, Math.max(0, this.clock - 1));
  }

  stats(): PredictorStats {
    return {
      updates: this.clock,
      states: this.table.liveStates,
      stateCapacity: this.table.capacity,
      successorsPerState: this.table.successorsPerState,
      referrerStates: this.referrerTable?.liveStates ?? 0,
      tableBytes:
        this.table.bytes() + this.slotOwner.byteLength + this.slotLength.byteLength + this.slotHistory.byteLength +
        this.slotCount.byteLength + this.slotRequests.byteLength + this.slotRepeats.byteLength + this.slotReferrer.byteLength + (this.referrerTable?.bytes() ?? 0),
      keyBytes: this.popularity.byteLength + this.popularityStamp.byteLength + this.candPos.byteLength + this.windowMark.byteLength,
    };
  }

  /**
   * Checks the model's invariants (state cap, successor cap, counts summing to totals, key ids,
   * finite counts, nothing stamped after the clock); `load` runs it on every model file.
   */
  verify(): void {
    const clock = this.clock;
    if (!(Number.isInteger(clock) && clock >= 0)) throw new Error(`clock ${clock} is not a whole number ≥ 0`);
    this.table.verify(clock, MAX_KEY_ID);
    this.referrerTable?.verify(clock, MAX_KEY_ID);
    for (let s = 0; s < this.slotLength.length; s++) {
      const length = this.slotLength[s]!;
      if (length > this.historyLength) throw new Error(`history slot ${s} holds ${length} keys > ${this.historyLength}`);
      if (this.slotCount[s]! > this.positions) throw new Error(`history slot ${s} counts ${this.slotCount[s]} requests > positions ${this.positions}`);
      const base = s * this.historyLength;
      for (let j = base; j < base + length; j++) {
        if (this.slotHistory[j]! > MAX_KEY_ID) throw new Error(`history slot ${s} holds key ${this.slotHistory[j]} > ${MAX_KEY_ID}`);
      }
    }
    if (!(this.popularityTotal >= 0 && this.popularityTotal < Infinity)) throw new Error(`popularity total is ${this.popularityTotal}`);
    if (this.popularity.length !== this.popularityStamp.length) throw new Error('popularity arrays differ in length');
    for (let key = 0; key < this.popularity.length; key++) {
      if (!(this.popularity[key]! >= 0 && this.popularity[key]! < Infinity)) throw new Error(`popularity of key ${key} is ${this.popularity[key]}`);
      if (!(this.popularityStamp[key]! >= 0 && this.popularityStamp[key]! <= clock)) throw new Error(`popularity stamp of key ${key} is ${this.popularityStamp[key]}, not in [0, clock ${clock}]`);
    }
  }

  // ---- internals ------------------------------------------------------------------------

  private predictFrom(
    history: Uint32Array,
    base: number,
    length: number,
    session: number,
    slot: number,
    k: number,
    outKeys: Uint32Array,
    outProbabilities: Float64Array,
  ): number {
    const n = this.collect(history, base, length, session, slot);
    const want = Math.min(k, n, outKeys.length, outProbabilities.length);
    const weight = this.candWeight;
    const scores = this.candScore;
    // Partial selection sort on the candidates (k and n are small); ties keep first-seen order.
    for (let j = 0; j < want; j++) {
      let best = j;
      for (let c = j + 1; c < n; c++) if (scores[c]! > scores[best]!) best = c;
      if (best !== j) {
        const key = this.candKey[best]!;
        const score = scores[best]!;
        this.candKey.copyWithin(j + 1, j, best);
        scores.copyWithin(j + 1, j, best);
        this.candKey[j] = key;
        scores[j] = score;
      }
      outKeys[j] = this.candKey[j]!;
      outProbabilities[j] = weight > 0 ? scores[j]! / weight : 0;
    }
    this.clearCandidates(n);
    return want;
  }

  /**
   * Gathers the successors of every usable context of this history into the candidate scratch
   * (candKey/candScore, candPos by key) with their unnormalised scores; candWeight is the
   * normaliser. `slot` is the session's own history slot (position and re-request rate), or -1.
   * Returns the candidate count.
   */
  private collect(history: Uint32Array, base: number, length: number, session: number, slot: number): number {
    this.candCount = 0;
    this.candWeight = 0;
    const orders = this.hashContexts(history, base, length, session);
    if (this.lookahead > 1) return this.collectLookahead(history, base, length);
    const table = this.table;
    const perSession = this.options.sessionStats && session >= 0;
    const now = Math.max(0, this.clock - 1); // as of the latest request
    // Position context of this history: only for a session that holds its slot, where the slot's
    // request count is known.
    const position = this.positions > 0 && session >= 0 && slot >= 0 ? this.slotCount[slot]! : -1;
    const usePosition = position >= 0 && length > 0;
    if (usePosition) this.positionHash(position, history[base + length - 1]!);
    if (this.options.mode === 'fallback') {
      for (let o = orders; o >= 1; o--) {
        if (perSession && this.vote(table.find(this.sessionHashA[o]!, this.sessionHashB[o]!), 1, now, false)) break;
        if (o === 1 && usePosition && this.vote(table.find(this.positionA, this.positionB), 1, now, false)) break;
        if (this.vote(table.find(this.hashA[o]!, this.hashB[o]!), 1, now, false)) break;
      }
    } else {
      const { orderWeight, sessionWeight } = this.options;
      let w = 1;
      let voted = false;
      for (let o = 1; o <= orders; o++) {
        w *= orderWeight;
        if (this.vote(table.find(this.hashA[o]!, this.hashB[o]!), w, now, true)) voted = true;
        if (perSession && this.vote(table.find(this.sessionHashA[o]!, this.sessionHashB[o]!), w * sessionWeight, now, true)) voted = true;
      }
      if (usePosition && this.vote(table.find(this.positionA, this.positionB), orderWeight * orderWeight, now, true)) voted = true;
      // Unordered and skip contexts only add votes where an ordered context answered.
      if (!voted) return 0;
      if (this.unordered > 0) {
        const sizes = this.hashUnordered(history, base, length);
        let wu = orderWeight;
        for (let u = 2; u <= sizes; u++) {
          wu *= orderWeight;
          this.vote(table.find(this.unorderedA[u]!, this.unorderedB[u]!), wu, now, true);
        }
      }
      if (this.skip > 0) {
        const lags = this.hashSkips(history, base, length);
        let ws = orderWeight;
        for (let d = 2; d <= lags; d++) {
          ws *= 0.5;
          this.vote(table.find(this.skipA[d]!, this.skipB[d]!), ws, now, true);
        }
      }
    }
    if (this.recentWindow > 0 && this.candCount > 0 && length >= 2) this.applyRecency(history, base, length, slot);
    if (this.referrerTable !== null && slot >= 0 && this.candCount > 0) this.applyReferrer(this.referrerTable, history, base, length, slot, now);
    return this.candCount;
  }

  /**
   * Referrer votes (see options.referrerWeight): the keys requested with the referrer of the
   * session's latest request, except those among the history's last referrerWindow keys, scored
   * count/(total + 1) over the remaining keys, with weight referrerWeight × the vote mass so far.
   */
  private applyReferrer(table: StateTable, history: Uint32Array, base: number, length: number, slot: number, now: number): void {
    const referrer = this.slotReferrer[slot]!;
    if (referrer < 0) return;
    this.referrerHash(referrer);
    const s = table.find(this.referrerA, this.referrerB);
    if (s < 0 || !(table.total[s]! > 0)) return;
    const start = s * table.successorsPerState;
    const end = start + table.filled[s]!;
    // Mark the window's keys with a fresh generation: then "fetched already?" is one array read.
    if (this.windowGeneration === 0xffffffff) {
      this.windowMark.fill(0);
      this.windowGeneration = 0;
    }
    const mark = ++this.windowGeneration;
    for (let j = base + Math.max(0, length - this.options.referrerWindow); j < base + length; j++) {
      const key = history[j]!;
      if (key >= this.windowMark.length) this.growKeys(key);
      this.windowMark[key] = mark;
    }
    const fetched = this.windowMark;
    let remaining = 0;
    for (let j = start; j < end; j++) {
      const key = table.succKey[j]!;
      if (!(key < fetched.length && fetched[key] === mark)) remaining += table.succCount[j]!;
    }
    if (!(remaining > 0)) return;
    // Counts and total share one decay stamp: scale stored counts to now for the +1 prior.
    const factor = table.decayedTotal(s, now) / table.total[s]!;
    const live = remaining * factor;
    // Counts that decayed to nothing are no evidence (as in vote()): no candidates at probability 0.
    if (!(live > 0)) return;
    const mass = this.referrerWeight * this.candWeight;
    for (let j = start; j < end; j++) {
      const key = table.succKey[j]!;
      if (key < fetched.length && fetched[key] === mark) continue;
      this.addScore(key, (mass * table.succCount[j]! * factor) / (live + 1));
    }
    this.candWeight += (mass * live) / (live + 1);
  }

  /**
   * Recency (see options.recentWindow): candidates among the window's keys other than the current
   * one are scaled by min(1, recentScale·rate) and share recentBoost·rate of the vote mass (which
   * may add them as candidates). `rate` is the slot's re-request rate (RATE_PRIOR without a slot).
   */
  private applyRecency(history: Uint32Array, base: number, length: number, slot: number): void {
    const rate = slot >= 0 ? (RATE_PRIOR + this.slotRepeats[slot]!) / (1 + this.slotRequests[slot]!) : RATE_PRIOR;
    const penalty = Math.min(1, this.options.recentScale * rate);
    const boost = this.options.recentBoost * rate * this.candWeight;
    const current = history[base + length - 1]!;
    const mark = this.candMark;
    let distinct = 0;
    for (let j = Math.max(0, length - this.recentWindow); j < length - 1; j++) {
      const key = history[base + j]!;
      if (key === current) continue;
      if (key >= this.candPos.length) this.growKeys(key);
      let pos = this.candPos[key]!;
      if (pos < 0) {
        if (!(boost > 0)) continue;
        pos = this.candCount++;
        this.candPos[key] = pos;
        this.candKey[pos] = key;
        this.candScore[pos] = 0;
      }
      if (mark[pos] === 1) continue;
      mark[pos] = 1;
      distinct++;
      this.candScore[pos]! *= penalty;
    }
    if (distinct === 0) return;
    const share = boost / distinct;
    for (let c = 0; c < this.candCount; c++) {
      if (mark[c] === 1) {
        this.candScore[c]! += share;
        mark[c] = 0;
      }
    }
    this.candWeight += boost;
  }

  /** Counts one request of a slot for its re-request rate: a re-request if `key` is among the window's keys before the current one. */
  private countRepeat(slot: number, history: Uint32Array, base: number, length: number, key: number): void {
    const current = history[base + length - 1]!;
    let repeat = 0;
    if (key !== current) {
      for (let j = Math.max(0, length - this.recentWindow); j < length - 1; j++) {
        if (history[base + j] === key) {
          repeat = 1;
          break;
        }
      }
    }
    if (this.slotRequests[slot]! >= RATE_COUNT_LIMIT) {
      this.slotRequests[slot] = this.slotRequests[slot]! >>> 1;
      this.slotRepeats[slot] = this.slotRepeats[slot]! >>> 1;
    }
    this.slotRequests[slot]!++;
    this.slotRepeats[slot]! += repeat;
  }

  /** Adds state `s`'s successor distribution with weight `w` (× confidence total/(total+1)). */
  private vote(s: number, w: number, now: number, confidence: boolean): boolean {
    if (s < 0 || w <= 0) return false;
    const table = this.table;
    const stored = table.total[s]!;
    // Counts that decayed below the smallest double are forgotten: such a state carries no
    // evidence, and voting with it would give 0/0 probabilities (NaN) when no other state votes.
    const live = table.decayedTotal(s, now);
    if (!(stored > 0 && live > 0)) return false;
    let weight = w;
    if (confidence) weight *= live / (live + 1);
    this.candWeight += weight;
    const per = table.successorsPerState;
    const start = s * per;
    const end = start + table.filled[s]!;
    // Escape (PPM-C): d distinct successors leave d/(total+d) of the mass to unseen ones.
    // Counts and total share one decay stamp, so stored values give the current ratio.
    const denominator = this.options.escape ? stored + (end - start) * (stored / live) : stored;
    for (let j = start; j < end; j++) {
      const key = table.succKey[j]!;
      this.addScore(key, (weight * table.succCount[j]!) / denominator);
    }
    return true;
  }

  /** Adds `score` to the candidate `key`, entering it (at 0) first if it is not a candidate yet. */
  private addScore(key: number, score: number): void {
    if (key >= this.candPos.length) this.growKeys(key);
    let pos = this.candPos[key]!;
    if (pos < 0) {
      pos = this.candCount++;
      this.candPos[key] = pos;
      this.candKey[pos] = key;
      this.candScore[pos] = 0;
    }
    this.candScore[pos]! += score;
  }

  /**
   * Lookahead prediction: successors-within-the-window of the current key, each scored
   * (count − space-saving error)/(occurrences + lookaheadPrior), where occurrences = total of the key's order-1 state (hashA[1]).
   * candWeight is 1: scores are already probabilities (not exclusive; clipped to 1).
   */
  private collectLookahead(history: Uint32Array, base: number, length: number): number {
    this.candWeight = 1;
    if (length === 0) return 0;
    const table = this.table;
    const now = Math.max(0, this.clock - 1);
    const current = history[base + length - 1]!;
    const s = table.find(extendA(seedA(LOOKAHEAD_SCOPE, 0), current, 1), extendB(seedB(LOOKAHEAD_SCOPE, 0), current, 1));
    if (s < 0) return 0;
    const context = table.find(this.hashA[1]!, this.hashB[1]!);
    const occurrences = context < 0 ? 0 : table.decayedTotal(context, now);
    const live = table.decayedTotal(s, now);
    // Counts decayed to nothing (or an empty state) are no evidence: no prediction, not 0/0.
    if (!(live > 0 && occurrences + this.options.lookaheadPrior > 0)) return 0;
    const factor = live / table.total[s]!;
    const start = s * table.successorsPerState;
    const end = start + table.filled[s]!;
    for (let j = start; j < end; j++) {
      const key = table.succKey[j]!;
      if (key >= this.candPos.length) this.growKeys(key);
      const pos = this.candCount++;
      this.candPos[key] = pos;
      this.candKey[pos] = key;
      // Space-saving lower bound (count − error): overflowing windows inflate counts otherwise.
      this.candScore[pos] = Math.min(1, ((table.succCount[j]! - table.succError[j]!) * factor) / (occurrences + this.options.lookaheadPrior));
    }
    return this.candCount;
  }

  private clearCandidates(n: number): void {
    for (let c = 0; c < n; c++) this.candPos[this.candKey[c]!] = -1;
    this.candCount = 0;
  }

  /** Fills hashA/B[o] (and sessionHashA/B) for orders 1..min(length, order); returns that count. */
  private hashContexts(history: Uint32Array, base: number, length: number, session: number): number {
    const orders = Math.min(length, this.order);
    let a = this.sharedSeedA;
    let b = this.sharedSeedB;
    const perSession = this.sessionStats && session >= 0;
    let sa = perSession ? seedA(SESSION_SCOPE, session) : 0;
    let sb = perSession ? seedB(SESSION_SCOPE, session) : 0;
    for (let o = 1; o <= orders; o++) {
      const key = history[base + length - o]!;
      a = extendA(a, key, o);
      b = extendB(b, key, o);
      this.hashA[o] = a;
      this.hashB[o] = b;
      if (perSession) {
        sa = extendA(sa, key, o);
        sb = extendB(sb, key, o);
        this.sessionHashA[o] = sa;
        this.sessionHashB[o] = sb;
      }
    }
    return orders;
  }

  /**
   * Hashes the sets of the last u keys (u = 2..min(length, unordered)) into unorderedA/B[u]. The
   * hash of a set is order-independent: a sum of per-key mixes (one pass, no sorting), finished
   * with the set size. Returns min(length, unordered).
   */
  private hashUnordered(history: Uint32Array, base: number, length: number): number {
    const n = Math.min(length, this.unordered);
    let sumA = 0;
    let sumB = 0;
    for (let u = 1; u <= n; u++) {
      const key = history[base + length - u]!;
      sumA = (sumA + extendA(this.unorderedSeedA, key, 1)) | 0;
      sumB = (sumB + extendB(this.unorderedSeedB, key, 1)) | 0;
      if (u < 2) continue;
      this.unorderedA[u] = extendA(this.unorderedSeedA, sumA, u);
      this.unorderedB[u] = extendB(this.unorderedSeedB, sumB, u);
    }
    return n;
  }

  /** Hashes the skip contexts (lag d, key d back) for d = 2..min(length, skip) into skipA/B[d]; returns min(length, skip). */
  private hashSkips(history: Uint32Array, base: number, length: number): number {
    const n = Math.min(length, this.skip);
    for (let d = 2; d <= n; d++) {
      const key = history[base + length - d]!;
      this.skipA[d] = extendA(this.skipSeedA[d]!, key, 1);
      this.skipB[d] = extendB(this.skipSeedB[d]!, key, 1);
    }
    return n;
  }

  /** Hash of the referrer context of `referrer` into referrerA/B. */
  private referrerHash(referrer: number): void {
    this.referrerA = extendA(this.referrerSeedA, referrer, 1);
    this.referrerB = extendB(this.referrerSeedB, referrer, 1);
  }

  /** Hash of the position context (position, key) into positionA/B. */
  private positionHash(position: number, key: number): void {
    this.positionA = extendA(seedA(POSITION_SCOPE, position), key, 1);
    this.positionB = extendB(seedB(POSITION_SCOPE, position), key, 1);
  }

  /** The history slot of `session` if it holds it (the global stream's slot for no session), else -1. */
  private ownedSlot(session: number): number {
    const slot = this.slotOf(session);
    return this.slotOwner[slot] === (session >= 0 ? session : NO_SESSION) ? slot : -1;
  }

  private slotOf(session: number): number {
    return session >= 0 ? session % this.sessionSlots : this.sessionSlots;
  }

  /** The history slot of a session, emptied if another session held it. */
  private claimSlot(session: number): number {
    const slot = this.slotOf(session);
    const owner = session >= 0 ? session : NO_SESSION;
    if (this.slotOwner[slot] !== owner) {
      this.slotOwner[slot] = owner;
      this.slotLength[slot] = 0;
      this.slotCount[slot] = 0;
      if (this.recentWindow > 0) {
        this.slotRequests[slot] = 0;
        this.slotRepeats[slot] = 0;
      }
      if (this.referrerWeight > 0) this.slotReferrer[slot] = NO_REFERRER;
    }
    return slot;
  }

  private countPopularity(key: number, now: number): void {
    if (key >= this.popularity.length) this.growKeys(key);
    this.popularity[key] = this.popularity[key]! * this.decayOver(now - this.popularityStamp[key]!) + 1;
    this.popularityStamp[key] = now;
    this.popularityTotal = this.popularityTotal * this.stepDecay + 1;
  }

  private decayOver(elapsed: number): number {
    return this.stepDecay === 1 || elapsed === 0 ? 1 : Math.pow(2, -elapsed / this.options.halfLife);
  }

  /** Key-indexed arrays double when a larger key id arrives (amortised; ids are dense). */
  private growKeys(key: number): void {
    const n = Math.max(key + 1, this.popularity.length * 2);
    const popularity = new Float64Array(n);
    popularity.set(this.popularity);
    this.popularity = popularity;
    const stamp = new Float64Array(n);
    stamp.set(this.popularityStamp);
    this.popularityStamp = stamp;
    const pos = new Int32Array(n).fill(-1);
    pos.set(this.candPos);
    this.candPos = pos;
    if (this.referrerTable !== null) {
      const mark = new Uint32Array(n);
      mark.set(this.windowMark);
      this.windowMark = mark;
    }
  }

  // ---- persistence ----------------------------------------------------------------------

  /** The whole model as bytes (see serialization.ts for the format). */
  save(): Uint8Array {
    return encodeModel(this.exportState());
  }

  /** Rebuilds a saved model; it predicts and learns exactly as the saved one would have. */
  static load(bytes: Uint8Array): MarkovPredictor {
    const state = decodeModel(bytes);
    try {
      const model = new MarkovPredictor(state.options, state);
      // A file without a checksum (the older format) can hold anything: arrays that would predict
      // NaN, crash on a key id no model holds, or read past a state, are refused here.
      model.verify();
      return model;
    } catch (error) {
      if (error instanceof MarkovModelError) throw error;
      throw new MarkovModelError(0, (error as Error).message);
    }
  }

  /** A snapshot of the whole model (shares no arrays with the live model). */
  exportState(): PredictorState {
    const t = this.table;
    return {
      options: { ...this.options },
      clock: this.clock,
      lastSession: this.lastSession,
      popularityTotal: this.popularityTotal,
      liveStates: t.liveStates,
      arrays: {
        tagA: t.tagA.slice(),
        tagB: t.tagB.slice(),
        inUse: t.inUse.slice(),
        total: t.total.slice(),
        stamp: t.stamp.slice(),
        filled: t.filled.slice(),
        succKey: t.succKey.slice(),
        succCount: t.succCount.slice(),
        succError: t.succError.slice(),
        slotOwner: this.slotOwner.slice(),
        slotLength: this.slotLength.slice(),
        slotHistory: this.slotHistory.slice(),
        slotCount: this.slotCount.slice(),
        slotRequests: this.slotRequests.slice(),
        slotRepeats: this.slotRepeats.slice(),
        slotReferrer: this.slotReferrer.slice(),
        ...referrerArrays(this.referrerTable),
        popularity: this.popularity.slice(),
        popularityStamp: this.popularityStamp.slice(),
      },
    };
  }

  private restore(state: PredictorState): void {
    const t = this.table;
    const a = state.arrays;
    const copy = <T extends { length: number; set(src: ArrayLike<number>): void }>(name: string, into: T, from: ArrayLike<number>): void => {
      if (from.length !== into.length) throw new RangeError(`model array ${name} has ${from.length} entries, expected ${into.length}`);
      into.set(from);
    };
    copy('tagA', t.tagA, a.tagA);
    copy('tagB', t.tagB, a.tagB);
    copy('inUse', t.inUse, a.inUse);
    copy('total', t.total, a.total);
    copy('stamp', t.stamp, a.stamp);
    copy('filled', t.filled, a.filled);
    copy('succKey', t.succKey, a.succKey);
    copy('succCount', t.succCount, a.succCount);
    copy('succError', t.succError, a.succError);
    copy('slotOwner', this.slotOwner, a.slotOwner);
    copy('slotLength', this.slotLength, a.slotLength);
    copy('slotHistory', this.slotHistory, a.slotHistory);
    copy('slotCount', this.slotCount, a.slotCount);
    copy('slotRequests', this.slotRequests, a.slotRequests);
    copy('slotRepeats', this.slotRepeats, a.slotRepeats);
    copy('slotReferrer', this.slotReferrer, a.slotReferrer);
    const r = this.referrerTable;
    if (r === null) {
      if (a.referrerInUse.length > 0) throw new RangeError('model has a referrer table but referrerWeight is 0');
    } else {
      copy('referrerTagA', r.tagA, a.referrerTagA);
      copy('referrerTagB', r.tagB, a.referrerTagB);
      copy('referrerInUse', r.inUse, a.referrerInUse);
      copy('referrerTotal', r.total, a.referrerTotal);
      copy('referrerStamp', r.stamp, a.referrerStamp);
      copy('referrerFilled', r.filled, a.referrerFilled);
      copy('referrerSuccKey', r.succKey, a.referrerSuccKey);
      copy('referrerSuccCount', r.succCount, a.referrerSuccCount);
      copy('referrerSuccError', r.succError, a.referrerSuccError);
      // The state count is not saved: it is the number of slots in use.
      r.liveStates = a.referrerInUse.reduce((n, used) => n + used, 0);
    }
    if (a.popularity.length !== a.popularityStamp.length) throw new RangeError('model popularity arrays differ in length');
    this.popularity = a.popularity.slice();
    this.popularityStamp = a.popularityStamp.slice();
    this.candPos = new Int32Array(a.popularity.length).fill(-1);
    if (this.referrerTable !== null) this.windowMark = new Uint32Array(a.popularity.length);
    t.liveStates = state.liveStates;
    this.clock = state.clock;
    this.lastSession = state.lastSession;
    this.popularityTotal = state.popularityTotal;
  }
}

/** The referrer table's arrays for PredictorState (copies; empty when the table is off). */
function referrerArrays(t: StateTable | null): Pick<PredictorState['arrays'], `referrer${string}` & keyof PredictorState['arrays']> {
  return {
    referrerTagA: t ? t.tagA.slice() : new Int32Array(0),
    referrerTagB: t ? t.tagB.slice() : new Int32Array(0),
    referrerInUse: t ? t.inUse.slice() : new Uint8Array(0),
    referrerTotal: t ? t.total.slice() : new Float64Array(0),
    referrerStamp: t ? t.stamp.slice() : new Float64Array(0),
    referrerFilled: t ? t.filled.slice() : new Uint8Array(0),
    referrerSuccKey: t ? t.succKey.slice() : new Uint32Array(0),
    referrerSuccCount: t ? t.succCount.slice() : new Float64Array(0),
    referrerSuccError: t ? t.succError.slice() : new Float64Array(0),
  };
}
