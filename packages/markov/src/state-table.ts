/**
 * Bounded table of Markov states (contexts) and their successor counts, in typed arrays.
 *
 * States: set-associative (8 ways), addressed by a 64-bit context hash (two 32-bit halves; the
 * first picks the set, both are compared). A new context in a full set replaces the state with
 * the lowest decayed total, so at most `capacity = ⌊maxStates/8⌋·8` states ever exist.
 * Successors: a fixed block of `maxSuccessors` slots per state, maintained with space-saving
 * (a new successor in a full block takes the least frequent slot and its count + weight), so the
 * counts of a block always sum to the state's total.
 * Decay: lazy; each state remembers the clock of its last touch and scales its counts by
 * 2^(-elapsed/halfLife) when touched again. Nothing here allocates after construction.
 */
import { STATE_WAYS } from './options.js';

const DECAY_TABLE = 4096;

export class StateTable {
  readonly capacity: number;
  readonly sets: number;
  readonly successorsPerState: number;
  /** States in use (≤ capacity). */
  liveStates = 0;
  /** Context hash halves, per state. */
  readonly tagA: Int32Array;
  readonly tagB: Int32Array;
  /** 1 if the state slot is in use. */
  readonly inUse: Uint8Array;
  /** Decayed number of observations of the state, as of `stamp`. */
  readonly total: Float64Array;
  /** Clock (request count) when the state's counts were last brought up to date. */
  readonly stamp: Float64Array;
  /** Filled successor slots per state. */
  readonly filled: Uint8Array;
  /** Successor keys and counts: block of `successorsPerState` per state. */
  readonly succKey: Uint32Array;
  readonly succCount: Float64Array;
  /** Space-saving overestimate of each successor count (the count it inherited); count − error is a lower bound. */
  readonly succError: Float64Array;
  /** Whether counts decay (finite half-life). */
  private readonly decays: boolean;
  /** 2^(-e/halfLife) for e < DECAY_TABLE (the same values Math.pow gives, looked up). */
  private readonly decayTable: Float64Array;

  constructor(
    maxStates: number,
    maxSuccessors: number,
    private readonly halfLife: number,
  ) {
    this.sets = Math.max(1, Math.floor(maxStates / STATE_WAYS));
    this.capacity = this.sets * STATE_WAYS;
    this.successorsPerState = maxSuccessors;
    this.tagA = new Int32Array(this.capacity);
    this.tagB = new Int32Array(this.capacity);
    this.inUse = new Uint8Array(this.capacity);
    this.total = new Float64Array(this.capacity);
    this.stamp = new Float64Array(this.capacity);
    this.filled = new Uint8Array(this.capacity);
    this.succKey = new Uint32Array(this.capacity * maxSuccessors);
    this.succCount = new Float64Array(this.capacity * maxSuccessors);
    this.succError = new Float64Array(this.capacity * maxSuccessors);
    this.decays = Number.isFinite(halfLife);
    this.decayTable = new Float64Array(this.decays ? DECAY_TABLE : 0);
    for (let e = 0; e < this.decayTable.length; e++) this.decayTable[e] = Math.pow(2, -e / halfLife);
  }

  /** Bytes held by the table's arrays (constant). */
  bytes(): number {
    return (
      this.tagA.byteLength + this.tagB.byteLength + this.inUse.byteLength + this.total.byteLength +
      this.stamp.byteLength + this.filled.byteLength + this.succKey.byteLength + this.succCount.byteLength + this.succError.byteLength
    );
  }

  /** The state of a context, or -1. */
  find(a: number, b: number): number {
    const base = ((a >>> 0) % this.sets) * STATE_WAYS;
    for (let w = base; w < base + STATE_WAYS; w++) {
      if (this.inUse[w] === 1 && this.tagA[w] === a && this.tagB[w] === b) return w;
    }
    return -1;
  }

  /** The state of a context, created (possibly replacing the lightest state of its set) if absent. */
  findOrCreate(a: number, b: number, now: number): number {
    const base = ((a >>> 0) % this.sets) * STATE_WAYS;
    let free = -1;
    for (let w = base; w < base + STATE_WAYS; w++) {
      if (this.inUse[w] !== 1) {
        if (free < 0) free = w;
      } else if (this.tagA[w] === a && this.tagB[w] === b) {
        return w;
      }
    }
    let s = free;
    if (s >= 0) {
      this.liveStates++;
    } else {
      s = this.lightestIn(base, now);
    }
    this.inUse[s] = 1;
    this.tagA[s] = a;
    this.tagB[s] = b;
    this.total[s] = 0;
    this.stamp[s] = now;
    this.filled[s] = 0;
    return s;
  }

  /**
   * `observe(findOrCreate(a, b, now), key, now)` in one pass (the update hot path): same result,
   * fewer calls and array reads. Tags are compared before `inUse` (a free slot's tags are 0, so a
   * context hashing to exactly (0, 0) in both halves is still checked against `inUse`).
   */
  observeContext(a: number, b: number, key: number, now: number): void {
    const base = ((a >>> 0) % this.sets) * STATE_WAYS;
    const tagA = this.tagA;
    const tagB = this.tagB;
    const inUse = this.inUse;
    let free = -1;
    for (let w = base; w < base + STATE_WAYS; w++) {
      if (tagA[w] === a && tagB[w] === b && inUse[w] === 1) {
        this.observe(w, key, now);
        return;
      }
      if (free < 0 && inUse[w] !== 1) free = w;
    }
    let s = free;
    if (s >= 0) {
      this.liveStates++;
      inUse[s] = 1;
    } else {
      s = this.lightestIn(base, now);
    }
    // A new state with one observation of `key`.
    tagA[s] = a;
    tagB[s] = b;
    this.total[s] = 1;
    this.stamp[s] = now;
    this.filled[s] = 1;
    const j = s * this.successorsPerState;
    this.succKey[j] = key;
    this.succCount[j] = 1;
    this.succError[j] = 0;
  }

  /** The state of a full set (at `base`) with the lowest decayed total: the one a new context replaces (frequency-aware). */
  private lightestIn(base: number, now: number): number {
    let s = base;
    if (this.decays) {
      let lightest = this.decayedTotal(base, now);
      for (let w = base + 1; w < base + STATE_WAYS; w++) {
        const weight = this.decayedTotal(w, now);
        if (weight < lightest) {
          lightest = weight;
          s = w;
        }
      }
    } else {
      const total = this.total;
      let lightest = total[base]!;
      for (let w = base + 1; w < base + STATE_WAYS; w++) {
        if (total[w]! < lightest) {
          lightest = total[w]!;
          s = w;
        }
      }
    }
    return s;
  }

  /** Total of state `s` as of clock `now`, without changing it. */
  decayedTotal(s: number, now: number): number {
    const t = this.total[s]!;
    if (!this.decays) return t;
    return t * this.decayFactor(now - this.stamp[s]!);
  }

  /** Brings the counts of state `s` to clock `now`. Halving is exact at whole half-lives. */
  refresh(s: number, now: number): void {
    if (!this.decays) return;
    const elapsed = now - this.stamp[s]!;
    if (elapsed === 0) return;
    const factor = this.decayFactor(elapsed);
    this.total[s]! *= factor;
    const start = s * this.successorsPerState;
    const end = start + this.filled[s]!;
    // Successors whose count decayed below the smallest double (0) are forgotten, the rest keep
    // their order: a count of 0 would break "counts > 0, summing to the total" and count in PPM-C's d.
    let kept = start;
    for (let j = start; j < end; j++) {
      const count = this.succCount[j]! * factor;
      if (count === 0) continue;
      this.succKey[kept] = this.succKey[j]!;
      this.succCount[kept] = count;
      this.succError[kept] = this.succError[j]! * factor;
      kept++;
    }
    this.filled[s] = kept - start;
    this.stamp[s] = now;
  }

  /** 2^(-elapsed/halfLife); computed as a power of 2 so whole half-lives give exact halvings. */
  decayFactor(elapsed: number): number {
    return elapsed < this.decayTable.length ? this.decayTable[elapsed]! : Math.pow(2, -elapsed / this.halfLife);
  }

  /** Counts one observation of `key` after state `s` (space-saving when the block is full). */
  observe(s: number, key: number, now: number): void {
    this.refresh(s, now);
    const per = this.successorsPerState;
    const start = s * per;
    const n = this.filled[s]!;
    const keys = this.succKey;
    const counts = this.succCount;
    this.total[s]! += 1;
    let min = start;
    for (let j = start; j < start + n; j++) {
      if (keys[j] === key) {
        counts[j]! += 1;
        return;
      }
      if (counts[j]! < counts[min]!) min = j;
    }
    if (n < per) {
      keys[start + n] = key;
      counts[start + n] = 1;
      this.succError[start + n] = 0;
      this.filled[s] = n + 1;
      return;
    }
    // Space-saving: the newcomer takes the least frequent slot and its count (an overestimate
    // bounded by that count, remembered as its error), keeping the block's sum equal to the total.
    keys[min] = key;
    this.succError[min] = counts[min]!;
    counts[min]! += 1;
  }

  /** Count of `key` after state `s` as of `now` (0 if not kept). */
  successorCount(s: number, key: number, now: number): number {
    const start = s * this.successorsPerState;
    const end = start + this.filled[s]!;
    for (let j = start; j < end; j++) {
      if (this.succKey[j] === key) {
        const c = this.succCount[j]!;
        return !this.decays ? c : c * this.decayFactor(now - this.stamp[s]!);
      }
    }
    return 0;
  }

  /**
   * Throws on a broken invariant (tests, and loading a model file). `clock`: no state may have
   * been touched later; `maxKey`: the largest key id a successor may have.
   */
  verify(clock = Infinity, maxKey = 0xffffffff): void {
    let live = 0;
    for (let s = 0; s < this.capacity; s++) {
      if (this.inUse[s] === 0) continue;
      if (this.inUse[s] !== 1) throw new Error(`state ${s} has in use flag ${this.inUse[s]} (0 or 1)`);
      live++;
      const n = this.filled[s]!;
      if (n > this.successorsPerState) throw new Error(`state ${s} has ${n} successors > cap ${this.successorsPerState}`);
      if (!(this.total[s]! >= 0 && this.total[s]! < Infinity)) throw new Error(`state ${s} has total ${this.total[s]}`);
      if (!(this.stamp[s]! >= 0 && this.stamp[s]! <= clock)) throw new Error(`state ${s} has stamp ${this.stamp[s]}, not in [0, clock ${clock}]`);
      let sum = 0;
      const start = s * this.successorsPerState;
      for (let j = start; j < start + n; j++) {
        if (!(this.succCount[j]! > 0 && this.succCount[j]! < Infinity)) throw new Error(`state ${s} successor slot ${j - start} has count ${this.succCount[j]}`);
        if (this.succKey[j]! > maxKey) throw new Error(`state ${s} successor slot ${j - start} has key ${this.succKey[j]} > ${maxKey}`);
        // ≤, not <: decay can round a count and its error to the same subnormal (count − error stays a lower bound, 0).
        if (!(this.succError[j]! >= 0 && this.succError[j]! <= this.succCount[j]!)) throw new Error(`state ${s} successor slot ${j - start}: error ${this.succError[j]} not in [0, count]`);
        for (let i = start; i < j; i++) if (this.succKey[i] === this.succKey[j]) throw new Error(`state ${s} lists key ${this.succKey[j]} twice`);
        sum += this.succCount[j]!;
      }
      const total = this.total[s]!;
      if (Math.abs(sum - total) > 1e-9 * Math.max(1, total)) throw new Error(`state ${s}: successor counts sum to ${sum}, total is ${total}`);
    }
    if (live !== this.liveStates) throw new Error(`${live} states in use, counter says ${this.liveStates}`);
    if (live > this.capacity) throw new Error(`${live} states exceed the cap ${this.capacity}`);
  }
}
