/**
 * O(1) LFU structure (libCacheSim LFU.c; Shah, Mitra & Matani 2010): one FIFO bucket per
 * frequency present among the members, the buckets themselves in a list ordered by frequency
 * (lowest first), over index-linked key lists. Within a bucket the oldest key (the first to reach
 * that frequency) sits at `first`, the newest at `last`.
 *
 * Buckets are nodes from a pool that holds at most one node per member (plus one): memory follows
 * the number of members, never the highest frequency reached (a key hit 10^8 times costs no more
 * than one hit once).
 */
import { growInt32, growUint32, grownSize } from './arrays.js';
import { LinkStore, NIL } from './key-list.js';

export class FreqBuckets {
  readonly links: LinkStore;
  /** Bucket node of each member key, NIL when not a member. */
  private nodeOf: Int32Array;
  // Bucket nodes: frequency, first/last key, length, and the neighbouring buckets (by frequency).
  private nodeFreq: Uint32Array;
  private first: Int32Array;
  private last: Int32Array;
  private bucketLength: Uint32Array;
  private nodeNext: Int32Array;
  private nodePrev: Int32Array;
  /** Free node ids (a stack) and how many are on it. */
  private free: Int32Array;
  private freeCount = 0;
  /** Nodes handed out so far (ids below this have been used). */
  private nodesUsed = 0;
  /** Lowest-frequency bucket, NIL when empty. */
  private head = NIL;
  length = 0;

  constructor(keySpace: number) {
    this.links = new LinkStore(keySpace);
    this.nodeOf = new Int32Array(this.links.size).fill(NIL);
    const n = 64;
    this.nodeFreq = new Uint32Array(n);
    this.first = new Int32Array(n).fill(NIL);
    this.last = new Int32Array(n).fill(NIL);
    this.bucketLength = new Uint32Array(n);
    this.nodeNext = new Int32Array(n).fill(NIL);
    this.nodePrev = new Int32Array(n).fill(NIL);
    this.free = new Int32Array(n);
  }

  growKeys(n: number): void {
    this.links.grow(n);
    if (this.nodeOf.length < this.links.size) this.nodeOf = growInt32(this.nodeOf, this.links.size, NIL);
  }

  bytes(): number {
    return (
      this.links.bytes() +
      this.nodeOf.byteLength +
      this.nodeFreq.byteLength +
      this.first.byteLength +
      this.last.byteLength +
      this.bucketLength.byteLength +
      this.nodeNext.byteLength +
      this.nodePrev.byteLength +
      this.free.byteLength
    );
  }

  has(key: number): boolean {
    return (this.nodeOf[key] ?? NIL) !== NIL;
  }

  /** Frequency of member `key`, 0 when not a member. */
  frequency(key: number): number {
    const node = this.nodeOf[key] ?? NIL;
    return node === NIL ? 0 : this.nodeFreq[node]!;
  }

  /** Lowest frequency among the members (1 when empty). */
  get minFreq(): number {
    return this.head === NIL ? 1 : this.nodeFreq[this.head]!;
  }

  /**
   * Adds `key` (not a member) with frequency `f` at the newest end of its bucket. O(1) for f = 1
   * or a frequency at most the lowest; otherwise walks the buckets below f (LeCaR's resumed
   * frequencies), at most one per member.
   */
  add(key: number, f: number): void {
    let before = NIL;
    let node = this.head;
    while (node !== NIL && this.nodeFreq[node]! < f) {
      before = node;
      node = this.nodeNext[node]!;
    }
    if (node === NIL || this.nodeFreq[node] !== f) node = this.newNode(f, before);
    this.nodeOf[key] = node;
    this.append(key, node);
    this.length++;
  }

  /** One more access to member `key`: moves it to the newest end of the next bucket. */
  touch(key: number): void {
    const node = this.nodeOf[key]!;
    const g = this.nodeFreq[node]! + 1;
    let target = this.nodeNext[node]!;
    if (target === NIL || this.nodeFreq[target] !== g) target = this.newNode(g, node);
    this.unlink(key, node);
    this.nodeOf[key] = target;
    this.append(key, target);
  }

  /** Removes member `key`. */
  delete(key: number): void {
    this.unlink(key, this.nodeOf[key]!);
    this.nodeOf[key] = NIL;
    this.length--;
  }

  /** Oldest key of the lowest frequency (libCacheSim LFU's victim), or NIL when empty. */
  oldestOfMin(): number {
    return this.head === NIL ? NIL : this.first[this.head]!;
  }

  /** Newest key of the lowest frequency (CR-LFU's victim, MRU among the least frequent). */
  newestOfMin(): number {
    return this.head === NIL ? NIL : this.last[this.head]!;
  }

  private append(key: number, node: number): void {
    const { next, prev } = this.links;
    const tail = this.last[node]!;
    prev[key] = tail;
    next[key] = NIL;
    if (tail !== NIL) next[tail] = key;
    else this.first[node] = key;
    this.last[node] = key;
    this.bucketLength[node]!++;
  }

  /** Unlinks `key` from bucket `node`; an emptied bucket goes back to the pool. */
  private unlink(key: number, node: number): void {
    const { next, prev } = this.links;
    const p = prev[key]!;
    const n = next[key]!;
    if (p !== NIL) next[p] = n;
    else this.first[node] = n;
    if (n !== NIL) prev[n] = p;
    else this.last[node] = p;
    if (--this.bucketLength[node]! === 0) this.freeNode(node);
  }

  /** A new empty bucket of frequency `f`, linked right after `before` (NIL: as the head). */
  private newNode(f: number, before: number): number {
    let node: number;
    if (this.freeCount > 0) node = this.free[--this.freeCount]!;
    else {
      if (this.nodesUsed === this.nodeFreq.length) this.growNodes();
      node = this.nodesUsed++;
    }
    this.nodeFreq[node] = f;
    this.first[node] = NIL;
    this.last[node] = NIL;
    this.bucketLength[node] = 0;
    const after = before === NIL ? this.head : this.nodeNext[before]!;
    this.nodePrev[node] = before;
    this.nodeNext[node] = after;
    if (before === NIL) this.head = node;
    else this.nodeNext[before] = node;
    if (after !== NIL) this.nodePrev[after] = node;
    return node;
  }

  private freeNode(node: number): void {
    const p = this.nodePrev[node]!;
    const n = this.nodeNext[node]!;
    if (p === NIL) this.head = n;
    else this.nodeNext[p] = n;
    if (n !== NIL) this.nodePrev[n] = p;
    this.nodeNext[node] = NIL;
    this.nodePrev[node] = NIL;
    this.free[this.freeCount++] = node;
  }

  private growNodes(): void {
    const m = grownSize(this.nodeFreq.length, this.nodeFreq.length + 1);
    this.nodeFreq = growUint32(this.nodeFreq, m);
    this.first = growInt32(this.first, m, NIL);
    this.last = growInt32(this.last, m, NIL);
    this.bucketLength = growUint32(this.bucketLength, m);
    this.nodeNext = growInt32(this.nodeNext, m, NIL);
    this.nodePrev = growInt32(this.nodePrev, m, NIL);
    this.free = growInt32(this.free, m, 0);
  }

  /** Walks every bucket (verify() only): checks links, frequencies, order and the pool; visits members. */
  walk(label: string, visit: (key: number) => void): void {
    let total = 0;
    let buckets = 0;
    let lastFreq = 0;
    let before = NIL;
    for (let node = this.head; node !== NIL; node = this.nodeNext[node]!) {
      if (++buckets > this.nodesUsed) throw new Error(`${label}: bucket list longer than the nodes in use (cycle?)`);
      if (this.nodePrev[node] !== before) throw new Error(`${label}: broken bucket link at node ${node}`);
      const f = this.nodeFreq[node]!;
      if (!(f > lastFreq)) throw new Error(`${label}: bucket frequencies not increasing (${lastFreq} then ${f})`);
      let n = 0;
      let prevKey = NIL;
      for (let k = this.first[node]!; k !== NIL; k = this.links.next[k]!) {
        if (this.links.prev[k] !== prevKey) throw new Error(`${label}: broken prev link at key ${k} (freq ${f})`);
        if (this.nodeOf[k] !== node) throw new Error(`${label}: key ${k} in bucket ${f} records node ${this.nodeOf[k]}`);
        if (++n > this.bucketLength[node]!) throw new Error(`${label}: bucket ${f} is longer than its length`);
        visit(k);
        prevKey = k;
      }
      if (prevKey !== this.last[node]) throw new Error(`${label}: bucket ${f} ends at ${prevKey}, last is ${this.last[node]}`);
      if (n === 0 || n !== this.bucketLength[node]) throw new Error(`${label}: bucket ${f} length ${this.bucketLength[node]}, walked ${n}`);
      total += n;
      lastFreq = f;
      before = node;
    }
    if (total !== this.length) throw new Error(`${label}: length ${this.length}, walked ${total}`);
    if (buckets + this.freeCount !== this.nodesUsed) throw new Error(`${label}: ${buckets} buckets + ${this.freeCount} free != ${this.nodesUsed} nodes`);
  }
}
