import { describe, expect, it } from 'vitest';
import { runValidation } from '../../src/manager/validate.js';

describe('runValidation', () => {
  it('passes every check with the default seed, each with a measured detail', async () => {
    const checks = await runValidation({ requests: 10_000 });
    expect(checks.map((c) => [c.name, c.passed])).toEqual([
      ['v8: all data types round-trip', true],
      ['json: all JSON data types round-trip', true],
      ['json: unrepresentable values are refused and counted', true],
      ['compression works when it pays', true],
      ['compression is skipped when it does not pay', true],
      ['prefetch queue: priority order, FIFO ties, merge, bound', true],
      ['prefetch worker stores under generateCacheKey, counts hits', true],
      ['eviction control: evictLru and evictLowProbability', true],
      ['corrupt entries are counted misses', true],
      ['hit rate above 75% on a skewed workload', true],
    ]);
    expect(checks[0]!.detail).toMatch(/^31 values round-trip/);
    expect(checks.at(-1)!.detail).toMatch(/hit rate 0\.\d{4} = simulator LRU 0\.\d{4}/);
  });

  it('fails the hit-rate check (and only it) when the workload is too short to warm the cache', async () => {
    const checks = await runValidation({ requests: 300 });
    expect(checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['hit rate above 75% on a skewed workload']);
    expect(checks.at(-1)!.detail).toMatch(/is not above 0\.75/);
  });
});
