/**
 * The plain-data v8 reader against v8.deserialize (and JSON.parse of the same value as JSON text,
 * for scale), on the get-hit benchmark's values: ns per decode, min of interleaved rounds over
 * 1,000 distinct entries each.
 *
 *   node --import tsx packages/cache-core/bench/v8-reader.ts [rounds=20]
 */
import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { NOT_PLAIN, readPlainV8 } from '../src/manager/v8-plain-reader.js';

const ROUNDS = Number(process.argv[2] ?? 20);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error(`rounds must be a positive integer, got ${process.argv[2]}\nusage: node --import tsx packages/cache-core/bench/v8-reader.ts [rounds=20]`);
  process.exit(2);
}
const ENTRIES = 1000;
const small = (i: number) => ({ id: i, name: `user-${i}`, email: `user${i}@example.com`, active: true, score: 12.5, tags: ['a', 'b'] });
const large = (i: number) => ({
  id: i,
  rows: Array.from({ length: 80 }, (_, r) => ({ row: r, sku: `SKU-${(i * 31 + r) % 9973}`, name: `item ${r} of order ${i}`, price: (r * 1.25) % 97, qty: r % 7 })),
});

const rows: Record<string, string | number>[] = [];
for (const [label, make, calls] of [['~100 B object', small, 20_000], ['~10 KB object', large, 400]] as const) {
  const bytes = Array.from({ length: ENTRIES }, (_, i) => serialize(make(i)));
  const latin1 = bytes.map((b) => b.toString('latin1'));
  const json = Array.from({ length: ENTRIES }, (_, i) => JSON.stringify(make(i)));
  if (latin1.some((entry) => readPlainV8(entry, 0) === NOT_PLAIN)) throw new Error('the reader left a test value to V8');
  const contenders: [string, (i: number) => unknown][] = [
    ['v8.deserialize', (i) => deserialize(bytes[i]!)],
    ['readPlainV8', (i) => readPlainV8(latin1[i]!, 0)],
    ['JSON.parse (same value as JSON)', (i) => JSON.parse(json[i]!)],
  ];
  const best = contenders.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, [, decode]] of contenders.entries()) {
      const start = performance.now();
      for (let c = 0; c < calls; c++) decode(c % ENTRIES);
      best[k] = Math.min(best[k]!, ((performance.now() - start) * 1e6) / calls);
    }
  }
  rows.push({
    value: `${label} (${bytes[0]!.length} B serialized)`,
    ...Object.fromEntries(contenders.map(([name], k) => [`${name} ns`, Math.round(best[k]!)])),
    'v8.deserialize / readPlainV8': +(best[0]! / best[1]!).toFixed(2),
  });
}
console.table(rows);
