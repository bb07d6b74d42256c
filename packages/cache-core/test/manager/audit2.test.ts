/**
 * Regression tests from a second audit of the CacheManager, the prefetch queue and worker, and
 * the in-memory backend: each one failed before the fix it names.
 */
import { describe, expect, it } from 'vitest';
import type { BackendEntry, BackendSetOptions } from '../../src/backends/backend.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { CacheManager } from '../../src/manager/cache-manager.js';
import { InvalidArgumentError } from '../../src/manager/errors.js';
import { generateCacheKey } from '../../src/manager/keys.js';
import { AsyncBackend, RecordingLogger, startedManager } from './helpers.js';

/** A started manager whose prefetch fetches (each answering 1) wait until `release()` is called. */
async function managerWithGatedFetch() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { manager } = await startedManager({
    prefetchFetcher: async () => {
      await gate;
      return 1;
    },
  });
  return { manager, release };
}

/** A backend whose stop() takes a while (a connection closing) and whose state can be read. */
class SlowStopBackend extends AsyncBackend {
  open = false;
  starts = 0;
  override async start() {
    this.starts++;
    this.open = true;
    return true;
  }
  override async stop() {
    await new Promise((resolve) => setTimeout(resolve, 2));
    this.open = false;
  }
}

describe('audit 2: lifecycle', () => {
  it('a start() made while stop() closes the backend runs after it: the manager ends running on an open backend', async () => {
    const backend = new SlowStopBackend();
    const manager = new CacheManager({ backend, logger: new RecordingLogger() });
    expect(await manager.start()).toBe(true);
    const stopped = manager.stop();
    const started = manager.start();
    await stopped;
    expect(await started).toBe(true);
    expect(manager.isRunning).toBe(true);
    expect(backend.open).toBe(true);
    expect(backend.starts).toBe(2);
    expect(await manager.set('k', 1)).toBe(true);
    expect(await manager.get('k')).toBe(1);
  });

  it('a start() made while stop() waits for prefetches does not answer true for a manager that then stops', async () => {
    const { manager, release } = await managerWithGatedFetch();
    manager.prefetch('/a');
    const stopped = manager.stop();
    const started = manager.start();
    release();
    expect(await started).toBe(true);
    await stopped;
    expect(manager.isRunning).toBe(true);
    expect(await manager.get('/a')).toBe(1);
  });

  it('start, stop, start, stop called without waiting end in the state of the last call', async () => {
    const backend = new SlowStopBackend();
    const manager = new CacheManager({ backend, logger: new RecordingLogger() });
    const calls = [manager.start(), manager.stop(), manager.start(), manager.stop()];
    await Promise.all(calls);
    expect(manager.isRunning).toBe(false);
    expect(backend.open).toBe(false);
    const again = [manager.start(), manager.start(), manager.stop(), manager.start()];
    expect(await Promise.all(again)).toEqual([true, true, undefined, true]);
    expect(manager.isRunning).toBe(true);
    expect(backend.open).toBe(true);
  });
});

describe('audit 2: prefetch worker', () => {
  it('a worker set up while stop() waits for prefetches does not run after the stop (fetching into a stopped cache)', async () => {
    const { manager, release } = await managerWithGatedFetch();
    manager.prefetch('/a');
    const stopped = manager.stop();
    const fetched: string[] = [];
    manager.startPrefetchWorker(async (endpoint) => {
      fetched.push(endpoint);
      return 2;
    });
    manager.prefetch('/b');
    release();
    await stopped;
    manager.prefetch('/c');
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(fetched).toEqual([]);
    expect(await manager.getMetrics()).toMatchObject({ prefetchFailures: 0, rejectedSets: 0, prefetchesStored: 1, prefetchQueueSize: 2 });
    // The new worker runs from the next start().
    await manager.start();
    await manager.drainPrefetchQueue();
    expect(fetched.sort()).toEqual(['/b', '/c']);
    expect(await manager.get('/b')).toBe(2);
  });
});

/** A remote backend: the server reads an entry when asked, the answer arrives a little later. */
class LaggingReadBackend extends AsyncBackend {
  override async get(key: string): Promise<BackendEntry | undefined> {
    const entry = this.inner.get(key);
    await new Promise((resolve) => setTimeout(resolve, 2));
    return entry;
  }
  override async set(key: string, value: Uint8Array, options?: BackendSetOptions) {
    return this.inner.set(key, value, options);
  }
}

describe('audit 2: corrupt entries', () => {
  it('a corrupt entry read before a set lands is not deleted after it: the newer value stays', async () => {
    const inner = new MemoryBackend();
    const { manager } = await startedManager({ backend: new LaggingReadBackend(inner) });
    inner.set('k', new Uint8Array([9, 9, 9])); // unknown marker byte
    const read = manager.get('k', 'miss');
    expect(await manager.set('k', 'fresh')).toBe(true);
    expect(await read).toBe('miss');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await manager.get('k', 'gone')).toBe('fresh');
    expect(await manager.getMetrics()).toMatchObject({ decodeErrors: 1, hits: 1, misses: 1, currentEntries: 1 });
  });

  it('without a write meanwhile the corrupt entry is still deleted', async () => {
    const inner = new MemoryBackend();
    const { manager } = await startedManager({ backend: new LaggingReadBackend(inner) });
    inner.set('k', new Uint8Array([9, 9, 9]));
    expect(await manager.get('k', 'miss')).toBe('miss');
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(inner.stats().entries).toBe(0);
  });
});

describe('audit 2: generateCacheKey', () => {
  it('objects whose data is behind toJSON (a URL) are encoded by it: different URLs never share a key', () => {
    const a = generateCacheKey('/f', { u: new URL('https://a.example/x') });
    const b = generateCacheKey('/f', { u: new URL('https://b.example/y') });
    expect(a).not.toBe(b);
    expect(a).toBe('/f|u=https://a.example/x');
    expect(generateCacheKey('/f', { u: [new URL('https://a.example/')] })).toBe('/f|u=["https://a.example/"]');
    expect(generateCacheKey('/f', { o: { u: new URL('https://b.example/') } })).toBe('/f|o={"u":"https://b.example/"}');
    // As JSON.stringify: toJSON gets the property name, and is not called again on what it returns.
    class Inner {
      constructor(readonly name: string) {}
      toJSON() {
        return 'not called';
      }
    }
    const named = { toJSON: (name: string) => new Inner(name) };
    expect(generateCacheKey('/f', { p: { q: named } })).toBe('/f|p={"q":{"name":"q"}}');
    // Plain data is unchanged.
    expect(generateCacheKey('/f', { o: { b: 1, a: [1, 'x'] } })).toBe('/f|o={"a":[1,"x"],"b":1}');
  });
});

describe('audit 2: generateCacheKey cycles', () => {
  it('a param that contains itself is an InvalidArgumentError naming it, not a stack overflow', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => generateCacheKey('/f', { c: cyclic })).toThrow(InvalidArgumentError);
    expect(() => generateCacheKey('/f', { c: [cyclic] })).toThrow(/params\.c\[0\]\.self/);
    const { manager } = await startedManager();
    expect(() => manager.prefetch('/f', { c: cyclic })).toThrow(InvalidArgumentError);
    // The same object twice, side by side, is no cycle.
    const shared = { x: 1 };
    expect(generateCacheKey('/f', { p: [shared, shared] })).toBe('/f|p=[{"x":1},{"x":1}]');
  });
});

describe('audit 2: evictLowProbability', () => {
  it('predictions that are not a Map or an object reject with InvalidArgumentError, not a backend error resolved as 0', async () => {
    const { manager } = await startedManager();
    await manager.set('a', 1);
    for (const bad of [null, undefined, 'a', 3, [['a', 0.5]]]) {
      await expect(manager.evictLowProbability(bad as never, 1)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    // A getter that throws is the caller's error too.
    const throwing = Object.defineProperty({}, 'a', { enumerable: true, get: () => { throw new TypeError('bad prediction'); } });
    await expect(manager.evictLowProbability(throwing, 1)).rejects.toThrow('bad prediction');
    expect(await manager.getMetrics()).toMatchObject({ backendErrors: 0, evictions: 0, currentEntries: 1 });
    expect(await manager.evictLowProbability({ a: 0.5 }, 1)).toBe(1);
  });
});

describe('audit 2: generateCacheKey and lone surrogates', () => {
  it('params differing only in a lone surrogate keep different keys once hashed (UTF-8 made both U+FFFD)', () => {
    const long = 'x'.repeat(300);
    const keys = [long + '\uD800', long + '\uD801', long + '\uFFFD', long + '\uDC00'].map((p) => generateCacheKey('/e', { p }));
    expect(new Set(keys).size).toBe(4);
    expect(keys[0]).toMatch(/^\/e\|hash:[0-9a-f]{64}$/);
    // Unhashed keys are well-formed text too (a Redis key is UTF-8); paired surrogates are kept.
    expect(generateCacheKey('/e', { p: 'a\uD800b', '\uDC00': '\uD83D\uDE00' })).toBe('/e|p=a%uD800b&%uDC00=\uD83D\uDE00');
    expect(generateCacheKey('/e', { p: '%uD800' })).toBe('/e|p=%25uD800');
    expect(() => generateCacheKey('/e\uD800')).toThrow(InvalidArgumentError);
  });
});
