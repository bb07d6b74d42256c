/**
 * Regression tests from a second audit of the CacheManager, the prefetch queue and worker, and
 * the in-memory backend: each one failed before the fix it names.
 */
import { describe, expect, it } from 'vitest';
import { CacheManager } from '../../src/manager/cache-manager.js';
import { AsyncBackend, RecordingLogger, startedManager } from './helpers.js';

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
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { manager } = await startedManager({
      prefetchFetcher: async () => {
        await gate;
        return 1;
      },
    });
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
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { manager } = await startedManager({
      prefetchFetcher: async () => {
        await gate;
        return 1;
      },
    });
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
