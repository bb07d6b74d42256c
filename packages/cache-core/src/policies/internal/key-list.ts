/**
 * Index-linked doubly linked lists over dense key ids (lru-cache's layout): `next`/`prev` live in
 * Int32Arrays owned by a LinkStore, and several KeyLists can share one store as long as a key sits
 * in at most one of them at a time (e.g. ARC's T1/B1/T2/B2). Head = most recent, tail = oldest.
 * Nothing is allocated per operation.
 */
import { growInt32, grownSize } from './arrays.js';

export const NIL = -1;

export class LinkStore {
  next: Int32Array;
  prev: Int32Array;

  constructor(keySpace: number) {
    const n = Math.max(keySpace, 16);
    this.next = new Int32Array(n).fill(NIL);
    this.prev = new Int32Array(n).fill(NIL);
  }

  get size(): number {
    return this.next.length;
  }

  /** Makes room for key ids below `n`. */
  grow(n: number): void {
    if (n <= this.next.length) return;
    const m = grownSize(this.next.length, n);
    this.next = growInt32(this.next, m, NIL);
    this.prev = growInt32(this.prev, m, NIL);
  }

  bytes(): number {
    return this.next.byteLength + this.prev.byteLength;
  }
}

export class KeyList {
  head = NIL;
  tail = NIL;
  length = 0;

  constructor(readonly links: LinkStore) {}

  pushHead(key: number): void {
    const { next, prev } = this.links;
    prev[key] = NIL;
    next[key] = this.head;
    if (this.head !== NIL) prev[this.head] = key;
    else this.tail = key;
    this.head = key;
    this.length++;
  }

  pushTail(key: number): void {
    const { next, prev } = this.links;
    next[key] = NIL;
    prev[key] = this.tail;
    if (this.tail !== NIL) next[this.tail] = key;
    else this.head = key;
    this.tail = key;
    this.length++;
  }

  remove(key: number): void {
    const { next, prev } = this.links;
    const p = prev[key]!;
    const n = next[key]!;
    if (p !== NIL) next[p] = n;
    else this.head = n;
    if (n !== NIL) prev[n] = p;
    else this.tail = p;
    next[key] = NIL;
    prev[key] = NIL;
    this.length--;
  }

  moveToHead(key: number): void {
    if (this.head === key) return;
    this.remove(key);
    this.pushHead(key);
  }

  moveToTail(key: number): void {
    if (this.tail === key) return;
    this.remove(key);
    this.pushTail(key);
  }

  /** Removes and returns the tail (oldest) key, or NIL when empty. */
  popTail(): number {
    const key = this.tail;
    if (key !== NIL) this.remove(key);
    return key;
  }

  /**
   * Walks the list from head to tail, checking the links are consistent, and calls `visit` on each
   * key. Throws on a broken link, a cycle or a length mismatch. For verify() only.
   */
  walk(label: string, visit: (key: number) => void): void {
    const { next, prev } = this.links;
    let n = 0;
    let before = NIL;
    for (let k = this.head; k !== NIL; k = next[k]!) {
      if (prev[k] !== before) throw new Error(`${label}: prev link of key ${k} is ${prev[k]}, expected ${before}`);
      if (++n > this.length) throw new Error(`${label}: more than length=${this.length} nodes (cycle?)`);
      visit(k);
      before = k;
    }
    if (before !== this.tail) throw new Error(`${label}: tail is ${this.tail}, walk ended at ${before}`);
    if (n !== this.length) throw new Error(`${label}: length is ${this.length}, walked ${n}`);
  }
}
