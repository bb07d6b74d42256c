/**
 * The prefetch worker: takes items from the queue, highest priority first, and runs `runItem` on
 * each (the manager fetches the item through the user's fetcher and stores the result under the
 * item's key, marked as prefetched) with at most `concurrency` items in flight. It runs while
 * started and wakes up whenever `notify()` says something was queued; `drain()` resolves once the
 * queue is empty and nothing is in flight.
 */
import type { CacheKeyParams } from './keys.js';
import type { PrefetchItem, PrefetchQueue } from './prefetch-queue.js';

/** What the worker hands a fetch besides the endpoint and params. */
export interface PrefetchFetchContext {
  /** Aborted when the fetch passes `prefetchTimeout` (its result is then not stored). */
  signal: AbortSignal;
}

/**
 * Fetches the data for one prefetch (may return a Promise); its result is cached under
 * generateCacheKey(endpoint, params). Pass `context.signal` on (to `fetch`, for instance) so a
 * fetch that timed out stops.
 */
export type PrefetchFetcher = (endpoint: string, params: CacheKeyParams | undefined, context: PrefetchFetchContext) => unknown;

/** Fetches and stores one item; must not reject (failures are the caller's to count). */
export type PrefetchRunner = (item: PrefetchItem) => Promise<void>;

export class PrefetchWorker {
  private running = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly queue: PrefetchQueue,
    private readonly concurrency: number,
    private readonly runItem: PrefetchRunner,
  ) {}

  get active(): number {
    return this.inFlight;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops taking new items and waits for the fetches in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Something was queued. */
  notify(): void {
    if (this.running) this.pump();
  }

  /** Resolves when the queue is empty and no fetch is in flight (at once when stopped and idle). */
  drain(): Promise<void> {
    if (this.inFlight === 0 && (this.queue.size === 0 || !this.running)) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running && this.inFlight < this.concurrency) {
      const item = this.queue.take();
      if (!item) break;
      this.inFlight++;
      void this.run(item);
    }
    if (this.inFlight === 0 && (this.queue.size === 0 || !this.running)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async run(item: PrefetchItem): Promise<void> {
    try {
      await this.runItem(item);
    } finally {
      this.inFlight--;
      this.pump();
    }
  }
}
