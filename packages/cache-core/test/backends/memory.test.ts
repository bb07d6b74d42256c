import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { ConfigError } from '../../src/errors.js';
import { ManualClock } from '../../src/manager/clock.js';
import { backendContract } from './contract.js';

backendContract('memory', async (capacity) => {
  const clock = new ManualClock(1_000);
  const backend = new MemoryBackend(capacity, { clock });
  return {
    backend,
    advance: async (ms) => clock.advance(ms),
    dispose: async () => backend.clear(),
  };
});

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('MemoryBackend', () => {
  it('getLatin1 is get with the bytes as a latin1 string: same bytes, metadata, prefetch flag, recency and expiry', () => {
    const clock = new ManualClock(0);
    const backend = new MemoryBackend({ maxEntries: 2 }, { clock });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    backend.set('a', all, { metadata: { source: 'db' }, prefetched: true, ttlMs: 50 });
    backend.set('b', bytes(9));
    const a = backend.getLatin1('a')!;
    expect(Array.from(Buffer.from(a.value, 'latin1'))).toEqual(Array.from(all));
    expect(a).toMatchObject({ metadata: { source: 'db' }, prefetched: true });
    expect(backend.getLatin1('a')!.prefetched).toBe(false); // reported once, as get does
    expect(backend.get('a')!.prefetched).toBe(false);
    backend.set('c', bytes(1)); // 'a' was read last, so 'b' is the LRU victim
    expect(backend.getLatin1('b')).toBeUndefined();
    clock.advance(50);
    expect(backend.getLatin1('a')).toBeUndefined(); // expired: counted like get
    expect(backend.stats().expirations).toBe(1);
  });

  it('grows its slot arrays and reuses freed slots, matching an LRU model over 20,000 seeded operations', () => {
    const backend = new MemoryBackend({ maxEntries: 300, initialCapacity: 2 });
    const random = seedrandom('memory-backend-model');
    const model = new Map<string, number>();
    for (let step = 0; step < 20_000; step++) {
      const key = `k${Math.floor(random() * 500)}`;
      const roll = random();
      if (roll < 0.5) {
        const size = Math.floor(random() * 20);
        backend.set(key, new Uint8Array(size).fill(7));
        model.delete(key);
        model.set(key, size);
        if (model.size > 300) model.delete(model.keys().next().value!);
      } else if (roll < 0.85) {
        const size = model.get(key);
        expect(backend.get(key)?.value.length).toBe(size);
        if (size !== undefined) {
          model.delete(key);
          model.set(key, size);
        }
      } else {
        expect(backend.delete(key)).toBe(model.delete(key));
      }
    }
    backend.verify();
    expect(backend.keys()).toEqual([...model.keys()]);
    const stats = backend.stats();
    expect(stats.entries).toBe(model.size);
    expect(stats.sizeBytes).toBe([...model.values()].reduce((a, b) => a + b, 0));
  });

  it('counts an expired entry reaching the LRU end as an expiration, not an eviction', () => {
    const clock = new ManualClock();
    const backend = new MemoryBackend({ maxEntries: 2 }, { clock });
    backend.set('short', bytes(1), { ttlMs: 10 });
    backend.set('long', bytes(2));
    clock.advance(10); // expiry is inclusive: at exactly ttl the entry is gone
    backend.set('new', bytes(3));
    expect(backend.keys()).toEqual(['long', 'new']);
    expect(backend.stats()).toMatchObject({ entries: 2, evictions: 0, expirations: 1 });
    backend.set('newer', bytes(4));
    expect(backend.stats()).toMatchObject({ evictions: 1, expirations: 1 });
  });

  it('an entry read one millisecond before its TTL is a hit; overwriting resets the TTL', () => {
    const clock = new ManualClock();
    const backend = new MemoryBackend({}, { clock });
    backend.set('k', bytes(1), { ttlMs: 100 });
    clock.advance(99);
    expect(backend.get('k')?.value[0]).toBe(1);
    backend.set('k', bytes(2), { ttlMs: 100 });
    clock.advance(99);
    expect(backend.get('k')?.value[0]).toBe(2);
    clock.advance(1);
    expect(backend.get('k')).toBeUndefined();
    expect(backend.stats()).toMatchObject({ entries: 0, sizeBytes: 0, expirations: 1 });
  });

  it('stores a copy: changing the input or the returned bytes leaves the entry as stored', () => {
    const backend = new MemoryBackend();
    const input = bytes(1, 2, 3);
    backend.set('k', input);
    input[0] = 99;
    const first = backend.get('k')!.value;
    first[1] = 99;
    expect(Array.from(backend.get('k')!.value)).toEqual([1, 2, 3]);
    // a view into a larger buffer stores only the view's bytes
    const big = bytes(9, 8, 7, 6, 5);
    backend.set('view', big.subarray(1, 3));
    expect(Array.from(backend.get('view')!.value)).toEqual([8, 7]);
    expect(backend.stats().sizeBytes).toBe(5);
  });

  it('keeps all 256 byte values intact (the latin1 string storage is lossless)', () => {
    const backend = new MemoryBackend();
    const all = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    backend.set('all', all);
    expect(Array.from(backend.get('all')!.value)).toEqual(Array.from(all));
  });

  it('rejects invalid capacities with a ConfigError naming the field', () => {
    expect(() => new MemoryBackend({ maxEntries: 0 })).toThrow(ConfigError);
    expect(() => new MemoryBackend({ maxEntries: 0 })).toThrow(/backendConfig\.maxEntries/);
    expect(() => new MemoryBackend({ maxBytes: -5 })).toThrow(/backendConfig\.maxBytes/);
    expect(() => new MemoryBackend({ maxBytes: 1.5 })).toThrow(/backendConfig\.maxBytes/);
  });

  it('clear releases everything and the backend is reusable, counters kept', () => {
    const backend = new MemoryBackend({ maxEntries: 2 });
    backend.set('a', bytes(1));
    backend.set('b', bytes(1));
    backend.set('c', bytes(1));
    backend.clear();
    backend.verify();
    expect(backend.stats()).toMatchObject({ entries: 0, sizeBytes: 0, evictions: 1 });
    backend.set('d', bytes(4, 4));
    backend.verify();
    expect(backend.keys()).toEqual(['d']);
  });
});
