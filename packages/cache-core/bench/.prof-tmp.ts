import { performance } from 'node:perf_hooks';
import { deserialize } from 'node:v8';
import { createCache } from 'cache-manager';
import { CacheableMemory } from 'cacheable';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { CacheManager } from '../src/manager/cache-manager.js';
import { Codec } from '../src/manager/codec.js';
import { silentLogger } from '../src/manager/logger.js';
const format = (process.argv[2] ?? 'v8') as 'v8' | 'json';
const N = 1000, R = 300_000;
const keys = Array.from({ length: N }, (_, i) => `/api/users/${i}`);
const val = (i: number) => ({ id: i, name: `user-${i}`, email: `user${i}@example.com`, active: true, score: 12.5, tags: ['a', 'b'] });
const manager = new CacheManager({ logger: silentLogger, serializationFormat: format });
await manager.start();
const codec = new Codec({ format, compressionEnabled: true, compressionThreshold: 1024, compressionLevel: 6, maxEntrySize: 1 << 20 });
const lru = new LRUCache<string, Buffer>({ max: 10000 });
const peer = createCache({ stores: [new Keyv({ store: new CacheableMemory({ lruSize: 10_000 }) })] });
for (let i = 0; i < N; i++) { await manager.set(keys[i]!, val(i)); lru.set(keys[i]!, codec.encode(val(i), 'k').bytes); await peer.set(keys[i]!, val(i)); }
const backend = manager.currentBackend!;
const json = format === 'json';
const out: Record<string, number> = {};
async function time(label: string, fn: (i: number) => unknown, isAsync = false) {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    if (isAsync) for (let i = 0; i < R; i++) await fn(i % N);
    else for (let i = 0; i < R; i++) fn(i % N);
    best = Math.min(best, ((performance.now() - t) * 1e6) / R);
  }
  out[label] = Math.round(best);
}
for (let round = 0; round < 2; round++) {
await time('floor', (i) => { const b = lru.get(keys[i]!)!; return json ? JSON.parse(b.toString('utf8', 1)) : deserialize(b.subarray(1)); });
await time('backend.get', (i) => backend.get(keys[i]!));
await time('codec.decode', (i) => codec.decode(lru.get(keys[i]!)!));
await time('manager.get', (i) => manager.get(keys[i]!), true);
await time('cache-manager.get', (i) => peer.get(keys[i]!), true);
}
console.log(format, JSON.stringify(out));
