/**
 * The behaviour every CacheBackend must show, as one suite run against each backend (memory,
 * Redis, Redis Cluster). A backend passes when it answers exactly like a plain LRU model:
 * values and metadata round-trip, LRU order, counts of entries, bytes, evictions, expirations
 * and wasted prefetches.
 */
import seedrandom from 'seedrandom';
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheBackend } from '../../src/backends/backend.js';

export interface ContractSubject {
  backend: CacheBackend;
  /** Lets `ms` of backend time pass (a fake clock, or real time for a server with its own clock). */
  advance(ms: number): Promise<void>;
  /** Stops the backend and removes what it stored. */
  dispose(): Promise<void>;
}

export interface ContractOptions {
  /** Capacity limits are enforced over the whole backend (false: per shard, as Redis Cluster does). */
  exactCapacity?: boolean;
  /**
   * getMany touches its keys in the order given (false: a sharded backend touches its shards in
   * parallel, so the keys of one batch become most recent in an unspecified order among themselves).
   */
  orderedBatches?: boolean;
  /** TTL used by the expiry tests, in ms (short for servers that expire by real time). */
  ttlMs?: number;
}

export type MakeBackend = (capacity: { maxEntries?: number; maxBytes?: number }) => Promise<ContractSubject>;

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (s: string) => new TextEncoder().encode(s);

export function backendContract(name: string, makeBackend: MakeBackend, options: ContractOptions = {}): void {
  const ttlMs = options.ttlMs ?? 100;
  describe(`CacheBackend contract: ${name}`, () => {
    let subjects: ContractSubject[] = [];
    const make = async (capacity: { maxEntries?: number; maxBytes?: number } = {}) => {
      const subject = await makeBackend(capacity);
      subjects.push(subject);
      expect(await subject.backend.start()).toBe(true);
      return subject;
    };
    afterEach(async () => {
      await Promise.all(subjects.map((s) => s.dispose()));
      subjects = [];
    });

    it('round-trips binary values with the marker byte, and metadata', async () => {
      const { backend } = await make();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      expect(await backend.get('absent')).toBeUndefined();
      expect(await backend.set('plain', bytes(0x00, 1, 2, 3))).toBe(true);
      expect(await backend.set('all', all, { metadata: { source: 'api', tags: ['a', 'b'], nested: { n: 1.5 } } })).toBe(true);
      const plain = await backend.get('plain');
      expect(plain && Array.from(plain.value)).toEqual([0, 1, 2, 3]);
      expect(plain?.metadata).toBeUndefined();
      expect(plain?.prefetched).toBe(false);
      const full = await backend.get('all');
      expect(full && Array.from(full.value)).toEqual(Array.from(all));
      expect(full?.metadata).toEqual({ source: 'api', tags: ['a', 'b'], nested: { n: 1.5 } });
      expect(await backend.stats()).toMatchObject({ entries: 2, sizeBytes: 4 + 256, evictions: 0, expirations: 0 });
    });

    it('keeps keys with separators, braces, glob characters and unicode apart', async () => {
      const { backend } = await make();
      const keys = ['a:b', 'a{b}', '{x}', '*', 'a?[c]\\', 'ключ', '🗝️', ''];
      for (const [i, key] of keys.entries()) expect(await backend.set(key, bytes(i))).toBe(true);
      for (const [i, key] of keys.entries()) expect(Array.from((await backend.get(key))!.value)).toEqual([i]);
      expect((await backend.keys()).sort()).toEqual([...keys].sort());
    });

    it('overwrites an entry and accounts the new size', async () => {
      const { backend } = await make();
      await backend.set('k', text('x'.repeat(100)), { metadata: { v: 1 } });
      await backend.set('k', text('y'.repeat(10)));
      const entry = await backend.get('k');
      expect(new TextDecoder().decode(entry!.value)).toBe('y'.repeat(10));
      expect(entry!.metadata).toBeUndefined();
      expect(await backend.stats()).toMatchObject({ entries: 1, sizeBytes: 10 });
    });

    it('deletes: true when the key existed, and the counts drop', async () => {
      const { backend } = await make();
      await backend.set('a', bytes(1, 2, 3));
      await backend.set('b', bytes(4));
      expect(await backend.delete('a')).toBe(true);
      expect(await backend.delete('a')).toBe(false);
      expect(await backend.delete('never')).toBe(false);
      expect(await backend.get('a')).toBeUndefined();
      expect(await backend.stats()).toMatchObject({ entries: 1, sizeBytes: 1, evictions: 0 });
      expect(await backend.keys()).toEqual(['b']);
    });

    it('keeps keys in least- to most-recently-used order (get and set both touch)', async () => {
      const { backend } = await make();
      for (const key of ['a', 'b', 'c', 'd']) await backend.set(key, bytes(1));
      expect(await backend.keys()).toEqual(['a', 'b', 'c', 'd']);
      await backend.get('a');
      expect(await backend.keys()).toEqual(['b', 'c', 'd', 'a']);
      await backend.set('b', bytes(2));
      expect(await backend.keys()).toEqual(['c', 'd', 'a', 'b']);
      await backend.get('missing');
      expect(await backend.keys()).toEqual(['c', 'd', 'a', 'b']);
    });

    it('evictLru removes the least recently used and counts evictions', async () => {
      const { backend } = await make();
      for (const key of ['a', 'b', 'c', 'd', 'e']) await backend.set(key, bytes(1, 2));
      await backend.get('a');
      expect(await backend.evictLru(2)).toBe(2);
      expect(await backend.keys()).toEqual(['d', 'e', 'a']);
      expect(await backend.get('b')).toBeUndefined();
      expect(await backend.get('c')).toBeUndefined();
      expect(await backend.evictLru(0)).toBe(0);
      expect(await backend.evictLru(10)).toBe(3);
      expect(await backend.evictLru(1)).toBe(0);
      expect(await backend.stats()).toMatchObject({ entries: 0, sizeBytes: 0, evictions: 5 });
    });

    it('evictKeys removes the given keys as evictions and reports how many existed', async () => {
      const { backend } = await make();
      for (const key of ['a', 'b', 'c']) await backend.set(key, bytes(9));
      expect(await backend.evictKeys(['a', 'c', 'zzz'])).toBe(2);
      expect(await backend.evictKeys([])).toBe(0);
      expect(await backend.keys()).toEqual(['b']);
      await backend.delete('b');
      expect(await backend.stats()).toMatchObject({ entries: 0, sizeBytes: 0, evictions: 2 });
    });

    it('reports a prefetched entry once, and counts prefetches dropped unread as wasted', async () => {
      const { backend } = await make();
      await backend.set('read', bytes(1), { prefetched: true });
      expect((await backend.get('read'))?.prefetched).toBe(true);
      expect((await backend.get('read'))?.prefetched).toBe(false);
      await backend.delete('read');
      await backend.set('deleted', bytes(1), { prefetched: true });
      await backend.delete('deleted');
      await backend.set('evicted', bytes(1), { prefetched: true });
      await backend.evictKeys(['evicted']);
      await backend.set('overwritten', bytes(1), { prefetched: true });
      await backend.set('overwritten', bytes(2));
      expect((await backend.get('overwritten'))?.prefetched).toBe(false);
      await backend.set('demand', bytes(1));
      await backend.delete('demand');
      expect((await backend.stats()).wastedPrefetches).toBe(3);
    });

    it('has: a live key is there, an absent, deleted or expired one is not; nothing moves, no flag clears', async () => {
      const { backend, advance } = await make();
      if (backend.has === undefined) throw new Error(`${name} should implement has`);
      await backend.set('a', bytes(1));
      await backend.set('p', bytes(2), { prefetched: true });
      await backend.set('short', bytes(3), { ttlMs });
      await backend.set('gone', bytes(4));
      await backend.delete('gone');
      expect([await backend.has('a'), await backend.has('p'), await backend.has('short'), await backend.has('gone'), await backend.has('never')]).toEqual([true, true, true, false, false]);
      expect(await backend.keys()).toEqual(['a', 'p', 'short']); // 'a' was not made most recent
      expect((await backend.get('p'))?.prefetched).toBe(true); // still unread
      await advance(ttlMs * 2);
      expect(await backend.has('short')).toBe(false);
      expect(await backend.has('a')).toBe(true);
    });

    it('expires entries after their TTL: a miss, counted, bytes released', async () => {
      const { backend, advance } = await make();
      await backend.set('short', bytes(1, 2, 3), { ttlMs });
      await backend.set('long', bytes(4), { ttlMs: 60_000 });
      await backend.set('forever', bytes(5, 6));
      await backend.set('wasted', bytes(7), { ttlMs, prefetched: true });
      expect(Array.from((await backend.get('short'))!.value)).toEqual([1, 2, 3]);
      await advance(ttlMs * 2);
      expect(await backend.get('short')).toBeUndefined();
      expect(await backend.get('long')).toBeDefined();
      expect(await backend.get('forever')).toBeDefined();
      expect(await backend.keys()).toEqual(['long', 'forever']);
      expect(await backend.stats()).toMatchObject({ entries: 2, sizeBytes: 3, expirations: 2, evictions: 0, wastedPrefetches: 1 });
      expect(await backend.delete('short')).toBe(false);
    });

    it('getMany / setMany answer in order and touch recency in order', async () => {
      const { backend } = await make();
      const stored = await backend.setMany([
        { key: 'a', value: bytes(1) },
        { key: 'b', value: bytes(2, 2), options: { metadata: { m: 'b' } } },
        { key: 'c', value: bytes(3, 3, 3), options: { prefetched: true } },
      ]);
      expect(stored).toEqual([true, true, true]);
      if (options.orderedBatches === false) {
        expect((await backend.keys()).sort()).toEqual(['a', 'b', 'c']);
        // Establish the order a, b, c one call at a time.
        await backend.get('a');
        await backend.get('b');
        await backend.set('c', bytes(3, 3, 3), { prefetched: true });
      }
      expect(await backend.keys()).toEqual(['a', 'b', 'c']);
      const got = await backend.getMany(['c', 'missing', 'a']);
      expect(got.map((e) => e && Array.from(e.value))).toEqual([[3, 3, 3], undefined, [1]]);
      expect(got[0]?.prefetched).toBe(true);
      const order = await backend.keys();
      if (options.orderedBatches === false) {
        expect(order[0]).toBe('b');
        expect(order.slice(1).sort()).toEqual(['a', 'c']);
      } else {
        expect(order).toEqual(['b', 'c', 'a']);
      }
      expect((await backend.getMany(['b']))[0]?.metadata).toEqual({ m: 'b' });
      expect(await backend.getMany([])).toEqual([]);
      expect(await backend.setMany([])).toEqual([]);
      expect(await backend.stats()).toMatchObject({ entries: 3, sizeBytes: 6 });
    });

    it('clear removes every entry', async () => {
      const { backend } = await make();
      for (const key of ['a', 'b', 'c']) await backend.set(key, bytes(1), { ttlMs: 60_000 });
      await backend.clear();
      expect(await backend.keys()).toEqual([]);
      expect(await backend.get('a')).toBeUndefined();
      expect(await backend.stats()).toMatchObject({ entries: 0, sizeBytes: 0 });
      expect(await backend.set('a', bytes(2))).toBe(true);
      expect(await backend.keys()).toEqual(['a']);
    });

    it('matches an LRU model over a seeded random sequence of operations', async () => {
      const { backend } = await make();
      const random = seedrandom('backend-contract');
      const model = new Map<string, number>(); // insertion order = LRU order; value = size
      let evictions = 0;
      const touch = (key: string, size: number) => {
        model.delete(key);
        model.set(key, size);
      };
      for (let step = 0; step < 300; step++) {
        const key = `k${Math.floor(random() * 20)}`;
        const roll = random();
        if (roll < 0.4) {
          const size = 1 + Math.floor(random() * 50);
          expect(await backend.set(key, new Uint8Array(size).fill(size))).toBe(true);
          touch(key, size);
        } else if (roll < 0.75) {
          const entry = await backend.get(key);
          const size = model.get(key);
          expect(entry?.value.length).toBe(size);
          if (size !== undefined) touch(key, size);
        } else if (roll < 0.9) {
          expect(await backend.delete(key)).toBe(model.delete(key));
        } else {
          const count = Math.floor(random() * 3);
          const victims = [...model.keys()].slice(0, count);
          expect(await backend.evictLru(count)).toBe(victims.length);
          for (const victim of victims) model.delete(victim);
          evictions += victims.length;
        }
      }
      expect(await backend.keys()).toEqual([...model.keys()]);
      const sizeBytes = [...model.values()].reduce((a, b) => a + b, 0);
      expect(await backend.stats()).toMatchObject({ entries: model.size, sizeBytes, evictions });
    });

    describe.skipIf(options.exactCapacity === false)('capacity', () => {
      it('maxEntries: storing beyond it evicts the least recently used', async () => {
        const { backend } = await make({ maxEntries: 3 });
        for (const key of ['a', 'b', 'c']) await backend.set(key, bytes(1));
        await backend.get('a');
        expect(await backend.set('d', bytes(1))).toBe(true);
        expect(await backend.keys()).toEqual(['c', 'a', 'd']);
        expect(await backend.stats()).toMatchObject({ entries: 3, evictions: 1, maxEntries: 3 });
      });

      it('maxBytes: evicts until the bytes fit and refuses a value larger than the capacity', async () => {
        const { backend } = await make({ maxBytes: 100 });
        await backend.set('a', new Uint8Array(40));
        await backend.set('b', new Uint8Array(40));
        expect(await backend.set('c', new Uint8Array(40))).toBe(true);
        expect(await backend.keys()).toEqual(['b', 'c']);
        expect(await backend.set('huge', new Uint8Array(101))).toBe(false);
        expect(await backend.get('huge')).toBeUndefined();
        expect(await backend.stats()).toMatchObject({ entries: 2, sizeBytes: 80, evictions: 1, maxBytes: 100 });
      });
    });
  });
}

