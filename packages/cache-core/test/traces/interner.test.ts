import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { KeyInterner, canonicalInteger } from '../../src/index.js';

describe('KeyInterner', () => {
  it('gives dense ids in order of first appearance, like a Map would, across table growth', () => {
    const random = seedrandom('interner');
    const interner = new KeyInterner();
    const reference = new Map<number, number>();
    for (let i = 0; i < 200_000; i++) {
      // sequential ids, huge ids near 2^53 and repeats, mixed
      const kind = i % 3;
      const key = kind === 0 ? i : kind === 1 ? 2 ** 53 - 1 - Math.floor(random() * 1e6) : Math.floor(random() * 5000) * 4096;
      if (!reference.has(key)) reference.set(key, reference.size);
      expect(interner.internNumber(key)).toBe(reference.get(key));
    }
    expect(interner.size).toBe(reference.size);
    for (const [key, id] of reference) if (id % 997 === 0) expect(interner.label(id)).toBe(String(key));
  });

  it('canonical decimal strings share ids with numbers; other text keeps its own id and label', () => {
    const interner = new KeyInterner();
    expect(interner.internNumber(42)).toBe(0);
    expect(interner.internString('42')).toBe(0);
    expect(interner.internString('042')).toBe(1);
    expect(interner.internString('0')).toBe(2);
    expect(interner.internNumber(0)).toBe(2);
    expect(interner.internString('/index.html')).toBe(3);
    expect(interner.internString('/index.html')).toBe(3);
    expect([0, 1, 2, 3].map((id) => interner.label(id))).toEqual(['42', '042', '0', '/index.html']);
    expect(canonicalInteger('1234567890123456')).toBe(-1); // 16 digits: kept as text
    expect(canonicalInteger('-1')).toBe(-1);
    expect(canonicalInteger('123456789012345')).toBe(123456789012345);
  });
});
