/**
 * Base of the policies that keep each key they track in one of several index-linked lists over
 * one LinkStore (SLRU's segments, 2Q's A1in/Am/A1out, ARC's T1/T2/B1/B2, S3-FIFO's small, main and
 * ghost FIFOs, W-TinyLFU's window/probation/protected): `where[key]` names the list a key is in
 * (0 = none), the links and `where` grow with the key space, and verify() walks each list.
 */
import { growUint8 } from './arrays.js';
import { KeyedPolicy } from './base.js';
import { KeyList, LinkStore } from './key-list.js';

export abstract class SegmentedPolicy extends KeyedPolicy {
  protected readonly links: LinkStore;
  /** The list each key is in (the subclass's ids); 0 = none. */
  protected where: Uint8Array;

  constructor(name: string, capacity: number, keySpace: number | undefined) {
    super(name, capacity, keySpace);
    this.links = new LinkStore(this.keyCap);
    this.where = new Uint8Array(this.keyCap);
  }

  /** A new empty list over this policy's links. */
  protected newList(): KeyList {
    return new KeyList(this.links);
  }

  /** Subclasses with more key-indexed arrays grow them after calling this. */
  protected growKeys(n: number): void {
    this.links.grow(n);
    this.where = growUint8(this.where, n);
  }

  protected ownBytes(): number {
    return this.links.bytes() + this.where.byteLength;
  }

  /** verify() helper: walks `list` (checking its links) and each key's mark `id`; returns their total size. */
  protected walkSegment(list: KeyList, id: number): number {
    let total = 0;
    list.walk(`${this.name} list ${id}`, (k) => {
      if (this.where[k] !== id) throw new Error(`${this.name}: key ${k} in list ${id} is marked ${this.where[k]}`);
      total += this.size[k]!;
    });
    return total;
  }
}
