/**
 * The Redis benchmark workloads (redis-fixture.ts) run interleaved: every round runs each
 * contender for the same number of iterations, one after the other, so a change in machine load
 * hits all of them alike. The order rotates every round, and with --expose-gc a full GC runs
 * before each contender's turn, so no contender pays for the garbage of the one before it (which
 * otherwise always landed on the same one). Prints the median throughput of each contender and
 * the median of the per-round ratios to the group's baseline (its first contender).
 * Run: node --expose-gc --import tsx packages/cache-core/bench/redis-ratios.ts [rounds=15] [group filter, e.g. concurrent]
 */
import { RedisBenchFixture } from './redis-fixture.js';

const usage = 'usage: node --expose-gc --import tsx packages/cache-core/bench/redis-ratios.ts [rounds=15] [group filter]';
const rounds = Number(process.argv[2] ?? 15);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`rounds must be a positive integer, got ${process.argv[2]}\n${usage}`);
  process.exit(2);
}
/** Only the groups whose name contains this text (all by default). */
const only = process.argv[3] ?? '';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const gc = (globalThis as { gc?: () => void }).gc;

const fixture = new RedisBenchFixture();
if (!fixture.workloads.some((workload) => workload.group.includes(only))) {
  console.error(`no group contains "${only}"; groups: ${fixture.workloads.map((workload) => workload.group).join('; ')}`);
  process.exit(2);
}
await fixture.start();
try {
  for (const workload of fixture.workloads) {
    if (!workload.group.includes(only)) continue;
    const sequential = workload.group.startsWith('sequential');
    const iterations = sequential ? 1000 : 100;
    const callsPerIteration = sequential ? 1 : 100;
    const opsPerSecond = workload.contenders.map(() => [] as number[]);
    for (let round = 0; round < rounds + 1; round++) {
      const n = workload.contenders.length;
      for (let turn = 0; turn < n; turn++) {
        const c = (round + turn) % n;
        const contender = workload.contenders[c]!;
        gc?.();
        const started = performance.now();
        for (let i = 0; i < iterations; i++) await contender.run();
        const seconds = (performance.now() - started) / 1000;
        if (round > 0) opsPerSecond[c]!.push((iterations * callsPerIteration) / seconds); // round 0 warms up
      }
    }
    console.log(`\n${workload.group} (calls/s, median of ${rounds} interleaved rounds)`);
    for (const [c, contender] of workload.contenders.entries()) {
      const ratios = opsPerSecond[c]!.map((ops, r) => ops / opsPerSecond[0]![r]!);
      console.log(`  ${contender.name.padEnd(42)} ${median(opsPerSecond[c]!).toFixed(0).padStart(8)}   ×${median(ratios).toFixed(2)} of baseline`);
    }
  }
} finally {
  await fixture.close();
}
