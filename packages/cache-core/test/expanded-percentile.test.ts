import { describe, expect, it } from 'vitest';
import { expandedTailMass, percentileInterval } from '../src/stats/expanded-percentile.js';

describe('expandedTailMass (Hesterberg\'s expanded percentile interval)', () => {
  it('reads the normal tail of the t quantile with units − 1 degrees of freedom', () => {
    // 7 units, 6 df: t(0.975, 6) = 2.4469, × √(7/6) = 2.6430, and 2·Φ(−2.6430) = 0.00822.
    expect(expandedTailMass(0.95, 7)).toBeCloseTo(0.00822, 4);
    // 2 units, 1 df at 90 %: t(0.95, 1) = 6.3138, × √2 = 8.929: a tail of about 4e-19.
    expect(expandedTailMass(0.9, 2)).toBeLessThan(1e-15);
    expect(expandedTailMass(0.9, 2)).toBeGreaterThan(0);
  });

  it('keeps the plain tail where there is nothing to widen, and nears it with many units', () => {
    expect(expandedTailMass(0.95, 1)).toBe(1 - 0.95);
    expect(expandedTailMass(0.95, 0)).toBeCloseTo(0.05, 12);
    const many = expandedTailMass(0.95, 1_000_000);
    expect(many).toBeGreaterThan(0.0499);
    expect(many).toBeLessThan(0.05);
    // Monotone: more units, less widening.
    const tails = [2, 3, 5, 10, 30, 100, 1000].map((n) => expandedTailMass(0.95, n));
    for (let i = 1; i < tails.length; i++) expect(tails[i]!).toBeGreaterThan(tails[i - 1]!);
  });

  it('refuses a confidence outside (0, 1)', () => {
    for (const bad of [0, 1, 1.5, Number.NaN]) expect(() => expandedTailMass(bad, 10)).toThrow(`confidence must be in (0, 1), got ${bad}`);
  });
});

describe('percentileInterval', () => {
  it('reads the nearest-rank percentiles of a sorted array', () => {
    const sorted = Float64Array.from({ length: 101 }, (_, i) => i);
    expect(percentileInterval(sorted, 0.1)).toEqual({ low: 5, high: 95 });
    expect(percentileInterval(sorted, 0)).toEqual({ low: 0, high: 100 });
    expect(percentileInterval([7], 0.05)).toEqual({ low: 7, high: 7 });
  });
});
