/**
 * Differential tests: every policy with a well-defined reference is replayed through the real
 * simulator (Replayer) and, in lockstep, through a deliberately naive reference written here
 * (plain arrays, O(n) per request, independent of the typed-array code), on many small seeded
 * random traces (capacities, key spaces, skew, object sizes in byte mode, sizes that change between
 * requests of one key). Compared request by request: hit or miss, the keys evicted, and the
 * resident set (has()); verify() after every request. Also: remove() interleavings, warmup and
 * prefetch admission through the Replayer against a naive loop, miss-ratio-curve points against
 * the naive loop, and for every registered policy the consistency of remove()/has()/verify()/used
 * after random interleavings. ARC is compared in object mode only (its byte-mode variant is
 * libCacheSim's, checked by the golden tests); Belady's ties among never-again objects follow
 * the policy under test when its choice is one of them.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { builtinPolicies, createPolicy } from '../../src/policies/index.js';
import type { EvictionPolicy } from '../../src/policies/policy.js';
import { Replayer, type CapacityUnit, type Prefetcher } from '../../src/sim/replay.js';
import { missRatioCurve, mrcPoint } from '../../src/sim/mrc.js';
import { allocateBatch, type RequestBatch } from '../../src/traces/request.js';
import { computeNextAccess } from '../../src/traces/next-access.js';
import { CheckedPolicy, slice } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Seeded random traces

/** Uniform draws in [0, 1) from seedrandom (the project's one source of seeded randomness). */
function rng(seed: number): () => number {
  return seedrandom(`differential-${seed}`);
}

interface Trace {
  batch: RequestBatch;
  keys: number;
  capacity: number;
}

/**
 * A random trace: `keys` distinct keys, skewed by a power law; in byte mode sizes per key in
 * 1..maxSize, and some requests carry a different size than the key's usual one.
 */
function randomTrace(seed: number, unit: CapacityUnit): Trace {
  const r = rng(seed);
  // About one trace in sixteen has a larger key space (grows the key-indexed arrays and LFU's bucket pool).
  const wide = r() < 0.06;
  const keys = wide ? 60 + Math.floor(r() * 140) : 2 + Math.floor(r() * 30);
  const n = wide ? 300 + Math.floor(r() * 300) : 20 + Math.floor(r() * 200);
  const skew = 1 + r() * 3;
  const maxSize = unit === 'bytes' ? 1 + Math.floor(r() * 12) : 1;
  const sizeOf = Array.from({ length: keys }, () => 1 + Math.floor(r() * maxSize));
  const changeRate = unit === 'bytes' && r() < 0.5 ? 0.15 : 0;
  const batch = allocateBatch(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(Math.pow(r(), skew) * keys);
    batch.key[i] = k;
    // A changed size may be 0 (an access log's "-").
    batch.size[i] = r() < changeRate ? Math.floor(r() * maxSize * 1.5) : sizeOf[k]!;
    batch.time[i] = i;
  }
  batch.length = n;
  computeNextAccess(batch);
  const total = sizeOf.reduce((a, b) => a + b, 0);
  const capacity = unit === 'objects' ? 1 + Math.floor(r() * keys) : Math.floor(r() * total * 0.8) + (r() < 0.2 ? 0 : 1);
  return { batch, keys, capacity };
}

// ---------------------------------------------------------------------------------------------
// Naive references. Each keeps entries in plain arrays; index 0 is the newest end of a queue.

interface Entry {
  key: number;
  size: number;
  /** Policy-specific counter (CLOCK counter, SIEVE visited bit, S3-FIFO frequency, LFU frequency). */
  n: number;
  /** LFU: the tick at which the entry reached its current frequency. */
  t: number;
  /** Belady: next access (Infinity = never). */
  next: number;
}

interface Reference {
  /** Lookup of a request; ghosts may be updated, residency is not changed. */
  lookup(key: number, size: number, next: number): boolean;
  /** Evicts one resident object; `real` is the key the policy under test evicted (tie-breaking only). */
  evict(size: number, real: number): number;
  insert(key: number, size: number, next: number): void;
  /** Whether a missed key is admitted at all, asked before any eviction (absent: always). */
  canInsert?(key: number, size: number): boolean;
  remove(key: number): boolean;
  resident(): number[];
  used(): number;
}

const entry = (key: number, size: number, next = 0): Entry => ({ key, size, n: 0, t: 0, next });
const find = (list: Entry[], key: number): number => list.findIndex((e) => e.key === key);
const sum = (list: Entry[]): number => list.reduce((a, e) => a + e.size, 0);

/** A reference over one resident array with hooks for hit and victim choice. */
abstract class OneList implements Reference {
  q: Entry[] = [];
  lookup(key: number, _size: number, next: number): boolean {
    const i = find(this.q, key);
    if (i < 0) return false;
    this.hit(i, next);
    return true;
  }
  abstract hit(i: number, next: number): void;
  abstract evict(size: number, real: number): number;
  insert(key: number, size: number, next: number): void {
    this.q.unshift(entry(key, size, next));
  }
  remove(key: number): boolean {
    const i = find(this.q, key);
    if (i < 0) return false;
    this.q.splice(i, 1);
    return true;
  }
  resident(): number[] {
    return this.q.map((e) => e.key);
  }
  used(): number {
    return sum(this.q);
  }
}

class RefLru extends OneList {
  hit(i: number): void {
    this.q.unshift(...this.q.splice(i, 1));
  }
  evict(): number {
    return this.q.pop()!.key;
  }
}

class RefFifo extends OneList {
  hit(): void {}
  evict(): number {
    return this.q.pop()!.key;
  }
}

class RefClock extends OneList {
  constructor(private readonly max: number) {
    super();
  }
  hit(i: number): void {
    this.q[i]!.n = Math.min(this.q[i]!.n + 1, this.max);
  }
  evict(): number {
    for (;;) {
      const last = this.q[this.q.length - 1]!;
      if (last.n === 0) return this.q.pop()!.key;
      last.n--;
      this.q.unshift(this.q.pop()!);
    }
  }
}

/** SIEVE: the hand is a key (or null = start at the oldest); it walks towards the newest end. */
class RefSieve extends OneList {
  hand: number | null = null;
  hit(i: number): void {
    this.q[i]!.n = 1;
  }
  evict(): number {
    let i = this.hand === null ? this.q.length - 1 : find(this.q, this.hand);
    while (this.q[i]!.n === 1) {
      this.q[i]!.n = 0;
      i = i === 0 ? this.q.length - 1 : i - 1;
    }
    this.hand = i === 0 ? null : this.q[i - 1]!.key;
    return this.q.splice(i, 1)[0]!.key;
  }
  override remove(key: number): boolean {
    if (this.hand === key) {
      const i = find(this.q, key);
      this.hand = i === 0 ? null : this.q[i - 1]!.key;
    }
    return super.remove(key);
  }
}

/** LFU: lowest frequency first; among equals the one that reached that frequency first. */
class RefLfu extends OneList {
  tick = 0;
  hit(i: number): void {
    this.q[i]!.n++;
    this.q[i]!.t = this.tick++;
  }
  override insert(key: number, size: number): void {
    const e = entry(key, size);
    e.n = 1;
    e.t = this.tick++;
    this.q.push(e);
  }
  evict(): number {
    let best = 0;
    for (let i = 1; i < this.q.length; i++) {
      const a = this.q[i]!;
      const b = this.q[best]!;
      if (a.n < b.n || (a.n === b.n && a.t < b.t)) best = i;
    }
    return this.q.splice(best, 1)[0]!.key;
  }
}

/** Belady: evicts a resident object with the farthest next access (ties: the real policy's pick, if it is one of them). */
class RefBelady extends OneList {
  hit(i: number, next: number): void {
    this.q[i]!.next = next < 0 ? Infinity : next;
  }
  override insert(key: number, size: number, next: number): void {
    this.q.unshift(entry(key, size, next < 0 ? Infinity : next));
  }
  evict(_size: number, real: number): number {
    const far = Math.max(...this.q.map((e) => e.next));
    const candidates = this.q.filter((e) => e.next === far).map((e) => e.key);
    const victim = candidates.includes(real) ? real : candidates[0]!;
    this.q.splice(find(this.q, victim), 1);
    return victim;
  }
}

/** SLRU: probation and protected LRU segments; protected holds floor(capacity × ratio). */
class RefSlru implements Reference {
  prob: Entry[] = [];
  prot: Entry[] = [];
  constructor(private readonly protCap: number) {}
  lookup(key: number): boolean {
    let i = find(this.prot, key);
    if (i >= 0) {
      this.prot.unshift(...this.prot.splice(i, 1));
      return true;
    }
    i = find(this.prob, key);
    if (i < 0) return false;
    this.prot.unshift(...this.prob.splice(i, 1));
    while (sum(this.prot) > this.protCap && this.prot.length > 1) this.prob.unshift(this.prot.pop()!);
    return true;
  }
  evict(): number {
    return (this.prob.length > 0 ? this.prob.pop()! : this.prot.pop()!).key;
  }
  insert(key: number, size: number): void {
    this.prob.unshift(entry(key, size));
  }
  remove(key: number): boolean {
    for (const list of [this.prob, this.prot]) {
      const i = find(list, key);
      if (i >= 0) {
        list.splice(i, 1);
        return true;
      }
    }
    return false;
  }
  resident(): number[] {
    return [...this.prob, ...this.prot].map((e) => e.key);
  }
  used(): number {
    return sum(this.prob) + sum(this.prot);
  }
}

/** 2Q (full version): A1in FIFO, A1out ghost FIFO (sizes), Am LRU. */
class Ref2Q implements Reference {
  a1in: Entry[] = [];
  a1out: Entry[] = [];
  am: Entry[] = [];
  ghostHit = false;
  constructor(
    private readonly kin: number,
    private readonly kout: number,
  ) {}
  lookup(key: number): boolean {
    this.ghostHit = false;
    let i = find(this.am, key);
    if (i >= 0) {
      this.am.unshift(...this.am.splice(i, 1));
      return true;
    }
    if (find(this.a1in, key) >= 0) return true;
    i = find(this.a1out, key);
    if (i >= 0) {
      this.a1out.splice(i, 1);
      this.ghostHit = true;
    }
    return false;
  }
  evict(): number {
    if (this.a1in.length > 0 && (sum(this.a1in) > this.kin || this.am.length === 0)) {
      const y = this.a1in.pop()!;
      if (y.size <= this.kout) {
        this.a1out.unshift(y);
        while (sum(this.a1out) > this.kout) this.a1out.pop();
      }
      return y.key;
    }
    return this.am.pop()!.key;
  }
  insert(key: number, size: number): void {
    (this.ghostHit ? this.am : this.a1in).unshift(entry(key, size));
    this.ghostHit = false;
  }
  remove(key: number): boolean {
    for (const list of [this.a1in, this.am]) {
      const i = find(list, key);
      if (i >= 0) {
        list.splice(i, 1);
        return true;
      }
    }
    return false;
  }
  resident(): number[] {
    return [...this.a1in, ...this.am].map((e) => e.key);
  }
  used(): number {
    return sum(this.a1in) + sum(this.am);
  }
}

/** ARC as in the paper (Fig. 4), unit sizes, p real; the case IV ghost trimming happens when a miss must evict. */
class RefArc implements Reference {
  t1: number[] = [];
  t2: number[] = [];
  b1: number[] = [];
  b2: number[] = [];
  p = 0;
  ghost: 'b1' | 'b2' | null = null;
  constructor(private readonly c: number) {}
  lookup(key: number): boolean {
    this.ghost = null;
    let i = this.t1.indexOf(key);
    if (i >= 0) {
      this.t1.splice(i, 1);
      this.t2.unshift(key);
      return true;
    }
    i = this.t2.indexOf(key);
    if (i >= 0) {
      this.t2.splice(i, 1);
      this.t2.unshift(key);
      return true;
    }
    if (this.b1.includes(key)) {
      const d = this.b1.length >= this.b2.length ? 1 : this.b2.length / this.b1.length;
      this.p = Math.min(this.p + d, this.c);
      this.b1.splice(this.b1.indexOf(key), 1);
      this.ghost = 'b1';
    } else if (this.b2.includes(key)) {
      const d = this.b2.length >= this.b1.length ? 1 : this.b1.length / this.b2.length;
      this.p = Math.max(this.p - d, 0);
      this.b2.splice(this.b2.indexOf(key), 1);
      this.ghost = 'b2';
    }
    return false;
  }
  private replace(): number {
    const n1 = this.t1.length;
    if (n1 >= 1 && ((this.ghost === 'b2' && n1 === this.p) || n1 > this.p || this.t2.length === 0)) {
      const y = this.t1.pop()!;
      this.b1.unshift(y);
      return y;
    }
    const y = this.t2.pop()!;
    this.b2.unshift(y);
    return y;
  }
  evict(): number {
    if (this.ghost) return this.replace();
    const l1 = this.t1.length + this.b1.length;
    if (l1 >= this.c) {
      // The paper's "|T1| < c" (with |L1| = c: B1 is not empty). After a remove() |L1| can exceed c
      // with T1 full; like libCacheSim, B1 then still gives up its oldest ghost.
      if (this.b1.length > 0) {
        this.b1.pop();
        return this.replace();
      }
      return this.t1.pop()!;
    }
    if (l1 + this.t2.length + this.b2.length >= 2 * this.c && this.b2.length > 0) this.b2.pop();
    return this.replace();
  }
  insert(key: number): void {
    (this.ghost ? this.t2 : this.t1).unshift(key);
    this.ghost = null;
  }
  remove(key: number): boolean {
    for (const list of [this.t1, this.t2]) {
      const i = list.indexOf(key);
      if (i >= 0) {
        list.splice(i, 1);
        return true;
      }
    }
    return false;
  }
  resident(): number[] {
    return [...this.t1, ...this.t2];
  }
  used(): number {
    return this.t1.length + this.t2.length;
  }
}

/** S3-FIFO as its file documents (libCacheSim S3FIFO.c, original admission). */
class RefS3Fifo implements Reference {
  small: Entry[] = [];
  main: Entry[] = [];
  ghost: Entry[] = [];
  ghostHit = false;
  readonly smallCap: number;
  readonly mainCap: number;
  readonly ghostCap: number;
  constructor(
    capacity: number,
    private readonly threshold = 2,
    smallRatio = 0.1,
    ghostRatio = 0.9,
  ) {
    this.smallCap = Math.floor(capacity * smallRatio);
    this.mainCap = capacity - this.smallCap;
    this.ghostCap = Math.floor(capacity * ghostRatio);
  }
  lookup(key: number): boolean {
    this.ghostHit = false;
    for (const list of [this.small, this.main]) {
      const i = find(list, key);
      if (i >= 0) {
        list[i]!.n++;
        return true;
      }
    }
    const g = find(this.ghost, key);
    if (g >= 0) {
      this.ghost.splice(g, 1);
      this.ghostHit = true;
    }
    return false;
  }
  // Like libCacheSim, the queues' occupancy is in bytes: a small FIFO holding only objects of size 0 counts as empty.
  evict(): number {
    for (;;) {
      if (sum(this.main) > this.mainCap || sum(this.small) === 0) {
        while (sum(this.main) > 0) {
          const e = this.main.pop()!;
          if (e.n >= 1) {
            e.n = Math.min(e.n, 3) - 1;
            this.main.unshift(e);
          } else return e.key;
        }
      } else {
        while (sum(this.small) > 0) {
          const e = this.small.pop()!;
          if (e.n >= this.threshold) {
            e.n = 0;
            this.main.unshift(e);
          } else {
            if (e.size <= this.ghostCap) {
              this.ghost.unshift(entry(e.key, e.size));
              while (sum(this.ghost) > this.ghostCap) this.ghost.pop();
            }
            return e.key;
          }
        }
      }
    }
  }
  // Nothing larger than the small FIFO is admitted, ghost hits included; one of exactly its size is
  // evicted for and then declined (unless a ghost hit sends it to main).
  canInsert(_key: number, size: number): boolean {
    return size <= this.smallCap;
  }
  insert(key: number, size: number): void {
    if (this.ghostHit) this.main.unshift(entry(key, size));
    else if (size < this.smallCap) this.small.unshift(entry(key, size));
    this.ghostHit = false;
  }
  remove(key: number): boolean {
    for (const list of [this.small, this.main]) {
      const i = find(list, key);
      if (i >= 0) {
        list.splice(i, 1);
        return true;
      }
    }
    return false;
  }
  resident(): number[] {
    return [...this.small, ...this.main].map((e) => e.key);
  }
  used(): number {
    return sum(this.small) + sum(this.main);
  }
}

interface Case {
  name: string;
  params?: Record<string, number | boolean>;
  units: CapacityUnit[];
  ref: (capacity: number) => Reference;
}

const CASES: Case[] = [
  { name: 'lru', units: ['objects', 'bytes'], ref: () => new RefLru() },
  { name: 'fifo', units: ['objects', 'bytes'], ref: () => new RefFifo() },
  { name: 'clock', units: ['objects', 'bytes'], ref: () => new RefClock(1) },
  { name: 'clock', params: { bits: 2 }, units: ['objects', 'bytes'], ref: () => new RefClock(3) },
  { name: 'sieve', units: ['objects', 'bytes'], ref: () => new RefSieve() },
  { name: 'lfu', units: ['objects', 'bytes'], ref: () => new RefLfu() },
  { name: 'slru', units: ['objects', 'bytes'], ref: (c) => new RefSlru(Math.floor(c * 0.8)) },
  { name: 'slru', params: { protectedRatio: 0.3 }, units: ['objects', 'bytes'], ref: (c) => new RefSlru(Math.floor(c * 0.3)) },
  { name: '2q', units: ['objects', 'bytes'], ref: (c) => new Ref2Q(Math.floor(c * 0.25), Math.floor(c * 0.5)) },
  { name: '2q', params: { kinRatio: 0.5, koutRatio: 1.5 }, units: ['objects', 'bytes'], ref: (c) => new Ref2Q(Math.floor(c * 0.5), Math.floor(c * 1.5)) },
  { name: 'arc', units: ['objects'], ref: (c) => new RefArc(c) },
  { name: 's3fifo', units: ['objects', 'bytes'], ref: (c) => new RefS3Fifo(c) },
  {
    name: 's3fifo',
    params: { smallSizeRatio: 0.3, ghostSizeRatio: 0.5, moveToMainThreshold: 1 },
    units: ['objects', 'bytes'],
    ref: (c) => new RefS3Fifo(c, 1, 0.3, 0.5),
  },
  { name: 'belady', units: ['objects', 'bytes'], ref: () => new RefBelady() },
];

const sorted = (keys: number[]): number[] => [...keys].sort((a, b) => a - b);

function residentOf(policy: EvictionPolicy, keys: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < keys; k++) if (policy.has(k)) out.push(k);
  return out;
}

/**
 * Replays `trace` through the real Replayer and the reference in lockstep (with random remove()
 * calls when `removeRate` > 0); returns the first difference, or null.
 */
function compare(c: Case, unit: CapacityUnit, trace: Trace, removeRate: number, seed: number): string | null {
  const { batch, keys, capacity } = trace;
  // Key space 0: afterRequest (which walks it) is not used here; the contract checks and the evicted list are.
  const real = new CheckedPolicy(createPolicy(c.name, { capacity, keySpace: 4, ...(c.params ? { params: c.params } : {}) }), 0);
  const replayer = new Replayer(real, { unit });
  const ref = c.ref(capacity);
  const r = rng(seed);
  let hits = 0;
  for (let i = 0; i < batch.length; i++) {
    const key = batch.key[i]!;
    const size = unit === 'bytes' ? batch.size[i]! : 1;
    const next = batch.nextAccess[i]!;
    real.evicted = [];
    replayer.feed(slice(batch, i));
    const realHit = replayer.result().hits > hits;
    hits = replayer.result().hits;
    const refEvicted: number[] = [];
    const refHit = ref.lookup(key, size, next);
    if (!refHit && size <= capacity && (ref.canInsert?.(key, size) ?? true)) {
      while (ref.used() + size > capacity && ref.resident().length > 0) refEvicted.push(ref.evict(size, real.evicted[refEvicted.length] ?? -1));
      ref.insert(key, size, next);
    }
    const at = `request ${i} (key ${key}, size ${size})`;
    if (realHit !== refHit) return `${at}: real ${realHit ? 'hit' : 'miss'}, reference ${refHit ? 'hit' : 'miss'}`;
    if (real.evicted.join() !== refEvicted.join()) return `${at}: real evicted [${real.evicted}], reference [${refEvicted}]`;
    const a = residentOf(real, keys);
    const b = sorted(ref.resident());
    if (a.join() !== b.join()) return `${at}: real holds [${a}], reference [${b}]`;
    if (real.used !== ref.used() || real.count !== b.length) return `${at}: real used/count ${real.used}/${real.count}, reference ${ref.used()}/${b.length}`;
    real.verify();
    if (removeRate > 0 && r() < removeRate) {
      const k = Math.floor(r() * keys);
      const x = real.remove(k);
      const y = ref.remove(k);
      if (x !== y) return `${at}: remove(${k}) real ${x}, reference ${y}`;
      if (real.has(k)) return `${at}: ${k} still resident after remove`;
      real.verify();
    }
  }
  return null;
}

// DIFF_TRACES=3000 for a longer search (about a minute a thousand); the default keeps the file at a few seconds.
const TRACES = Number(process.env.DIFF_TRACES ?? 45);

describe('differential: policies against naive references, request by request', () => {
  for (const c of CASES) {
    for (const unit of c.units) {
      const label = `${c.name}${c.params ? ` ${JSON.stringify(c.params)}` : ''} (${unit})`;
      it(`${label}: ${TRACES} random traces, then ${TRACES / 3} with remove() interleaved`, () => {
        for (let s = 0; s < TRACES; s++) {
          const trace = randomTrace(1000 + s, unit);
          expect({ seed: 1000 + s, capacity: trace.capacity, diff: compare(c, unit, trace, 0, s) }).toEqual({ seed: 1000 + s, capacity: trace.capacity, diff: null });
        }
        if (c.name === 'belady') return; // remove() has no reference meaning for an oracle
        for (let s = 0; s < TRACES / 3; s++) {
          const trace = randomTrace(5000 + s, unit);
          expect({ seed: 5000 + s, capacity: trace.capacity, diff: compare(c, unit, trace, 0.1, s) }).toEqual({ seed: 5000 + s, capacity: trace.capacity, diff: null });
        }
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// The simulator: warmup and prefetch admission, against a naive replay loop over the references.

interface NaiveStats {
  requests: number;
  hits: number;
  misses: number;
  bytesRequested: number;
  bytesMissed: number;
  prefetchesIssued: number;
  prefetchHits: number;
  prefetchBytes: number;
}

/**
 * The documented replay loop, naively: lookup; on a miss admit unless larger than the cache or
 * declined by the policy's canInsert (evict until it fits); the first `warmup` requests are not counted; after each request the
 * predicted keys that were seen before, are not resident and are not the current key are looked
 * up and admitted with their last-seen size; a prefetch counts as issued when the key is then
 * resident and the request is counted; a later demand hit on it counts as a prefetch hit.
 */
function naiveReplay(ref: Reference, trace: Trace, unit: CapacityUnit, warmup: number, predictions: number[][] | null): { stats: NaiveStats; pattern: string } {
  const { batch, capacity } = trace;
  const s: NaiveStats = { requests: 0, hits: 0, misses: 0, bytesRequested: 0, bytesMissed: 0, prefetchesIssued: 0, prefetchHits: 0, prefetchBytes: 0 };
  const flags = new Map<number, 'counted' | 'warmup'>();
  const lastSize = new Map<number, number>();
  const resident = (k: number): boolean => ref.resident().includes(k);
  const admit = (k: number, size: number, next: number): void => {
    if (size > capacity || !(ref.canInsert?.(k, size) ?? true)) return;
    while (ref.used() + size > capacity && ref.resident().length > 0) ref.evict(size, -1);
    ref.insert(k, size, next);
  };
  let pattern = '';
  for (let i = 0; i < batch.length; i++) {
    const key = batch.key[i]!;
    const realSize = batch.size[i]!;
    const size = unit === 'bytes' ? realSize : 1;
    const counted = i >= warmup;
    const hit = ref.lookup(key, size, batch.nextAccess[i]!);
    pattern += hit ? 'H' : 'M';
    if (counted) {
      s.requests++;
      s.bytesRequested += realSize;
      if (hit) s.hits++;
      else {
        s.misses++;
        s.bytesMissed += realSize;
      }
    }
    if (hit && flags.get(key) === 'counted' && counted) s.prefetchHits++;
    flags.delete(key);
    if (!hit) admit(key, size, batch.nextAccess[i]!);
    lastSize.set(key, realSize);
    for (const p of predictions?.[i] ?? []) {
      if (p === key || !lastSize.has(p) || resident(p)) continue;
      const real = lastSize.get(p)!;
      const psize = unit === 'bytes' ? real : 1;
      ref.lookup(p, psize, -2);
      admit(p, psize, -2);
      if (!resident(p)) continue;
      flags.set(p, counted ? 'counted' : 'warmup');
      if (counted) {
        s.prefetchesIssued++;
        s.prefetchBytes += real;
      }
    }
  }
  return { stats: s, pattern };
}

describe('differential: the replay loop (warmup, prefetch admission) against a naive loop', () => {
  const prefetchCases = CASES.filter((c) => c.name !== 'belady');
  for (const c of prefetchCases) {
    for (const unit of c.units) {
      const label = `${c.name}${c.params ? ` ${JSON.stringify(c.params)}` : ''} (${unit})`;
      it(`${label}: ${TRACES / 3} traces with a random warmup and random predictions`, () => {
        for (let s = 0; s < TRACES / 3; s++) {
          const seed = 9000 + s;
          const trace = randomTrace(seed, unit);
          const r = rng(seed * 7);
          const n = trace.batch.length;
          const warmup = r() < 0.3 ? 0 : Math.floor(r() * (n - 1));
          const degree = 1 + Math.floor(r() * 4);
          // Predictions include keys never requested (no known size) and the current key.
          const predictions = Array.from({ length: n }, (_, i) =>
            r() < 0.4 ? [] : Array.from({ length: 1 + Math.floor(r() * degree) }, () => (r() < 0.1 ? trace.batch.key[i]! : Math.floor(r() * (trace.keys + 3)))),
          );
          let pattern = '';
          const prefetcher: Prefetcher = {
            observe: (_b, _i, hit) => {
              pattern += hit ? 'H' : 'M';
            },
            predict: (out) => {
              const list = predictions[pattern.length - 1]!;
              list.forEach((k, j) => (out[j] = k));
              return list.length;
            },
          };
          const policy = createPolicy(c.name, { capacity: trace.capacity, keySpace: 4, ...(c.params ? { params: c.params } : {}) });
          const replayer = new Replayer(policy, { unit, warmup, prefetcher, prefetchDegree: degree });
          replayer.feed(trace.batch);
          const real = replayer.result();
          const expected = naiveReplay(c.ref(trace.capacity), trace, unit, warmup, predictions);
          const { missRatio: _m, byteMissRatio: _b, prefetchAccuracy: _a, ...figures } = real;
          expect({ seed, warmup, figures, pattern }).toEqual({ seed, warmup, figures: expected.stats, pattern: expected.pattern });
        }
      });
    }
  }
});

describe('differential: miss-ratio-curve points against the naive loop at each capacity', () => {
  it('lru, fifo, clock, sieve, lfu, slru, 2q, arc, s3fifo, belady: 6 traces × 4 capacities, objects and bytes, with a warmup', async () => {
    const named = CASES.filter((c) => !c.params);
    for (let s = 0; s < 6; s++) {
      for (const unit of ['objects', 'bytes'] as const) {
        const seed = 7000 + s;
        const trace = randomTrace(seed, unit);
        const total = unit === 'objects' ? trace.keys : trace.capacity * 2 + 4;
        const capacities = [...new Set([1, Math.ceil(total / 4), Math.ceil(total / 2), total + 1])];
        const warmup = s % 3 === 0 ? 0 : Math.floor(trace.batch.length / 3);
        const policies = named.filter((c) => c.units.includes(unit));
        const curve = await missRatioCurve(trace.batch, trace.keys, {
          policies: policies.map((c) => c.name),
          capacities,
          unit,
          warmup,
          workers: s === 0 ? 1 : 0,
        });
        for (const c of policies) {
          for (const capacity of capacities) {
            const { stats } = naiveReplay(c.ref(capacity), { ...trace, capacity }, unit, warmup, null);
            const point = mrcPoint(curve, c.name, capacity).stats;
            expect({ seed, unit, policy: c.name, capacity, misses: point.misses, bytesMissed: point.bytesMissed, requests: point.requests }).toEqual({
              seed,
              unit,
              policy: c.name,
              capacity,
              misses: stats.misses,
              bytesMissed: stats.bytesMissed,
              requests: stats.requests,
            });
          }
        }
      }
    }
  });
});

describe('every policy: remove(), has(), verify() after random interleavings of requests and removals', () => {
  for (const info of builtinPolicies) {
    for (const unit of ['objects', 'bytes'] as const) {
      it(`${info.name} (${unit}): ${TRACES / 3} traces; the resident set, used and count stay consistent`, () => {
        for (let s = 0; s < TRACES / 3; s++) {
          const seed = 11000 + s;
          const trace = randomTrace(seed, unit);
          const { batch, keys, capacity } = trace;
          const policy = createPolicy(info.name, { capacity, keySpace: 4, seed });
          const replayer = new Replayer(policy, { unit });
          const admitted = new Map<number, number>();
          const r = rng(seed);
          const check = (at: string): void => {
            policy.verify();
            const resident = residentOf(policy, keys);
            // LIRS re-admits a non-resident HIR block of S with the size its S entry remembers
            // (libCacheSim's LIRS_insert), not the request's: compare used only where sizes are kept per key.
            const used = info.name === 'lirs' && unit === 'bytes' ? policy.used : resident.reduce((a, k) => a + admitted.get(k)!, 0);
            expect({ seed, at, count: policy.count, used: policy.used, fits: policy.used <= capacity }).toEqual({ seed, at, count: resident.length, used, fits: true });
          };
          for (let i = 0; i < batch.length; i++) {
            const key = batch.key[i]!;
            const was = policy.has(key);
            replayer.feed(slice(batch, i));
            if (!was && policy.has(key)) admitted.set(key, unit === 'bytes' ? batch.size[i]! : 1);
            check(`request ${i}`);
            if (r() < 0.15) {
              const k = Math.floor(r() * keys);
              const resident = policy.has(k);
              expect({ seed, i, k, removed: policy.remove(k), after: policy.has(k) }).toEqual({ seed, i, k, removed: resident, after: false });
              check(`remove ${k} after request ${i}`);
            }
          }
        }
      });
    }
  }
});
