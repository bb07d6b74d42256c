/**
 * Maps original keys (integers or strings) to dense ids 0, 1, 2, ... in order of first
 * appearance. Integers up to 2^53 are interned by value (no string is built per request);
 * anything else by its text. A label per id is kept so ids can be turned back into keys.
 */
export class KeyInterner {
  /** Open-addressing table for integer keys (a Map is 4–5× slower at millions of keys). */
  private readonly numbers = new IntegerTable();
  private readonly strings = new Map<string, number>();
  private readonly labels: (number | string)[] = [];

  get size(): number {
    return this.labels.length;
  }

  /** Id of a non-negative safe integer key. */
  internNumber(value: number): number {
    const id = this.numbers.getOrAdd(value, this.labels.length);
    if (id === this.labels.length) this.labels.push(value);
    return id;
  }

  /** Id of a key given as text; canonical decimal integers share ids with internNumber. */
  internString(text: string): number {
    const value = canonicalInteger(text);
    if (value >= 0) return this.internNumber(value);
    let id = this.strings.get(text);
    if (id === undefined) {
      id = this.labels.length;
      this.strings.set(text, id);
      this.labels.push(text);
    }
    return id;
  }

  /** The original key of `id` as text. */
  label(id: number): string {
    const label = this.labels[id];
    if (label === undefined) throw new RangeError(`no key with id ${id} (${this.labels.length} keys interned)`);
    return String(label);
  }
}

const EMPTY = -1;
const TWO_32 = 4294967296;

/**
 * Non-negative integers (< 2^53) → ids, linear probing over typed arrays, Fibonacci hashing
 * (top bits of key × 2^32/φ), kept at most half full. Nothing is allocated per lookup.
 */
class IntegerTable {
  private bits = 12;
  private keys = new Float64Array(1 << 12).fill(EMPTY);
  private ids = new Int32Array(1 << 12);
  private count = 0;

  /** The id of `key`; if absent, stores `fresh` for it and returns `fresh`. */
  getOrAdd(key: number, fresh: number): number {
    const mask = this.keys.length - 1;
    let slot = this.slotOf(key);
    for (;;) {
      const found = this.keys[slot]!;
      if (found === key) return this.ids[slot]!;
      if (found === EMPTY) break;
      slot = (slot + 1) & mask;
    }
    this.keys[slot] = key;
    this.ids[slot] = fresh;
    if (++this.count * 2 > this.keys.length) this.grow();
    return fresh;
  }

  private slotOf(key: number): number {
    const mixed = (key >>> 0) ^ Math.imul((key / TWO_32) | 0, 0x85ebca6b);
    return Math.imul(mixed, 0x9e3779b1) >>> (32 - this.bits);
  }

  private grow(): void {
    const keys = this.keys;
    const ids = this.ids;
    this.bits++;
    this.keys = new Float64Array(1 << this.bits).fill(EMPTY);
    this.ids = new Int32Array(1 << this.bits);
    const mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === EMPTY) continue;
      let slot = this.slotOf(key);
      while (this.keys[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.ids[slot] = ids[i]!;
    }
  }
}

/**
 * The value of `text` when it is a canonical decimal integer (digits, no leading zero, at most
 * 15 digits so it is exact as a double), else -1. "007" stays a string so its label survives.
 */
export function canonicalInteger(text: string): number {
  const n = text.length;
  if (n === 0 || n > 15) return -1;
  if (n > 1 && text.charCodeAt(0) === 48) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
