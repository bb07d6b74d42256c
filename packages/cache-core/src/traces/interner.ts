/**
 * Maps original keys (integers or strings) to dense ids 0, 1, 2, ... in order of first
 * appearance. Integers up to 2^53 are interned by value (no string is built per request);
 * anything else by its text. A label per id is kept so ids can be turned back into keys.
 */
export class KeyInterner {
  private readonly numbers = new Map<number, number>();
  private readonly strings = new Map<string, number>();
  private readonly labels: (number | string)[] = [];

  get size(): number {
    return this.labels.length;
  }

  /** Id of a non-negative safe integer key. */
  internNumber(value: number): number {
    let id = this.numbers.get(value);
    if (id === undefined) {
      id = this.labels.length;
      this.numbers.set(value, id);
      this.labels.push(value);
    }
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
