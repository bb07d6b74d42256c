/**
 * `CacheManager`: application-level caching on top of a `CacheBackend`. It turns values into
 * bytes (codec.ts: v8 or json, zlib when it pays, one marker byte), applies TTLs, protects
 * `getOrSet` against stampedes, coordinates prefetching (a bounded priority queue drained by a
 * worker through your fetcher), exposes eviction controls for RL agents, and counts everything
 * (`getMetrics()`).
 *
 * Failure model: the cache never breaks the application. A backend that cannot start puts the
 * manager in no-cache mode (reads miss, writes return false); corrupt stored bytes and backend
 * errors are misses, counted and logged. Only caller mistakes throw: a value the format cannot
 * represent (`SerializationError`) and invalid arguments (`InvalidArgumentError`).
 */
import type { BackendEntry, BackendLatin1Entry, BackendStats, CacheBackend, MaybePromise } from '../backends/backend.js';
import { MemoryBackend } from '../backends/memory.js';
import type { RedisConfig } from '../backends/redis-config.js';
import { Codec, DECODE_FAILED, type EncodedEntry } from './codec.js';
import { resolveCacheManagerConfig, type CacheManagerConfig, type ResolvedCacheManagerConfig } from './config.js';
import { BackendUnavailableError, InvalidArgumentError, PrefetchTimeoutError, SerializationError } from './errors.js';
import type { CacheKeyParams } from './keys.js';
import type { CacheLogger } from './logger.js';
import { buildMetrics, ManagerCounters, type CacheMetrics } from './metrics.js';
import { PrefetchQueue, type EnqueueOutcome, type PrefetchItem, type PrefetchRequest } from './prefetch-queue.js';
import { PrefetchWorker, type PrefetchFetcher } from './prefetch-worker.js';
import { WriteGenerations, type WriteTicket } from './write-generations.js';

export interface SetOptions {
  /** Time to live in seconds; 0 = never expires. Default: the config's `defaultTtl`. */
  ttl?: number;
  /** JSON-compatible data stored with the entry (read back with `getEntry`). */
  metadata?: Record<string, unknown>;
}

export interface GetOrSetOptions {
  /** Time to live in seconds for the value the factory produces. Default: `defaultTtl`. */
  ttl?: number;
}

export interface CachedEntry<T> {
  value: T;
  metadata: Record<string, unknown> | undefined;
  /** Stored by the prefetch worker and not read before. */
  prefetched: boolean;
}

/** Read from `getPrefetchQueue()`: the queue from the next item to be fetched to the last. */
export interface PrefetchQueueItem {
  key: string;
  endpoint: string;
  params: CacheKeyParams | undefined;
  priority: number;
}

/** Key → probability of access soon, as a Map or a plain object. */
export type AccessPredictions = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

const MISS: unique symbol = Symbol('cachelab.miss');
/** Bound once: under vitest's module runner an imported binding is a namespace read on every use. */
const FAILED = DECODE_FAILED;
type Lookup = unknown;

function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class CacheManager {
  readonly config: ResolvedCacheManagerConfig;
  private readonly codec: Codec;
  private readonly counters = new ManagerCounters();
  private readonly logger: CacheLogger;
  private readonly queue: PrefetchQueue;
  /** getOrSet factory runs by key, with the write ticket each was started under. */
  private readonly inFlight = new Map<string, { run: Promise<unknown>; ticket: WriteTicket }>();
  /** Keeps a getOrSet or prefetch result from overwriting a set/delete that landed while it was produced. */
  private readonly writes = new WriteGenerations();
  /**
   * Writes (set, delete) sent to the backend so far. A read that finds a corrupt entry deletes it
   * only when no write was sent after the read: with a remote backend a newer value may have
   * landed meanwhile, and deleting the key would lose it.
   */
  private writeSerial = 0;
  private backend: CacheBackend | undefined;
  private worker: PrefetchWorker | undefined;
  private running = false;
  /** stopBackend is between its start and `running = false` (waiting for prefetches in flight). */
  private stoppingBackend = false;
  /**
   * The last start() or stop() not yet finished. Lifecycle calls run one after another in call
   * order (a start() made during a stop() runs once that stop is done, and the reverse);
   * consecutive calls of the same kind share one run (one backend and one connection, not one each).
   */
  private lifecycle: { kind: 'start'; run: Promise<boolean> } | { kind: 'stop'; run: Promise<void> } | undefined;
  /** The backend has started at least once: its counters are reported even while stopped. */
  private startedOnce = false;
  private readonly defaultTtlMs: number;

  /** Validates `config` (throws `ConfigError` naming the field); connects nothing until `start()`. */
  constructor(config: CacheManagerConfig = {}) {
    this.config = resolveCacheManagerConfig(config);
    const c = this.config;
    this.logger = c.logger;
    this.defaultTtlMs = c.defaultTtl * 1000;
    this.codec = new Codec({
      format: c.serializationFormat,
      compressionEnabled: c.compressionEnabled,
      compressionThreshold: c.compressionThreshold,
      compressionLevel: c.compressionLevel,
      maxEntrySize: c.maxEntrySize,
    });
    this.queue = new PrefetchQueue(c.prefetchQueueSize);
    if (c.backendType === 'memory' && c.backend === undefined) {
      this.backend = new MemoryBackend(c.backendConfig, { clock: c.clock });
    }
  }

  /** True between a successful `start()` and `stop()`. When false, the manager answers in no-cache mode. */
  get isRunning(): boolean {
    return this.running;
  }

  /** The backend in use (undefined before `start()` for lazily loaded backends). */
  get currentBackend(): CacheBackend | undefined {
    return this.backend;
  }

  /**
   * Creates / connects the backend. Resolves false when it cannot start: the manager then runs
   * in no-cache mode. Rejects only when the backend module itself cannot be loaded.
   */
  start(): Promise<boolean> {
    const last = this.lifecycle;
    if (last?.kind === 'start') return last.run;
    if (last === undefined && this.running) return Promise.resolve(true);
    // After a stop() in progress: starting now would race the backend's own stop (and, while
    // the stop waits for prefetches in flight, answer true for a manager about to stop).
    const run: Promise<boolean> = (last === undefined ? this.startBackend() : last.run.catch(() => undefined).then(() => this.startBackend())).finally(() => {
      if (this.lifecycle?.run === run) this.lifecycle = undefined;
    });
    this.lifecycle = { kind: 'start', run };
    return run;
  }

  private async startBackend(): Promise<boolean> {
    if (this.running) return true;
    const backend = this.backend ?? (this.backend = await this.createBackend());
    let started = false;
    try {
      started = await backend.start();
    } catch (error) {
      this.counters.backendErrors++;
      this.logger.error(`cache manager: backend "${backend.name}" failed to start: ${errorText(error)}`);
    }
    if (!started) {
      this.logger.warn(`cache manager: backend "${backend.name}" did not start; running in no-cache mode (reads miss, writes are refused)`);
      return false;
    }
    this.running = true;
    this.startedOnce = true;
    if (!this.worker && this.config.prefetchFetcher) this.startPrefetchWorker(this.config.prefetchFetcher);
    else this.worker?.start();
    this.logger.info(`cache manager: started on "${backend.name}" (${this.config.serializationFormat}, compression ${this.config.compressionEnabled ? 'on' : 'off'})`);
    return true;
  }

  /**
   * Stops the prefetch worker (waiting for fetches in flight, whose results are still stored)
   * and then the backend. Concurrent calls share one stop.
   */
  stop(): Promise<void> {
    const last = this.lifecycle;
    if (last?.kind === 'stop') return last.run;
    // After a start() in progress, which would otherwise leave the manager running after this stop().
    const run: Promise<void> = (last === undefined ? this.stopBackend() : last.run.catch(() => undefined).then(() => this.stopBackend())).finally(() => {
      if (this.lifecycle?.run === run) this.lifecycle = undefined;
    });
    this.lifecycle = { kind: 'stop', run };
    return run;
  }

  private async stopBackend(): Promise<void> {
    if (!this.running) return;
    // The worker is kept (stopped) and resumes on the next start(). It stops before the manager
    // does, so the fetches it waits for can still store what they fetched.
    this.stoppingBackend = true;
    try {
      if (this.worker) await this.worker.stop();
    } finally {
      this.stoppingBackend = false;
    }
    this.running = false;
    try {
      await this.backend?.stop();
    } catch (error) {
      this.counters.backendErrors++;
      this.logger.error(`cache manager: backend "${this.backend?.name}" failed to stop: ${errorText(error)}`);
    }
    this.logger.info('cache manager: stopped');
  }

  // ---- reads -------------------------------------------------------------------------------

  /** The cached value, or `defaultValue` on a miss (absent, expired, corrupt, no-cache mode). */
  get<T = unknown>(key: string, defaultValue?: T): Promise<T | undefined> {
    if (typeof key !== 'string') return Promise.reject(badKey(key));
    this.counters.cacheOperations++;
    // lookup answers defaultValue on a miss, so a backend's Promise needs one `then`, not two.
    return Promise.resolve(this.lookup(key, false, defaultValue) as T | undefined | Promise<T | undefined>);
  }

  /**
   * `get` without the Promise, for a backend that answers synchronously (`synchronous: true`: the
   * in-memory backend): the same lookup, decoding and counting, without the `await` a caller of
   * `get` pays on every hit (160–190 ns, about a quarter of a ~700 ns small `get` hit). Throws
   * `InvalidArgumentError` on a backend that answers with Promises (Redis); use `get` there.
   */
  getSync<T = unknown>(key: string, defaultValue?: T): T | undefined {
    if (typeof key !== 'string') throw badKey(key);
    // A custom backend is this.backend only from start(): before that, judge the one configured.
    const backend = this.backend ?? this.config.backend;
    if (backend?.synchronous !== true) {
      throw new InvalidArgumentError('getSync', `needs a backend that answers synchronously (the in-memory one); backend ${backend ? `"${backend.name}"` : `"${this.config.backendType}"`} answers with Promises, so use get()`);
    }
    this.counters.cacheOperations++;
    const found = this.lookup(key, false, defaultValue);
    // A backend that says it is synchronous and is not: its read settles later (and is counted then).
    if (isPromise(found)) throw new InvalidArgumentError('getSync', `backend "${backend.name}" says it is synchronous but its get returned a Promise; use get()`);
    return found as T | undefined;
  }

  /** The cached value with its metadata, or undefined on a miss. */
  async getEntry<T = unknown>(key: string): Promise<CachedEntry<T> | undefined> {
    if (typeof key !== 'string') throw badKey(key);
    this.counters.cacheOperations++;
    return (await this.lookup(key, true, undefined)) as CachedEntry<T> | undefined;
  }

  /**
   * The cached value; on a miss, calls `factory` (sync or async), caches and returns its result.
   * Concurrent calls for one key share one factory run. A factory error propagates to every
   * waiting caller and nothing is cached. A result that cannot be cached (unserializable,
   * oversized) is still returned; the refusal is counted and logged.
   */
  getOrSet<T>(key: string, factory: () => T | Promise<T>, options?: GetOrSetOptions): Promise<T> {
    if (typeof key !== 'string') return Promise.reject(badKey(key));
    if (typeof factory !== 'function') return Promise.reject(new InvalidArgumentError('factory', `must be a function that returns the value (or a Promise of it), got ${typeof factory}`));
    this.counters.cacheOperations++;
    let ttlMs: number;
    try {
      ttlMs = this.ttlMs(options?.ttl);
    } catch (error) {
      return Promise.reject(error);
    }
    const found = this.lookup(key, false, MISS);
    if (found instanceof Promise) return found.then((v) => (v === MISS ? this.produce(key, factory, ttlMs) : (v as T)));
    return found === MISS ? this.produce(key, factory, ttlMs) : Promise.resolve(found as T);
  }

  // ---- writes ------------------------------------------------------------------------------

  /**
   * Stores `value`. Resolves true when stored; false in no-cache mode, when the encoded entry is
   * larger than `maxEntrySize`, or when the backend refuses it (all counted). Rejects with
   * `SerializationError` when the format cannot represent the value.
   */
  async set(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    if (typeof key !== 'string') throw badKey(key);
    this.counters.cacheOperations++;
    const ttlMs = this.ttlMs(options?.ttl);
    const metadata = options?.metadata === undefined ? undefined : jsonMetadata(options.metadata);
    this.writes.wrote(key);
    return this.store(key, value, ttlMs, metadata, false);
  }

  /** Removes `key`; true when it was cached. */
  async delete(key: string): Promise<boolean> {
    if (typeof key !== 'string') throw badKey(key);
    this.counters.cacheOperations++;
    this.writes.wrote(key);
    const backend = this.backend;
    if (!this.running || !backend) return false;
    let removed = false;
    try {
      this.writeSerial++;
      removed = await backend.delete(key);
    } catch (error) {
      this.backendFailure('delete', error);
    }
    if (removed) this.counters.deletes++;
    return removed;
  }

  // ---- prefetch ----------------------------------------------------------------------------

  /**
   * Queues a prefetch of `endpoint` with `params` (stored under generateCacheKey(endpoint,
   * params)); higher priority is fetched first. Returns what happened: queued, merged into the
   * same key already queued (higher priority kept), or dropped because the queue is full of
   * higher priorities.
   */
  prefetch(endpoint: string, params?: CacheKeyParams | null, priority?: number): EnqueueOutcome {
    const outcome = this.queue.enqueue(endpoint, params, priority);
    if (outcome === 'queued') this.counters.prefetchRequests++;
    this.counters.prefetchDropped = this.queue.dropped;
    if (outcome !== 'dropped') this.worker?.notify();
    return outcome;
  }

  /** Queues many prefetches: `[endpoint, params, priority]` tuples or objects. Returns how many were queued or merged. */
  prefetchMany(items: Iterable<PrefetchRequest>): number {
    let accepted = 0;
    for (const item of items) {
      const outcome = Array.isArray(item)
        ? this.prefetch(item[0] as string, item[1] as CacheKeyParams | null | undefined, item[2] as number | undefined)
        : this.prefetch(
            (item as { endpoint: string }).endpoint,
            (item as { params?: CacheKeyParams | null }).params,
            (item as { priority?: number }).priority,
          );
      if (outcome !== 'dropped') accepted++;
    }
    return accepted;
  }

  /** The queued prefetches, next to be fetched first (priority descending, first-in first-out among equals). */
  getPrefetchQueue(): PrefetchQueueItem[] {
    return this.queue.snapshot().map(({ key, endpoint, params, priority }) => ({ key, endpoint, params, priority }));
  }

  /** Empties the prefetch queue; returns how many items were removed. */
  clearPrefetchQueue(): number {
    const size = this.queue.size;
    this.queue.clear();
    return size;
  }

  /**
   * Sets up the worker that drains the prefetch queue through `fetcher` (at most `concurrency`
   * fetches at once, default `prefetchConcurrency`); it runs while the manager runs. `start()`
   * does this itself when the config has a `prefetchFetcher`. Throws while another worker runs.
   */
  startPrefetchWorker(fetcher: PrefetchFetcher, concurrency = this.config.prefetchConcurrency): void {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError('concurrency', `must be an integer >= 1, got ${concurrency}`);
    if (this.worker?.isRunning) throw new InvalidArgumentError('fetcher', 'a prefetch worker is already running; stop the manager first');
    this.worker = new PrefetchWorker(this.queue, concurrency, (item) => this.prefetchOne(fetcher, item));
    // During a stop() the manager still runs but is about to stop: this worker starts on the next start().
    if (this.running && !this.stoppingBackend) this.worker.start();
  }

  /** Resolves when the prefetch worker has emptied the queue and finished its fetches. */
  drainPrefetchQueue(): Promise<void> {
    return this.worker ? this.worker.drain() : Promise.resolve();
  }

  // ---- eviction control (for RL) -----------------------------------------------------------

  /** Evicts up to `count` least-recently-used entries; returns how many. */
  async evictLru(count = 10): Promise<number> {
    checkCount(count);
    const backend = this.backend;
    if (!this.running || !backend || count === 0) return 0;
    try {
      const evicted = await backend.evictLru(count);
      if (evicted > 0) this.logger.info(`cache manager: evicted ${evicted} least-recently-used entries`);
      return evicted;
    } catch (error) {
      this.backendFailure('evictLru', error);
      return 0;
    }
  }

  /**
   * Evicts up to `count` cached entries with the lowest predicted access probability; returns
   * how many. Cached keys absent from `predictions` count as probability 0 (nothing predicts
   * they will be needed), so they go first; ties, including all unpredicted keys, are broken by
   * LRU order (least recently used first). Predicted keys that are not cached are ignored.
   */
  async evictLowProbability(predictions: AccessPredictions, count = 10): Promise<number> {
    checkCount(count);
    if (predictions === null || typeof predictions !== 'object' || Array.isArray(predictions)) {
      throw new InvalidArgumentError('predictions', `must be a Map or a plain object of key → probability, got ${predictions === null ? 'null' : Array.isArray(predictions) ? 'an array' : typeof predictions}`);
    }
    const backend = this.backend;
    if (!this.running || !backend || count === 0) return 0;
    const probabilityOf =
      predictions instanceof Map
        ? (key: string) => (predictions as ReadonlyMap<string, number>).get(key)
        : (key: string) => (Object.hasOwn(predictions, key) ? (predictions as Record<string, number>)[key] : undefined);
    // Only the backend's own calls are backend failures: a mistake in `predictions` rejects.
    let keys: string[];
    try {
      keys = await backend.keys(); // least → most recently used
    } catch (error) {
      this.backendFailure('evictLowProbability', error);
      return 0;
    }
    const ranked = keys.map((key, lruRank) => {
      const p = probabilityOf(key) ?? 0;
      if (typeof p !== 'number' || Number.isNaN(p)) throw new InvalidArgumentError(`predictions["${key}"]`, `must be a number, got ${String(p)}`);
      return { key, p, lruRank };
    });
    ranked.sort((a, b) => a.p - b.p || a.lruRank - b.lruRank);
    const victims = ranked.slice(0, count).map((r) => r.key);
    let evicted = 0;
    try {
      evicted = victims.length > 0 ? await backend.evictKeys(victims) : 0;
    } catch (error) {
      this.backendFailure('evictLowProbability', error);
      return 0;
    }
    if (evicted > 0) this.logger.info(`cache manager: evicted ${evicted} low-probability entries`);
    return evicted;
  }

  // ---- metrics -----------------------------------------------------------------------------

  /** A snapshot of every counter (see `CacheMetrics` for each key's meaning). */
  async getMetrics(): Promise<CacheMetrics> {
    let stats: BackendStats | undefined;
    const backend = this.backend;
    // Counters only grow: once started, the backend's evictions / expirations / wasted prefetches
    // are reported after stop() too (a stopped memory backend still answers; a stopped Redis
    // backend answers its last figures without a round trip), not as 0.
    if (backend && this.startedOnce) {
      try {
        stats = await backend.stats();
      } catch (error) {
        // A stopped backend may refuse; that is no failure of an operation the application made.
        if (this.running) this.backendFailure('stats', error);
      }
    }
    this.counters.prefetchDropped = this.queue.dropped;
    return buildMetrics(this.counters, this.codec.stats, stats, this.queue.size);
  }

  // ---- internals ---------------------------------------------------------------------------

  private ttlMs(ttl: number | undefined): number {
    if (ttl === undefined) return this.defaultTtlMs;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
      throw new InvalidArgumentError('ttl', `must be a number of seconds >= 0 (0 = never expires), got ${String(ttl)}`);
    }
    return ttl * 1000;
  }

  /**
   * The decoded value (or a CachedEntry when `withEntry`), or `miss`; a Promise of that only
   * when the backend answered with a Promise. Counts the hit or miss.
   */
  private lookup(key: string, withEntry: boolean, miss: unknown): Lookup | Promise<Lookup> {
    const backend = this.backend;
    if (!this.running || !backend) {
      this.counters.misses++;
      return miss;
    }
    let entry: MaybePromise<BackendEntry | BackendLatin1Entry | undefined>;
    const serial = this.writeSerial;
    try {
      // getLatin1, where the backend has it, spares the codec a copy (see CacheBackend).
      entry = backend.getLatin1 !== undefined ? backend.getLatin1(key) : backend.get(key);
    } catch (error) {
      this.backendFailure('get', error);
      this.counters.misses++;
      return miss;
    }
    if (isPromise(entry)) {
      // Promise.resolve: a native Promise even when a custom backend returns another thenable.
      return Promise.resolve(entry).then(
        (e) => this.readEntry(key, e, withEntry, miss, serial),
        (error: unknown) => {
          this.backendFailure('get', error);
          this.counters.misses++;
          return miss;
        },
      );
    }
    return this.readEntry(key, entry, withEntry, miss, serial);
  }

  /** `serial`: `writeSerial` when the read was sent. */
  private readEntry(key: string, entry: BackendEntry | BackendLatin1Entry | undefined, withEntry: boolean, miss: unknown, serial: number): Lookup {
    if (entry === undefined) {
      this.counters.misses++;
      this.logger.debug('cache miss', key);
      return miss;
    }
    const value = this.codec.decode(entry.value);
    if (value === FAILED) {
      this.counters.misses++;
      this.counters.decodeErrors++;
      // A write sent after this read may already have replaced the corrupt bytes: then it stays.
      const current = this.writeSerial === serial;
      this.logger.warn(`cache manager: entry "${key}" is corrupt (${this.codec.lastDecodeError?.message}); treated as a miss${current ? ' and deleted' : ''}`);
      if (current) this.discard(key);
      // Its prefetched flag was cleared by this read, so the backend will not count it wasted.
      if (entry.prefetched) this.counters.corruptPrefetches++;
      return miss;
    }
    this.counters.hits++;
    if (entry.prefetched) this.counters.prefetchHits++;
    this.logger.debug('cache hit', key);
    // A copy: metadata, like the value, shares nothing with what is cached.
    return withEntry ? { value, metadata: entry.metadata === undefined ? undefined : structuredClone(entry.metadata), prefetched: entry.prefetched } : value;
  }

  /** Removes the entry a refused set was meant to replace; failures only counted. */
  private async removeSuperseded(key: string, backend: CacheBackend): Promise<void> {
    this.writeSerial++;
    try {
      await backend.delete(key);
    } catch (error) {
      this.backendFailure('delete', error);
    }
  }

  /** Deletes a corrupt entry so it is not read again; failures only counted. */
  private discard(key: string): void {
    try {
      const done = this.backend?.delete(key);
      if (isPromise(done)) done.catch((error: unknown) => this.backendFailure('delete', error));
    } catch (error) {
      this.backendFailure('delete', error);
    }
  }

  private produce<T>(key: string, factory: () => T | Promise<T>, ttlMs: number): Promise<T> {
    const pending = this.inFlight.get(key);
    // A run that began before a set/delete of the key computes older data than this caller asked
    // for after that write: it is not joined, a new run starts (and is shared from then on).
    if (pending && this.writes.isCurrent(pending.ticket)) return pending.run as Promise<T>;
    const ticket = this.writes.begin(key);
    const flight = { run: undefined as unknown as Promise<T>, ticket };
    // A factory that throws synchronously settles `run` (its finally included) before the
    // inFlight.set below; registering it then would hand that rejection to every later call.
    let settled = false;
    const run = (async () => {
      try {
        const value = await factory();
        if (!this.writes.claim(ticket)) {
          this.staleResult(key, 'getOrSet');
          return value;
        }
        try {
          await this.store(key, value, ttlMs, undefined, false);
        } catch (error) {
          // The caller still gets its value; the refusal is already counted.
          this.logger.warn(`cache manager: getOrSet could not cache "${key}": ${errorText(error)}`);
        }
        return value;
      } finally {
        settled = true;
        this.writes.release(ticket);
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      }
    })();
    flight.run = run;
    if (!settled) this.inFlight.set(key, flight);
    return run;
  }

  private async store(key: string, value: unknown, ttlMs: number, metadata: Record<string, unknown> | undefined, prefetched: boolean): Promise<boolean> {
    const backend = this.backend;
    if (!this.running || !backend) {
      this.counters.rejectedSets++;
      return false;
    }
    let encoded: EncodedEntry;
    try {
      encoded = this.codec.encode(value, key);
      if (encoded.bytes.length > this.config.maxEntrySize) {
        this.counters.oversizedEntries++;
        this.logger.warn(
          `cache manager: "${key}" not cached: ${encoded.bytes.length} encoded bytes exceed maxEntrySize ${this.config.maxEntrySize}` +
            (encoded.serializedSize > encoded.bytes.length ? '' : '; raise maxEntrySize or enable compression'),
        );
        // The value this set meant to replace is no longer current: it must not be served (as a
        // backend does when it refuses a value for its capacity).
        await this.removeSuperseded(key, backend);
        return false;
      }
    } catch (error) {
      if (error instanceof SerializationError) {
        this.counters.serializationErrors++;
        this.logger.warn(error.message);
      }
      throw error;
    }
    const bytes = encoded.bytes;
    let stored = false;
    try {
      const options = metadata === undefined ? { ttlMs, prefetched } : { ttlMs, metadata, prefetched };
      this.writeSerial++;
      stored = await backend.set(key, bytes, options);
      if (!stored) {
        this.logger.warn(`cache manager: backend "${backend.name}" refused "${key}" (${bytes.length} encoded bytes); raise its capacity (backendConfig.maxBytes) or store smaller values`);
      }
    } catch (error) {
      this.backendFailure('set', error);
    }
    if (stored) {
      this.counters.sets++;
      if (encoded.compressed) this.counters.storedCompressed(encoded.serializedSize, bytes.length - 1);
    } else this.counters.rejectedSets++;
    return stored;
  }

  /**
   * The prefetch worker's task: fetch one item and store it marked as prefetched, unless its key
   * is already cached (as the simulator skips resident keys); never rejects.
   */
  private async prefetchOne(fetcher: PrefetchFetcher, item: PrefetchItem): Promise<void> {
    const ticket = this.writes.begin(item.key);
    try {
      if (await this.isCached(item.key)) {
        this.counters.prefetchesSkipped++;
        this.logger.debug('prefetch skipped: already cached', item.key);
        return;
      }
      const value = await this.fetchWithTimeout(fetcher, item);
      if (!this.writes.claim(ticket)) return this.staleResult(item.key, 'prefetch');
      if (await this.store(item.key, value, this.defaultTtlMs, undefined, true)) this.counters.prefetchesStored++;
      else this.prefetchFailed(item, new Error('the backend refused the value'));
    } catch (error) {
      this.prefetchFailed(item, error);
    } finally {
      this.writes.release(ticket);
    }
  }

  /** Whether the backend holds `key` (false when it cannot tell: then the prefetch goes ahead). */
  private async isCached(key: string): Promise<boolean> {
    const backend = this.backend;
    if (!this.running || backend?.has === undefined) return false;
    try {
      return await backend.has(key);
    } catch (error) {
      this.backendFailure('has', error);
      return false;
    }
  }

  /** The fetcher's result; rejects with PrefetchTimeoutError (and aborts the fetch's signal) past prefetchTimeout. */
  private fetchWithTimeout(fetcher: PrefetchFetcher, item: PrefetchItem): Promise<unknown> {
    const controller = new AbortController();
    const result = fetcher(item.endpoint, item.params, { signal: controller.signal });
    const fetched = Promise.resolve(result);
    const seconds = this.config.prefetchTimeout;
    // A fetcher that answered at once (an in-process origin) has nothing left to time out.
    if (seconds === 0 || !isPromise(result)) return fetched;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new PrefetchTimeoutError(item.key, seconds);
        controller.abort(error);
        reject(error);
      }, seconds * 1000);
      // A pending fetch keeps the process alive if it must; the timeout alone does not.
      timer.unref();
    });
    return Promise.race([fetched, timedOut]).finally(() => clearTimeout(timer));
  }

  private prefetchFailed(item: PrefetchItem, error: unknown): void {
    this.counters.prefetchFailures++;
    this.logger.warn(`cache manager: prefetch of "${item.key}" failed: ${errorText(error)}`);
  }

  /** A produced value not stored because the key was set or deleted meanwhile (counted). */
  private staleResult(key: string, producer: 'getOrSet' | 'prefetch'): void {
    this.counters.staleResultsDropped++;
    this.logger.debug(`${producer} result for "${key}" not stored: the key was set, deleted or stored by a producer that started later while it was produced`);
  }

  private backendFailure(operation: string, error: unknown): void {
    this.counters.backendErrors++;
    this.logger.warn(`cache manager: backend ${operation} failed: ${errorText(error)}`);
  }

  private async createBackend(): Promise<CacheBackend> {
    const c = this.config;
    if (c.backend) return c.backend;
    if (c.backendType === 'memory') return new MemoryBackend(c.backendConfig, { clock: c.clock });
    let module: { RedisBackend?: new (config: RedisConfig, options: { clock: unknown; logger: CacheLogger }) => CacheBackend };
    try {
      module = (await import('../backends/redis.js')) as typeof module;
    } catch (error) {
      throw new BackendUnavailableError('redis', `cannot load the Redis backend module (${errorText(error)}); use backendType "memory" or pass your own backend`, { cause: error });
    }
    if (typeof module.RedisBackend !== 'function') {
      throw new BackendUnavailableError('redis', 'the Redis backend module does not export RedisBackend');
    }
    return new module.RedisBackend(c.backendConfig as RedisConfig, { clock: c.clock, logger: this.logger });
  }
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new InvalidArgumentError('count', `must be an integer >= 0, got ${String(count)}`);
}

/** Keys are strings in every backend: Redis would stringify anything else, a Map would not. */
function badKey(key: unknown): InvalidArgumentError {
  return new InvalidArgumentError('key', `must be a string (generateCacheKey makes one from an endpoint and params), got ${key === null ? 'null' : typeof key}`);
}

/**
 * Metadata is kept as JSON in every backend (Redis has to), so the manager hands each backend
 * the same JSON round trip: a private copy of plain data (functions and undefined fields dropped,
 * Dates as ISO strings, as JSON.stringify does). What JSON cannot hold at all is refused.
 */
function jsonMetadata(metadata: unknown): Record<string, unknown> {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new InvalidArgumentError('metadata', `must be a plain object of JSON data, got ${metadata === null ? 'null' : Array.isArray(metadata) ? 'an array' : typeof metadata}`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(metadata);
  } catch (error) {
    throw new InvalidArgumentError('metadata', `cannot be stored as JSON (${errorText(error)}); use strings, numbers, booleans, arrays and objects`);
  }
  // A toJSON may turn the object into nothing or into something that is not an object.
  const copy: unknown = text === undefined ? undefined : JSON.parse(text);
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy)) {
    throw new InvalidArgumentError('metadata', `its toJSON gives ${copy === undefined ? 'nothing' : Array.isArray(copy) ? 'an array' : JSON.stringify(copy)}, not an object; pass a plain object of JSON data`);
  }
  return copy as Record<string, unknown>;
}
