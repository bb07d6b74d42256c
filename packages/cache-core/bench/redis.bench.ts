/**
 * The Redis backend and the CacheManager on it against raw ioredis, on the same local
 * redis-server in one run (set-up and workloads in redis-fixture.ts): sequential GET/SET,
 * 100 concurrent calls (auto-pipelining), pipelined batches of 100.
 * Targets (issue 3): ≥ 0.8× raw at 100 concurrent calls; getMany ≥ 0.8× a raw GET pipeline.
 * Run: pnpm vitest bench --run --project cache-core bench/redis.bench.ts
 * On a machine shared with other work, prefer the interleaved ratios of redis-ratios.ts.
 */
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { RedisBenchFixture } from './redis-fixture.js';

const fixture = new RedisBenchFixture();
beforeAll(() => fixture.start());
afterAll(() => fixture.close());

const options = { time: 1500, warmupTime: 300 };
for (const workload of fixture.workloads) {
  describe(workload.group, () => {
    for (const contender of workload.contenders) bench(contender.name, async () => {
      await contender.run();
    }, options);
  });
}
