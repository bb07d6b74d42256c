import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { InvalidArgumentError, PrefetchTimeoutError } from '../../src/manager/errors.js';
import { generateCacheKey } from '../../src/manager/keys.js';
import { PrefetchQueue } from '../../src/manager/prefetch-queue.js';
import { CacheManager } from '../../src/manager/cache-manager.js';
import { RecordingLogger, startedManager } from './helpers.js';

const order = (queue: PrefetchQueue) => queue.snapshot().map((i) => `${i.key}:${i.priority}`);

describe('PrefetchQueue', () => {
  it('orders by priority, first in first out among equals', () => {
    const queue = new PrefetchQueue(10);
    queue.enqueue('/a', null, 0.5);
    queue.enqueue('/b', null, 0.9);
    queue.enqueue('/c', null, 0.5);
    queue.enqueue('/d', null, 0.1);
    queue.enqueue('/e', null, 0.5);
    expect(order(queue)).toEqual(['/b:0.9', '/a:0.5', '/c:0.5', '/e:0.5', '/d:0.1']);
    expect([queue.take()?.key, queue.take()?.key, queue.take()?.key]).toEqual(['/b', '/a', '/c']);
    expect(queue.size).toBe(2);
  });

  it('merges duplicates (same endpoint and params in any order): the higher priority wins', () => {
    const queue = new PrefetchQueue(10);
    expect(queue.enqueue('/p', { b: 2, a: 1 }, 0.4)).toBe('queued');
    expect(queue.enqueue('/q', null, 0.6)).toBe('queued');
    expect(queue.enqueue('/p', { a: 1, b: 2 }, 0.3)).toBe('merged'); // lower: ignored
    expect(order(queue)).toEqual(['/q:0.6', '/p|a=1&b=2:0.4']);
    expect(queue.enqueue('/p', { a: 1, b: 2 }, 0.8)).toBe('merged'); // higher: raised
    expect(order(queue)).toEqual(['/p|a=1&b=2:0.8', '/q:0.6']);
    expect(queue.size).toBe(2);
  });

  it('a merged item keeps its arrival place among equal priorities', () => {
    const queue = new PrefetchQueue(10);
    queue.enqueue('/first', null, 0.2);
    queue.enqueue('/second', null, 0.7);
    queue.enqueue('/first', null, 0.7);
    expect(order(queue)).toEqual(['/first:0.7', '/second:0.7']);
  });

  it('is bounded: a full queue drops its lowest priority for a higher one, or refuses the newcomer', () => {
    const queue = new PrefetchQueue(3);
    queue.enqueue('/a', null, 0.5);
    queue.enqueue('/b', null, 0.2);
    queue.enqueue('/c', null, 0.2);
    expect(queue.enqueue('/d', null, 0.2)).toBe('dropped'); // not better than the lowest
    expect(queue.enqueue('/e', null, 0.9)).toBe('queued'); // pushes out /c (lowest, newest among equals)
    expect(order(queue)).toEqual(['/e:0.9', '/a:0.5', '/b:0.2']);
    expect(queue.dropped).toBe(2);
    expect(queue.size).toBe(3);
  });

  it('rejects a non-finite priority', () => {
    const queue = new PrefetchQueue(3);
    expect(() => queue.enqueue('/a', null, Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => new PrefetchQueue(0)).toThrow(InvalidArgumentError);
  });
});

describe('CacheManager: prefetch API', () => {
  it('prefetch / prefetchMany / getPrefetchQueue as in the spec', async () => {
    const { manager } = await startedManager();
    manager.prefetch('/api/users/123/orders', null, 0.8);
    manager.prefetch('/api/products', { category: 'electronics' }, 0.6);
    manager.prefetchMany([
      ['/api/users/1', null, 0.7],
      ['/api/users/2', null, 0.6],
      ['/api/products/42', { details: 'full' }, 0.9],
      { endpoint: '/api/users/3' },
    ]);
    expect(manager.getPrefetchQueue()).toEqual([
      { key: '/api/products/42|details=full', endpoint: '/api/products/42', params: { details: 'full' }, priority: 0.9 },
      { key: '/api/users/123/orders', endpoint: '/api/users/123/orders', params: undefined, priority: 0.8 },
      { key: '/api/users/1', endpoint: '/api/users/1', params: undefined, priority: 0.7 },
      { key: '/api/products|category=electronics', endpoint: '/api/products', params: { category: 'electronics' }, priority: 0.6 },
      { key: '/api/users/2', endpoint: '/api/users/2', params: undefined, priority: 0.6 },
      { key: '/api/users/3', endpoint: '/api/users/3', params: undefined, priority: 0.5 },
    ]);
    expect(await manager.getMetrics()).toMatchObject({ prefetchRequests: 6, prefetchQueueSize: 6 });
    expect(manager.clearPrefetchQueue()).toBe(6);
    expect(manager.getPrefetchQueue()).toEqual([]);
  });

  it('the worker drains the queue through the fetcher, stores under generateCacheKey marked prefetched', async () => {
    const calls: string[] = [];
    const { manager } = await startedManager({
      prefetchConcurrency: 2,
      prefetchFetcher: async (endpoint, params) => {
        calls.push(generateCacheKey(endpoint, params));
        return { from: endpoint, params: params ?? null };
      },
    });
    manager.prefetchMany([['/x', { id: 1 }, 0.5], ['/y', null, 0.9], ['/z', null, 0.1]]);
    await manager.drainPrefetchQueue();
    expect(calls).toEqual(['/x|id=1', '/y', '/z']); // two start at once (x, then y); z after
    expect(await manager.getEntry('/x|id=1')).toEqual({ value: { from: '/x', params: { id: 1 } }, metadata: undefined, prefetched: true });
    expect(await manager.getEntry('/x|id=1')).toEqual({ value: { from: '/x', params: { id: 1 } }, metadata: undefined, prefetched: false });
    expect(await manager.get('/y')).toEqual({ from: '/y', params: null });
    const m = await manager.getMetrics();
    expect(m).toMatchObject({ prefetchRequests: 3, prefetchesStored: 3, prefetchHits: 2, prefetchQueueSize: 0, wastedPrefetches: 0 });
    expect(m.prefetchHitRate).toBeCloseTo(2 / 3, 12);
  });

  it('never runs more than prefetchConcurrency fetches at once, highest priority first', async () => {
    let active = 0;
    let peak = 0;
    const started: string[] = [];
    const { manager } = await startedManager({
      prefetchConcurrency: 3,
      prefetchFetcher: async (endpoint) => {
        started.push(endpoint);
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 2));
        active--;
        return endpoint;
      },
    });
    await manager.stop(); // queue while stopped, so the worker sees the whole queue at once
    manager.prefetchMany(Array.from({ length: 20 }, (_, i) => [`/e${i}`, null, i / 20] as const));
    await manager.start();
    await manager.drainPrefetchQueue();
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => `/e${19 - i}`));
    expect((await manager.getMetrics()).prefetchesStored).toBe(20);
  });

  it('counts fetcher failures, keeps going, and logs them', async () => {
    const { manager, logger } = await startedManager({
      prefetchFetcher: async (endpoint) => {
        if (endpoint === '/bad') throw new Error('upstream 503');
        return 1;
      },
    });
    manager.prefetchMany([['/bad'], ['/good']]);
    await manager.drainPrefetchQueue();
    expect(await manager.getMetrics()).toMatchObject({ prefetchFailures: 1, prefetchesStored: 1 });
    expect(logger.at('warn')).toEqual(['cache manager: prefetch of "/bad" failed: upstream 503']);
    expect(await manager.get('/good')).toBe(1);
  });

  it('a fetch that a set or delete overtakes is not stored over the newer write', async () => {
    const gates = new Map<string, (value: string) => void>();
    const { manager } = await startedManager({ prefetchFetcher: (endpoint) => new Promise<string>((resolve) => gates.set(endpoint, resolve)) });
    manager.prefetchMany([['/set-meanwhile'], ['/deleted-meanwhile'], ['/untouched']]);
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect([...gates.keys()].sort()).toEqual(['/deleted-meanwhile', '/set-meanwhile', '/untouched']);
    await manager.set('/set-meanwhile', 'demand');
    await manager.delete('/deleted-meanwhile');
    for (const resolve of gates.values()) resolve('prefetched');
    await manager.drainPrefetchQueue();
    expect(await manager.getEntry('/set-meanwhile')).toMatchObject({ value: 'demand', prefetched: false });
    expect(await manager.get('/deleted-meanwhile', 'absent')).toBe('absent');
    expect(await manager.getEntry('/untouched')).toMatchObject({ value: 'prefetched', prefetched: true });
    expect(await manager.getMetrics()).toMatchObject({ prefetchesStored: 1, staleResultsDropped: 2, prefetchFailures: 0 });
  });

  it('a prefetched entry overwritten or expiring unread is a wasted prefetch', async () => {
    const { manager, clock } = await startedManager({ defaultTtl: 10, prefetchFetcher: () => 'p' });
    manager.prefetchMany([['/a'], ['/b']]);
    await manager.drainPrefetchQueue();
    await manager.set('/a', 'demand');
    clock.advance(10_000);
    expect(await manager.getMetrics()).toMatchObject({ wastedPrefetches: 2, expirations: 2, prefetchHits: 0 });
  });

  it('without a fetcher the queue just accumulates; startPrefetchWorker drains it later', async () => {
    const { manager } = await startedManager();
    manager.prefetch('/later', null, 0.4);
    await manager.drainPrefetchQueue();
    expect(manager.getPrefetchQueue().map((i) => i.key)).toEqual(['/later']);
    manager.startPrefetchWorker(async () => 'fetched', 1);
    await manager.drainPrefetchQueue();
    expect(manager.getPrefetchQueue()).toEqual([]);
    expect(await manager.get('/later')).toBe('fetched');
  });
});

describe('CacheManager: prefetch of keys already cached, corrupt prefetches', () => {
  it('a key already cached when the worker takes it is not fetched again, and its next hit is no prefetch hit', async () => {
    const fetched: string[] = [];
    const { manager, clock } = await startedManager({ defaultTtl: 10, prefetchFetcher: (endpoint) => (fetched.push(endpoint), 'prefetched') });
    await manager.set('/cached', 'demand');
    await manager.set('/expired', 'demand', { ttl: 1 });
    clock.advance(2_000);
    manager.prefetchMany([['/cached'], ['/expired'], ['/new']]);
    await manager.drainPrefetchQueue();
    expect(fetched).toEqual(['/expired', '/new']);
    expect(await manager.getEntry('/cached')).toMatchObject({ value: 'demand', prefetched: false });
    expect(await manager.getEntry('/expired')).toMatchObject({ value: 'prefetched', prefetched: true });
    expect(await manager.getMetrics()).toMatchObject({ prefetchRequests: 3, prefetchesSkipped: 1, prefetchesStored: 2, prefetchHits: 1, sets: 4 });
  });

  it('a backend without has: the prefetch goes ahead as before', async () => {
    const inner = new MemoryBackend();
    const backend = new Proxy(inner, { get: (target, prop) => (prop === 'has' ? undefined : Reflect.get(target, prop, target)) });
    const fetched: string[] = [];
    const { manager } = await startedManager({ backend, prefetchFetcher: (endpoint) => (fetched.push(endpoint), 'prefetched') });
    await manager.set('/cached', 'demand');
    manager.prefetch('/cached');
    await manager.drainPrefetchQueue();
    expect(fetched).toEqual(['/cached']);
    expect(await manager.getMetrics()).toMatchObject({ prefetchesSkipped: 0, prefetchesStored: 1 });
  });

  it('a prefetched entry found corrupt on its first read is a miss, a decode error and a wasted prefetch', async () => {
    const { manager } = await startedManager({ prefetchFetcher: () => 'prefetched' });
    manager.prefetch('/fine');
    await manager.drainPrefetchQueue();
    // A prefetched entry whose bytes went bad in the store (unknown marker 0x07).
    (manager.currentBackend as MemoryBackend).set('/corrupt', Uint8Array.of(0x07, 1, 2), { prefetched: true });
    expect(await manager.get('/corrupt', 'default')).toBe('default');
    expect(await manager.get('/fine')).toBe('prefetched');
    expect(await manager.getMetrics()).toMatchObject({ decodeErrors: 1, wastedPrefetches: 1, prefetchHits: 1, misses: 1 });
  });
});

describe('CacheManager: prefetchTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is validated, defaults to 30 s, 0 meaning no limit', async () => {
    expect(new CacheManager().config.prefetchTimeout).toBe(30);
    expect(new CacheManager({ prefetchTimeout: 0 }).config.prefetchTimeout).toBe(0);
    expect(new CacheManager({ prefetchTimeout: 2_147_483 }).config.prefetchTimeout).toBe(2_147_483);
    // Longer than Node's longest timer: it would fire after 1 ms and time every prefetch out.
    for (const bad of [-1, Number.NaN, Infinity, 2_147_484]) {
      const error = (() => {
        try {
          new CacheManager({ prefetchTimeout: bad });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe('prefetchTimeout');
    }
  });

  it('a fetch past the limit is aborted, counted as failed, its late result not stored, and stop() does not wait for it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const signals = new Map<string, AbortSignal>();
    const late = new Map<string, (value: string) => void>();
    const { manager, logger } = await startedManager({
      prefetchTimeout: 2,
      prefetchFetcher: (endpoint, _params, { signal }) => {
        signals.set(endpoint, signal);
        return endpoint === '/quick' ? 'quick' : new Promise<string>((resolve) => late.set(endpoint, resolve));
      },
    });
    manager.prefetchMany([['/hangs'], ['/quick']]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(signals.get('/hangs')!.aborted).toBe(false);
    expect(signals.get('/quick')!.aborted).toBe(false);
    const stopped = manager.stop();
    await vi.advanceTimersByTimeAsync(1);
    await stopped; // resolves at the timeout, not never
    expect(signals.get('/hangs')!.aborted).toBe(true);
    expect(signals.get('/hangs')!.reason).toBeInstanceOf(PrefetchTimeoutError);
    expect(signals.get('/quick')!.aborted).toBe(false);
    expect(logger.at('warn')).toEqual([
      'cache manager: prefetch of "/hangs" failed: the fetch of "/hangs" took longer than prefetchTimeout (2 s); raise prefetchTimeout, or set it to 0 for no limit',
    ]);
    await manager.start();
    late.get('/hangs')!('too late');
    await vi.advanceTimersByTimeAsync(0);
    expect(await manager.get('/hangs', 'absent')).toBe('absent');
    expect(await manager.get('/quick')).toBe('quick');
    expect(await manager.getMetrics()).toMatchObject({ prefetchFailures: 1, prefetchesStored: 1 });
  });

  it('sets a timer only for a fetch that returns a Promise (one that answered at once has nothing to time out)', async () => {
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    const timersOf = () => timeouts.mock.calls.filter(([, ms]) => ms === 30_000).length;
    const { manager } = await startedManager({ prefetchFetcher: (endpoint) => (endpoint === '/sync' ? 'now' : Promise.resolve('later')) });
    manager.prefetch('/sync');
    await manager.drainPrefetchQueue();
    expect(timersOf()).toBe(0);
    manager.prefetch('/async');
    await manager.drainPrefetchQueue();
    expect(timersOf()).toBe(1);
    expect([await manager.get('/sync'), await manager.get('/async')]).toEqual(['now', 'later']);
    timeouts.mockRestore();
  });

  it('prefetchTimeout 0: a slow fetch is waited for however long it takes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let finish!: (value: string) => void;
    let signal!: AbortSignal;
    const { manager } = await startedManager({
      prefetchTimeout: 0,
      prefetchFetcher: (_endpoint, _params, context) => ((signal = context.signal), new Promise<string>((resolve) => (finish = resolve))),
    });
    manager.prefetch('/slow');
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(signal.aborted).toBe(false);
    finish('slow');
    await manager.drainPrefetchQueue();
    expect(await manager.get('/slow')).toBe('slow');
    expect(await manager.getMetrics()).toMatchObject({ prefetchFailures: 0, prefetchesStored: 1 });
  });
});

describe('CacheManager: prefetch worker lifecycle', () => {
  it('a worker set up before start() runs once started, pauses on stop and resumes on restart', async () => {
    const manager = new CacheManager({ logger: new RecordingLogger() });
    const fetched: string[] = [];
    manager.startPrefetchWorker(async (endpoint) => (fetched.push(endpoint), endpoint), 1);
    manager.prefetch('/before-start');
    await manager.drainPrefetchQueue();
    expect(fetched).toEqual([]);
    await manager.start();
    await manager.drainPrefetchQueue();
    expect(fetched).toEqual(['/before-start']);
    await manager.stop();
    manager.prefetch('/while-stopped');
    await manager.drainPrefetchQueue();
    expect(fetched).toEqual(['/before-start']);
    await manager.start();
    await manager.drainPrefetchQueue();
    expect(fetched).toEqual(['/before-start', '/while-stopped']);
    expect(() => manager.startPrefetchWorker(async () => 1)).toThrow(/already running/);
    await manager.stop();
  });
});

describe('producers of one key racing each other', () => {
  it('a prefetch that started before a getOrSet factory does not overwrite its stored value', async () => {
    let finishFetch!: (value: string) => void;
    const { manager } = await startedManager({ prefetchFetcher: () => new Promise<string>((resolve) => (finishFetch = resolve)) });
    manager.prefetch('/race');
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(finishFetch).toBeDefined(); // the fetch is under way
    expect(await manager.getOrSet('/race', () => 'fresh')).toBe('fresh');
    finishFetch('older');
    await manager.drainPrefetchQueue();
    expect(await manager.getEntry('/race')).toMatchObject({ value: 'fresh', prefetched: false });
    expect(await manager.getMetrics()).toMatchObject({ prefetchesStored: 0, staleResultsDropped: 1 });
  });

  it('a getOrSet factory that started before a prefetch hands its value to its callers but leaves the newer one cached', async () => {
    let finishFactory!: (value: string) => void;
    const { manager } = await startedManager({ prefetchFetcher: () => 'prefetched' });
    const slow = manager.getOrSet('/race', () => new Promise<string>((resolve) => (finishFactory = resolve)));
    manager.prefetch('/race');
    await manager.drainPrefetchQueue();
    finishFactory('older');
    expect(await slow).toBe('older');
    expect(await manager.getEntry('/race')).toMatchObject({ value: 'prefetched', prefetched: true });
    expect(await manager.getMetrics()).toMatchObject({ prefetchesStored: 1, staleResultsDropped: 1 });
  });
});
