import { performance } from 'node:perf_hooks';
import { deserialize } from 'node:v8';
import { LRUCache } from 'lru-cache';
import { CacheManager } from '../src/manager/cache-manager.js';
import { Codec } from '../src/manager/codec.js';
import { silentLogger } from '../src/manager/logger.js';
const format = (process.argv[2] ?? 'v8') as 'v8' | 'json';
const N = 1000, R = 2_000_000;
const keys = Array.from({ length: N }, (_, i) => `/api/users/${i}`);
const val = (i: number) => ({ id: i, name: `user-${i}`, email: `user${i}@example.com`, active: true, score: 12.5, tags: ['a', 'b'] });
const manager = new CacheManager({ logger: silentLogger, serializationFormat: format });
await manager.start();
const codec = new Codec({ format, compressionEnabled: true, compressionThreshold: 1024, compressionLevel: 6, maxEntrySize: 1 << 20 });
const lru = new LRUCache<string, Uint8Array>({ max: 10000 });
for (let i = 0; i < N; i++) { await manager.set(keys[i]!, val(i)); lru.set(keys[i]!, codec.encode(val(i), 'k').bytes); }
const backend = manager.currentBackend!;
async function time(label: string, fn: (i: number) => unknown, isAsync = false) {
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    if (isAsync) for (let i = 0; i < R; i++) await fn(i % N);
    else for (let i = 0; i < R; i++) fn(i % N);
    const ns = ((performance.now() - t) * 1e6) / R;
    if (r === 2) console.log(label.padEnd(40), ns.toFixed(0), 'ns/op');
  }
}
const json = format === 'json';
await time('floor sync', (i) => { const b = lru.get(keys[i]!)!; const p = b.subarray(1); return json ? JSON.parse(Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8')) : deserialize(p); });
await time('floor awaited', async (i) => { const b = lru.get(keys[i]!)!; const p = b.subarray(1); return json ? JSON.parse(Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8')) : deserialize(p); }, true);
await time('backend.get', (i) => backend.get(keys[i]!));
await time('codec.decode', (i) => codec.decode(lru.get(keys[i]!)!));
await time('performance.now', () => performance.now());
await time('manager.get awaited', (i) => manager.get(keys[i]!), true);
await time('manager.getOrSet awaited', (i) => manager.getOrSet(keys[i]!, () => 0), true);
