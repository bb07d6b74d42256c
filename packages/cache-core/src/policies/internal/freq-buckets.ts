/**
 * O(1) LFU structure (libCacheSim LFU.c; Shah, Mitra & Matani 2010): one FIFO bucket per
 * frequency over index-linked key lists, plus the lowest non-empty frequency. Within a bucket the
 * oldest key (the first to reach that frequency) sits at `first`, the newest at `last`.
 */
import { growInt32, growUint32, grownSize } from './arrays.js';
import { LinkStore, NIL } from './key-list.js';

export class FreqBuckets {
  readonly links: LinkStore;
  /** Frequency of each member key, 0 when not a member. */
  freq: Uint32Array;
  private first: Int32Array;
  private last: Int32Array;
  private bucketLength: Uint32Array;
  minFreq = 1;
  private maxFreq = 1;
  length = 0;

  constructor(keySpace: number) {
    this.links = new LinkStore(keySpace);
    this.freq = new Uint32Array(this.links.size);
    this.first = new Int32Array(64).fill(NIL);
    this.last = new Int32Array(64).fill(NIL);
    this.bucketLength = new Uint32Array(64);
  }

  growKeys(n: number): void {
    this.links.grow(n);
    if (this.freq.length < this.links.size) this.freq = growUint32(this.freq, this.links.size);
  }

  bytes(): number {
    return this.links.bytes() + this.freq.byteLength + this.first.byteLength + this.last.byteLength + this.bucketLength.byteLength;
  }

  has(key: number): boolean {
    return (this.freq[key] ?? 0) !== 0;
  }

  /** Adds `key` (not a member) with frequency `f` at the newest end of its bucket. */
  add(key: number, f: number): void {
    if (f >= this.first.length) this.growBuckets(f + 1);
    this.minFreq = this.length === 0 ? f : Math.min(this.minFreq, f);
    if (f > this.maxFreq) this.maxFreq = f;
    this.freq[key] = f;
    this.append(key, f);
    this.length++;
  }

  /** One more access to member `key`: moves it to the newest end of the next bucket. */
  touch(key: number): void {
    const f = this.freq[key]!;
    const g = f + 1;
    if (g >= this.first.length) this.growBuckets(g + 1);
    this.freq[key] = g;
    if (g > this.maxFreq) this.maxFreq = g;
    this.unlink(key, f);
    this.append(key, g);
    if (this.minFreq === f && this.bucketLength[f] === 0) this.updateMinFreq();
  }

  /** Removes member `key`. */
  delete(key: number): void {
    const f = this.freq[key]!;
    this.unlink(key, f);
    this.freq[key] = 0;
    this.length--;
    if (f === this.minFreq && this.bucketLength[f] === 0) this.updateMinFreq();
  }

  /** Oldest key of the lowest frequency (libCacheSim LFU's victim), or NIL when empty. */
  oldestOfMin(): number {
    return this.length === 0 ? NIL : this.first[this.minFreq]!;
  }

  /** Newest key of the lowest frequency (CR-LFU's victim, MRU among the least frequent). */
  newestOfMin(): number {
    return this.length === 0 ? NIL : this.last[this.minFreq]!;
  }

  private updateMinFreq(): void {
    for (let f = this.minFreq + 1; f <= this.maxFreq; f++) {
      if (this.bucketLength[f]! > 0) {
        this.minFreq = f;
        return;
      }
    }
  }

  private append(key: number, f: number): void {
    const { next, prev } = this.links;
    const tail = this.last[f]!;
    prev[key] = tail;
    next[key] = NIL;
    if (tail !== NIL) next[tail] = key;
    else this.first[f] = key;
    this.last[f] = key;
    this.bucketLength[f]!++;
  }

  private unlink(key: number, f: number): void {
    const { next, prev } = this.links;
    const p = prev[key]!;
    const n = next[key]!;
    if (p !== NIL) next[p] = n;
    else this.first[f] = n;
    if (n !== NIL) prev[n] = p;
    else this.last[f] = p;
    this.bucketLength[f]!--;
  }

  private growBuckets(n: number): void {
    const m = grownSize(this.first.length, n);
    this.first = growInt32(this.first, m, NIL);
    this.last = growInt32(this.last, m, NIL);
    this.bucketLength = growUint32(this.bucketLength, m);
  }

  /** Walks every bucket (verify() only): checks links, frequencies and the minimum; visits members. */
  walk(label: string, visit: (key: number) => void): void {
    let total = 0;
    let lowest = 0;
    for (let f = 1; f < this.first.length; f++) {
      let n = 0;
      let before = NIL;
      for (let k = this.first[f]!; k !== NIL; k = this.links.next[k]!) {
        if (this.links.prev[k] !== before) throw new Error(`${label}: broken prev link at key ${k} (freq ${f})`);
        if (this.freq[k] !== f) throw new Error(`${label}: key ${k} has freq ${this.freq[k]} but sits in bucket ${f}`);
        if (++n > this.bucketLength[f]!) throw new Error(`${label}: bucket ${f} is longer than its length`);
        visit(k);
        before = k;
      }
      if (before !== this.last[f]) throw new Error(`${label}: bucket ${f} ends at ${before}, last is ${this.last[f]}`);
      if (n !== this.bucketLength[f]) throw new Error(`${label}: bucket ${f} length ${this.bucketLength[f]}, walked ${n}`);
      if (n > 0 && lowest === 0) lowest = f;
      total += n;
    }
    if (total !== this.length) throw new Error(`${label}: length ${this.length}, walked ${total}`);
    if (total > 0 && lowest !== this.minFreq) throw new Error(`${label}: minFreq ${this.minFreq}, lowest bucket ${lowest}`);
  }
}
