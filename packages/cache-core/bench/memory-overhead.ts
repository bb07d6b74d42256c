/**
 * Memory overhead of the CacheManager on its in-memory backend: 1M small entries, measured with
 * process.memoryUsage() after GC, minus the encoded bytes themselves. The spec claims ~100–200 B
 * per entry; the target is ≤ 200 B. Keys are counted as overhead (they are not encoded bytes).
 *
 *   node --expose-gc --import tsx packages/cache-core/bench/memory-overhead.ts [entries]
 */
import { CacheManager } from '../src/manager/cache-manager.js';
import { silentLogger } from '../src/manager/logger.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc --import tsx packages/cache-core/bench/memory-overhead.ts');
  process.exit(2);
}

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage();
}

const entries = Number(process.argv[2] ?? 1_000_000);
if (!Number.isInteger(entries) || entries < 1) {
  console.error(`entries must be a positive integer, got ${process.argv[2]}`);
  process.exit(2);
}
const total = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;

const manager = new CacheManager({ logger: silentLogger });
await manager.start();
const before = settle();
let keyChars = 0;
for (let i = 0; i < entries; i++) {
  const key = `/api/users/${i}`;
  keyChars += key.length;
  await manager.set(key, { id: i, name: `user-${i}`, email: `user${i}@example.com`, active: i % 2 === 0, score: i / 7 });
}
const after = settle();
const metrics = await manager.getMetrics();
const grown = total(after) - total(before);
const overhead = (grown - metrics.currentSizeBytes) / entries;
const result = {
  entries: metrics.currentEntries,
  encodedBytesPerEntry: +(metrics.currentSizeBytes / entries).toFixed(1),
  averageKeyLength: +(keyChars / entries).toFixed(1),
  heapGrowthMiB: +(grown / 2 ** 20).toFixed(1),
  overheadBytesPerEntry: +overhead.toFixed(1),
  target: 200,
  withinTarget: overhead <= 200,
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
// keep the manager alive until after the measurement
if ((await manager.get('/api/users/0')) === undefined) process.exitCode = 1;
