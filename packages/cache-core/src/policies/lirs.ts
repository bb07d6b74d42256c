/**
 * LIRS, Low Inter-reference Recency Set (Jiang & Zhang, "LIRS: An Efficient Low Inter-reference
 * Recency Set Replacement Policy", SIGMETRICS 2002), following libCacheSim's LIRS.c step for step:
 * stack S (recency of LIR and HIR keys, resident or not), queue Q (resident HIR objects, 1% of the
 * capacity) and list NH (non-resident HIR keys still in S, so that S can be bounded to twice the
 * capacity). Sizes count in the cache's unit.
 *
 * Mapping onto the lookup → evict → insert loop: libCacheSim makes room for a miss in two places
 * (its can_insert, then its evict loop); here the first evict() call (or insert(), when no evict
 * is needed) runs the can_insert part, so the sequence of state changes is the same. S is bounded
 * after every request as libCacheSim's limitStack does.
 * An object larger than the HIR or LIR share is not admitted, and canInsert says so before the
 * simulator evicts anything for it, as libCacheSim's can_insert.
 * Departure from the paper, as in libCacheSim: a hit on a resident HIR block that is not in S first demotes LIR
 * blocks until the block would fit in the LIR share (the paper leaves the LIR set alone on that hit;
 * on web07 libCacheSim and the paper differ by at most 6 misses from 50 to 5,000 objects).
 * Departure from libCacheSim: when Q cannot hold both the demoted block and the hit block (hirLimit 1: every
 * object-mode capacity below 200 with the default hirRatio; in byte mode, when Q holds few objects),
 * that demotion pushes the hit block itself out of Q. libCacheSim then keeps its new S entry marked
 * resident without counting it, and serves its next request as a hit; here it is a non-resident HIR
 * entry, so the next request misses (see hitResidentHirInQ; test/policies/libcachesim-check.test.ts).
 * Parameters: hirRatio (0.01).
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { growUint8 } from './internal/arrays.js';
import { KeyList, LinkStore, NIL } from './internal/key-list.js';
import { checkRange, readParams } from './internal/params.js';

export const lirsParams = {
  hirRatio: { default: 0.01, doc: 'share of the capacity for resident HIR objects (queue Q)' },
} as const;

// Flag bits per key.
const IN_S = 1;
const LIR = 2; // status of the key's S entry
const S_RES = 4; // the S entry is resident (in_cache)
const IN_Q = 8;
const IN_NH = 16;

/** Kind of miss being admitted: decided once per miss by `prepare`. */
const NONE = 0;
const NR_HIR_IN_S = 1;
const NEW = 2;
const REJECT = 3;

export class LirsPolicy extends KeyedPolicy {
  private readonly sLinks: LinkStore;
  private readonly qLinks: LinkStore;
  private readonly nhLinks: LinkStore;
  private readonly s: KeyList;
  private readonly q: KeyList;
  private readonly nh: KeyList;
  private flags: Uint8Array;
  private readonly hirLimit: number;
  private readonly lirLimit: number;
  private lirCount = 0;
  private hirCount = 0;
  private sBytes = 0;
  private nonResident = 0;
  private preparedKey = NIL;
  /** The last key evict() pushed out of the cache (what evict() returns). */
  private lastEvicted = NIL;
  private preparedKind = NONE;

  constructor(options: PolicyOptions) {
    super('lirs', options.capacity, options.keySpace);
    const p = readParams(this.name, lirsParams, options.params);
    checkRange(this.name, 'hirRatio', p.hirRatio, 0, 1);
    this.hirLimit = Math.max(1, Math.floor(p.hirRatio * this.capacity));
    this.lirLimit = this.capacity - this.hirLimit;
    this.sLinks = new LinkStore(this.keyCap);
    this.qLinks = new LinkStore(this.keyCap);
    this.nhLinks = new LinkStore(this.keyCap);
    this.s = new KeyList(this.sLinks);
    this.q = new KeyList(this.qLinks);
    this.nh = new KeyList(this.nhLinks);
    this.flags = new Uint8Array(this.keyCap);
  }

  protected growKeys(n: number): void {
    this.sLinks.grow(n);
    this.qLinks.grow(n);
    this.nhLinks.grow(n);
    this.flags = growUint8(this.flags, n);
  }

  protected ownBytes(): number {
    return this.sLinks.bytes() + this.qLinks.bytes() + this.nhLinks.bytes() + this.flags.byteLength;
  }

  lookup(key: number): boolean {
    this.limitStack();
    this.preparedKey = NIL;
    const f = this.flags[key];
    if (f === undefined || f === 0) return false;
    // libCacheSim's LIRS_find: both stacks promote the key first.
    if (f & IN_S) this.s.moveToHead(key);
    if (f & IN_Q) this.q.moveToHead(key);
    let hit = false;
    if (f & IN_S) {
      if (f & LIR) {
        this.prune();
        hit = true;
      } else if (f & S_RES) {
        this.hitResidentHirInS(key);
        hit = true;
      }
    } else if (f & IN_Q) {
      this.hitResidentHirInQ(key);
      hit = true;
    }
    if (hit) {
      this.settle();
      this.limitStack();
    }
    return hit;
  }

  evict(incomingKey: number, incomingSize: number): number {
    const before = this.count;
    this.lastEvicted = NIL;
    if (this.preparedKey !== incomingKey) {
      this.prepare(incomingKey, incomingSize);
      if (this.used + incomingSize <= this.capacity) return this.lastEvicted; // the can_insert step made room
    }
    // libCacheSim's LIRS_evict
    if (this.preparedKind === NR_HIR_IN_S) {
      while (this.hirCount >= this.hirLimit && this.q.length > 0) this.evictHir();
      if (this.lirCount > 0) this.evictLir();
    } else if (this.preparedKind === NEW) {
      if (this.lirCount + incomingSize > this.lirLimit && this.hirCount + incomingSize > this.hirLimit && this.q.length > 0) {
        this.evictHir();
      }
    }
    if (this.count === before) {
      // Only for objects LIRS will not admit (REJECT) or degenerate tiny caches, where libCacheSim
      // would not evict at all: the simulator needs progress, so evict from Q, else demote an LIR block.
      if (this.q.length > 0) this.evictHir();
      else if (this.lirCount > 0) this.evictLir();
    }
    return this.lastEvicted;
  }

  /** The REJECT case of prepare() without its side effects: a new key larger than either share. */
  canInsert(key: number, size: number): boolean {
    if (((this.flags[key] ?? 0) & IN_S) !== 0) return true;
    return size <= this.lirLimit && size <= this.hirLimit;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.prepare(key, size);
    const kind = this.preparedKind;
    this.preparedKey = NIL;
    if (kind === REJECT) return;
    const f = this.flags[key]!;
    if (kind === NR_HIR_IN_S) {
      // The key's S entry (already at the top of S) becomes LIR and resident.
      this.flags[key] = f | LIR | S_RES;
      const s = this.size[key]!;
      this.lirCount += s;
      this.used += s;
      this.count++;
    } else {
      this.size[key] = size;
      this.pushS(key);
      if (this.lirCount + size <= this.lirLimit) {
        this.flags[key] = IN_S | LIR | S_RES;
        this.lirCount += size;
      } else {
        this.flags[key] = IN_S | S_RES;
        this.q.pushHead(key);
        this.flags[key]! |= IN_Q;
        this.hirCount += size;
      }
      this.used += size;
      this.count++;
    }
    this.settle();
    this.limitStack();
  }

  remove(key: number): boolean {
    if (!this.has(key)) return false;
    const f = this.flags[key]!;
    const size = this.size[key]!;
    if (f & IN_S) {
      this.removeS(key);
      if (f & LIR) {
        this.lirCount -= size;
        this.used -= size;
        this.count--;
        this.flags[key] = 0;
        // S may now hold no LIR block at all: prune it to the end, its top entry included, or a
        // block admitted as LIR later would sit above HIR entries at the bottom of S.
        this.prune(true);
        return true;
      }
      this.hirCount -= size;
      this.used -= size;
      this.count--;
      if (f & IN_Q) this.q.remove(key);
      this.flags[key] = 0;
      return true;
    }
    this.q.remove(key);
    this.hirCount -= size;
    this.used -= size;
    this.count--;
    this.flags[key] = 0;
    return true;
  }

  has(key: number): boolean {
    const f = this.flags[key] ?? 0;
    if (f & IN_S) return (f & (LIR | S_RES)) !== 0;
    return (f & IN_Q) !== 0;
  }

  /** libCacheSim's LIRS_can_insert for a miss on `key`, run once per miss. */
  private prepare(key: number, size: number): void {
    if (this.preparedKey === key) return;
    this.preparedKey = key;
    const f = this.flags[key] ?? 0;
    if (f & IN_S) {
      // a non-resident HIR block in S
      this.preparedKind = NR_HIR_IN_S;
      const s = this.size[key]!;
      while (this.lirCount + s > this.lirLimit && this.lirCount > 0) this.evictLir();
      if (this.flags[key]! & IN_NH) {
        this.nh.remove(key);
        this.flags[key]! &= ~IN_NH;
        this.nonResident -= s;
      }
      return;
    }
    if (size > this.lirLimit || size > this.hirLimit) {
      this.preparedKind = REJECT;
      return;
    }
    this.preparedKind = NEW;
    if (this.lirCount + size > this.lirLimit && this.hirCount + size > this.hirLimit) {
      while (this.hirCount + size > this.hirLimit && this.q.length > 0) this.evictHir();
    }
  }

  private pushS(key: number): void {
    this.s.pushHead(key);
    this.sBytes += this.size[key]!;
  }

  private removeS(key: number): void {
    this.s.remove(key);
    this.sBytes -= this.size[key]!;
  }

  /** A resident HIR block in S is hit: it becomes LIR (libCacheSim's hit_RD_HIRinS). */
  private hitResidentHirInS(key: number): void {
    const size = this.size[key]!;
    if (this.flags[key]! & IN_Q) {
      this.hirCount -= size;
      this.q.remove(key);
      this.flags[key]! &= ~IN_Q;
      this.used -= size;
      this.count--;
    }
    while (this.lirCount + size > this.lirLimit && this.lirCount > 0) this.evictLir();
    this.flags[key]! |= LIR;
    this.lirCount += size;
    this.used += size;
    this.count++;
  }

  /** A resident HIR block only in Q is hit: it re-enters S as resident HIR (hit_RD_HIRinQ). */
  private hitResidentHirInQ(key: number): void {
    const size = this.size[key]!;
    while (this.lirCount + size > this.lirLimit && this.lirCount > 0) this.evictLir();
    this.pushS(key);
    if (this.flags[key]! & IN_Q) {
      this.flags[key] = (this.flags[key]! & ~LIR) | IN_S | S_RES;
    } else {
      // Demoting LIR blocks pushed this key itself out of Q. libCacheSim then keeps an uncounted
      // "resident" S entry (its next request is a hit that re-admits it without a miss); here it
      // becomes what it is, a non-resident HIR entry. Happens whenever Q cannot hold two blocks: with
      // the default hirRatio, every object-mode capacity below 200 (web07 at 100 objects: request
      // 16,628), and in byte mode when Q holds few objects.
      this.flags[key] = (this.flags[key]! & ~(LIR | S_RES)) | IN_S | IN_NH;
      this.nh.pushHead(key);
      this.nonResident += size;
    }
  }

  /**
   * Restores the bottom of S to an LIR block after a request. A no-op while the paper's invariant
   * holds (always, outside tiny caches): with lirLimit 1 a hit on a resident HIR block can demote
   * the only LIR block and push the hit block itself out of Q (as in libCacheSim), leaving HIR
   * entries below the LIR blocks admitted later. Left there, evictLir() took an HIR entry for an
   * LIR block and corrupted the counters and NH.
   */
  private settle(): void {
    if (this.lirCount > 0 && this.s.length > 0 && !(this.flags[this.s.tail]! & LIR)) this.prune();
  }

  /** Moves the LIR block at the bottom of S to Q as resident HIR, then prunes S. */
  private evictLir(): void {
    // Within a request of a tiny cache HIR entries can still sit below the LIR blocks (see settle()).
    if (!(this.flags[this.s.tail]! & LIR)) this.prune(true);
    const key = this.s.tail;
    const size = this.size[key]!;
    this.lirCount -= size;
    this.removeS(key);
    this.flags[key]! &= ~(IN_S | LIR | S_RES);
    this.used -= size;
    this.count--;
    if (size <= this.hirLimit) {
      while (this.hirCount + size > this.hirLimit && this.q.length > 0) this.evictHir();
      this.q.pushHead(key);
      this.flags[key]! |= IN_Q;
      this.hirCount += size;
      this.used += size;
      this.count++;
    } else this.lastEvicted = key;
    this.prune();
  }

  /** Evicts the resident HIR block at the front of Q; its S entry, if any, becomes non-resident. */
  private evictHir(): void {
    const key = this.q.popTail();
    const size = this.size[key]!;
    this.lastEvicted = key;
    this.hirCount -= size;
    let f = this.flags[key]! & ~IN_Q;
    if (f & IN_S) {
      f &= ~S_RES;
      if (!(f & IN_NH)) {
        this.nh.pushHead(key);
        f |= IN_NH;
      } else this.nh.moveToHead(key);
      this.nonResident += size;
    }
    this.flags[key] = f;
    this.used -= size;
    this.count--;
  }

  /**
   * Removes HIR entries from the bottom of S until an LIR block is there (never the top entry,
   * unless `all`: after remove() of an LIR block, outside any request).
   */
  private prune(all = false): void {
    const s = this.s;
    let key = s.tail;
    while (key !== NIL && (all || key !== s.head)) {
      const f = this.flags[key]!;
      if (f & LIR) break;
      if (!(f & S_RES) && f & IN_NH) {
        this.nh.remove(key);
        this.nonResident -= this.size[key]!;
        this.flags[key] = f & ~IN_NH;
      }
      this.removeS(key);
      this.flags[key]! &= ~(IN_S | S_RES | LIR);
      key = s.tail;
    }
  }

  /** Bounds S to twice the capacity by forgetting the oldest non-resident HIR keys. */
  private limitStack(): void {
    while (this.sBytes > 2 * this.capacity) {
      const key = this.nh.popTail();
      if (key === NIL) break;
      const size = this.size[key]!;
      this.nonResident -= size;
      this.removeS(key);
      this.flags[key] = this.flags[key]! & ~(IN_NH | IN_S | S_RES | LIR);
    }
  }

  verify(): void {
    let sBytes = 0;
    let lir = 0;
    let used = 0;
    let count = 0;
    this.s.walk('lirs S', (k) => {
      const f = this.flags[k]!;
      if (!(f & IN_S)) throw new Error(`lirs: key ${k} in S lacks the IN_S flag`);
      sBytes += this.size[k]!;
      if (f & LIR) {
        lir += this.size[k]!;
        used += this.size[k]!;
        count++;
      }
    });
    let hir = 0;
    this.q.walk('lirs Q', (k) => {
      const f = this.flags[k]!;
      if (!(f & IN_Q)) throw new Error(`lirs: key ${k} in Q lacks the IN_Q flag`);
      if (f & LIR) throw new Error(`lirs: key ${k} in Q is LIR`);
      hir += this.size[k]!;
      used += this.size[k]!;
      count++;
    });
    this.nh.walk('lirs NH', (k) => {
      const f = this.flags[k]!;
      if (!(f & IN_NH) || !(f & IN_S) || f & S_RES) throw new Error(`lirs: key ${k} in NH has flags ${f}`);
    });
    if (sBytes !== this.sBytes) throw new Error(`lirs: S holds ${sBytes}, counter says ${this.sBytes}`);
    if (lir !== this.lirCount || hir !== this.hirCount) {
      throw new Error(`lirs: LIR/HIR ${lir}/${hir} differ from counters ${this.lirCount}/${this.hirCount}`);
    }
    // Stack pruning keeps an LIR block at the bottom of S, once there is one: a tiny cache can
    // demote its only LIR block (a hit on a resident HIR block with lirLimit 1, as libCacheSim).
    if (this.lirCount > 0 && this.s.length > 0 && !(this.flags[this.s.tail]! & LIR) && this.s.tail !== this.s.head) {
      throw new Error(`lirs: bottom of S (key ${this.s.tail}) is not LIR`);
    }
    this.checkTotals(count, used);
  }
}

export const lirsInfo: PolicyInfo = {
  name: 'lirs',
  factory: (options) => new LirsPolicy(options),
  summary: 'LIRS (Jiang & Zhang, SIGMETRICS 2002): inter-reference recency with stacks S and Q',
  params: lirsParams,
};
