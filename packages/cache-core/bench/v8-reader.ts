/**
 * The plain-data v8 reader against v8.deserialize (and JSON.parse of the same value as JSON text,
 * for scale), on the get-hit benchmark's values: ns per decode, min of interleaved rounds over
 * 1,000 distinct entries each. Then the codec's whole v8 decode of a latin1 entry (as the memory
 * backend holds it) for other shapes of value (number arrays, long strings, values the reader gives
 * up on late), where a JavaScript reader could lose, against the previous codec's route (the
 * entry's bytes copied back into a Buffer, then v8.deserialize) and v8.deserialize of the bytes
 * alone: µs per decode, min of interleaved rounds.
 *
 *   node --import tsx packages/cache-core/bench/v8-reader.ts [rounds=20]
 */
import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { Codec } from '../src/manager/codec.js';
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

// Other shapes, through the codec as a get-hit decodes them (entry as a latin1 string).
const shapes: [string, () => unknown, number][] = [
  ['10,000 integers', () => Array.from({ length: 10_000 }, (_, i) => i * 7), 50],
  ['10,000 doubles', () => Array.from({ length: 10_000 }, (_, i) => i * 0.37), 50],
  ['1 MB ASCII string', () => 'x'.repeat(1 << 20), 20],
  ['100 KB two-byte string', () => 'é€'.repeat(25_000), 50],
  ['~10 KB object, then a Map', () => ({ ...large(3), tags: new Map([[1, 2]]) }), 200],
  ['~10 KB object, then a Float32Array(64)', () => ({ ...large(3), embedding: new Float32Array(64) }), 200],
];
const codec = new Codec({ format: 'v8', compressionEnabled: false, compressionThreshold: 1024, compressionLevel: 6, maxEntrySize: 64 << 20 });
const scratch = Buffer.allocUnsafeSlow(1 << 16);
const shapeRows: Record<string, string | number>[] = [];
for (const [label, make, calls] of shapes) {
  const bytes = serialize(make());
  const entry = codec.encode(make(), 'bench').bytes.toString('latin1');
  // The previous codec's route for a latin1 entry: its bytes copied back into a Buffer, then v8.deserialize.
  const previous = () => deserialize(entry.length <= scratch.length ? scratch.subarray(1, scratch.write(entry, 0, 'latin1')) : Buffer.from(entry, 'latin1').subarray(1));
  const contenders: (() => unknown)[] = [() => deserialize(bytes), previous, () => codec.decode(entry)];
  const best = contenders.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, decode] of contenders.entries()) {
      const start = performance.now();
      for (let c = 0; c < calls; c++) decode();
      best[k] = Math.min(best[k]!, ((performance.now() - start) * 1e3) / calls);
    }
  }
  shapeRows.push({
    value: `${label} (${bytes.length} B)`,
    'v8.deserialize µs': +best[0]!.toFixed(1),
    'previous codec µs': +best[1]!.toFixed(1),
    'codec.decode µs': +best[2]!.toFixed(1),
    'previous / codec': +(best[1]! / best[2]!).toFixed(2),
  });
}
console.table(shapeRows);
