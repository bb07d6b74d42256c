/**
 * The storage interface under the CacheManager. A backend stores opaque encoded bytes (the
 * manager's marker byte + payload) with per-entry TTL and metadata, and keeps LRU order and
 * byte counts so that the RL eviction controls work on every backend. A custom backend
 * implements this interface and is passed to the manager as `backend` (see README).
 *
 * Methods may answer synchronously (the in-memory backend) or with a Promise (Redis); the
 * manager awaits either.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface BackendEntry {
  /** Encoded bytes exactly as given to `set`. */
  value: Uint8Array;
  /** Metadata given to `set`, if any (JSON-compatible). */
  metadata?: Record<string, unknown>;
  /**
   * True on the first read of an entry stored with `prefetched: true`; the backend clears the
   * flag on that read, so a prefetch hit is counted once.
   */
  prefetched: boolean;
}

/**
 * An entry whose encoded bytes are a string holding one byte per character (latin1), for
 * backends that keep entries that way (see `CacheBackend.getLatin1`).
 */
export interface BackendLatin1Entry extends Omit<BackendEntry, 'value'> {
  value: string;
}

export interface BackendSetOptions {
  /** Time to live in milliseconds; undefined or 0 means no expiry. */
  ttlMs?: number;
  metadata?: Record<string, unknown>;
  /** Stored by the prefetch worker rather than on demand. */
  prefetched?: boolean;
}

export interface BackendStats {
  /** Live entries (expired entries not yet reclaimed may be excluded or reclaimed first). */
  entries: number;
  /** Sum of the stored value sizes in bytes (encoded bytes; metadata excluded). */
  sizeBytes: number;
  /** Entries removed to respect capacity or by evictLru / evictKeys. */
  evictions: number;
  /** Entries removed because their TTL passed. */
  expirations: number;
  /** Prefetched entries removed (evicted, expired, deleted or overwritten) before any read. */
  wastedPrefetches: number;
  /**
   * Operations that failed in the backend itself (server unreachable, command timeout) and were
   * settled as a miss / refused set. Only remote backends report it.
   */
  backendErrors?: number;
  /**
   * Stored entries the backend refused to return (bad signature, foreign value of the wrong
   * type, unreadable metadata); each read was a miss. Only remote backends report it.
   */
  rejectedEntries?: number;
  /** Capacity limits, when the backend has them. */
  maxEntries?: number;
  maxBytes?: number;
}

export interface CacheBackend {
  readonly name: string;
  /**
   * Optional: true when every method answers with a plain value, never a Promise (the in-memory
   * backend). The manager's `getSync` needs it.
   */
  readonly synchronous?: boolean;
  /** Connects / allocates. Resolves false (never rejects) when the backend cannot start. */
  start(): Promise<boolean>;
  stop(): Promise<void>;
  /** The entry, or undefined when absent or expired. Marks the entry most recently used. */
  get(key: string): MaybePromise<BackendEntry | undefined>;
  /**
   * Optional: `get` with the bytes as a latin1 string (one byte per character), for a backend
   * that keeps entries as such strings. When present, the manager reads through it instead of
   * `get`: the codec decodes a string without copying it into a Buffer first (for small JSON
   * entries that copy was a third of a hit's cost). Same semantics as `get` otherwise.
   */
  getLatin1?(key: string): MaybePromise<BackendLatin1Entry | undefined>;
  /**
   * Stores an entry (most recently used). False when refused (e.g. larger than capacity); an
   * entry already stored under the key is then removed, as it is no longer current.
   */
  set(key: string, value: Uint8Array, options?: BackendSetOptions): MaybePromise<boolean>;
  /** True when the key existed. */
  delete(key: string): MaybePromise<boolean>;
  /**
   * Optional: whether a live (unexpired) entry is stored under `key`, without reading it: LRU
   * order and the prefetched flag stay as they are. With it, the prefetch worker skips keys
   * that are already cached instead of fetching them again (see `prefetchesSkipped`).
   */
  has?(key: string): MaybePromise<boolean>;
  getMany(keys: readonly string[]): MaybePromise<(BackendEntry | undefined)[]>;
  setMany(
    entries: readonly { key: string; value: Uint8Array; options?: BackendSetOptions }[],
  ): MaybePromise<boolean[]>;
  /** Evicts up to `count` least-recently-used entries; returns how many. */
  evictLru(count: number): MaybePromise<number>;
  /** Evicts the given keys (counted as evictions, not deletes); returns how many existed. */
  evictKeys(keys: readonly string[]): MaybePromise<number>;
  /** Live keys from least to most recently used. */
  keys(): MaybePromise<string[]>;
  stats(): MaybePromise<BackendStats>;
  /** Removes every entry this backend owns (and only those). */
  clear(): MaybePromise<void>;
}
