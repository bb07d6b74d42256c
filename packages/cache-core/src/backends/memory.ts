/**
 * The in-memory backend: a `CacheBackend` in one process, with LRU order, per-entry TTL and
 * byte accounting, all O(1) per operation.
 *
 * Layout (after lru-cache): every entry lives in a slot. Per-slot state is kept in parallel typed
 * arrays — `next` / `prev` (an index-linked LRU list through sentinel slot 0: `next[0]` is the
 * least recently used, `prev[0]` the most), `sizes`, `expiresAt` (ms, 0 = never) and `flags`
 * (unread prefetch) — plus two plain arrays for the key and the value, a `Map<slot, metadata>` for
 * the entries that carry metadata, a `Map<key, slot>` and a stack of free slots. Nothing is allocated per operation beyond the
 * value itself; the arrays double when full (up to `maxEntries`).
 *
 * Values are kept as one-byte (latin1) strings rather than Uint8Arrays: a string costs a 16-byte
 * header where a Uint8Array view costs about 100 bytes of objects, which is most of the per-entry
 * overhead for small values. `get` returns a fresh Buffer copy of those bytes.
 *
 * Expired entries are misses and are reclaimed when read, when they reach the LRU end during
 * eviction, and by a sweep before `keys()` / `stats()` (skipped while nothing can have expired).
 */
import { ConfigError } from '../errors.js';
import { rejectUnknownFields } from '../known-fields.js';
import { systemClock, type Clock } from '../manager/clock.js';
import type { BackendEntry, BackendLatin1Entry, BackendSetOptions, BackendStats, CacheBackend } from './backend.js';

export interface MemoryBackendConfig {
  /** Most entries held; storing beyond it evicts the least recently used. Default unlimited. */
  maxEntries?: number;
  /** Most value bytes held; storing beyond it evicts the least recently used. A larger single value is refused (and an entry under its key removed). Default unlimited. */
  maxBytes?: number;
  /** Slots allocated up front (grown by doubling). Default min(maxEntries, 1024). */
  initialCapacity?: number;
}

const MEMORY_FIELD_LIST = ['maxEntries', 'maxBytes', 'initialCapacity'] as const satisfies readonly (keyof MemoryBackendConfig)[];
// Compile-time: a MemoryBackendConfig field missing from the list above makes this type `false`, an error.
type EveryMemoryFieldListed = [Exclude<keyof MemoryBackendConfig, (typeof MEMORY_FIELD_LIST)[number]>] extends [never] ? true : false;
true satisfies EveryMemoryFieldListed;
/** The fields of MemoryBackendConfig; any other is a typo and refused. */
export const MEMORY_BACKEND_CONFIG_FIELDS: ReadonlySet<string> = new Set(MEMORY_FIELD_LIST);

export interface MemoryBackendOptions {
  /** Time source for TTLs; default `Date.now`. */
  clock?: Clock;
}

const PREFETCHED = 1;
const MAX_SLOTS = 0xfffffffe;

function limit(field: string, value: number | undefined): number {
  if (value === undefined || value === Infinity) return Infinity;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(field, `must be an integer >= 1 (or omitted for no limit), got ${String(value)}`);
  return value;
}

export class MemoryBackend implements CacheBackend {
  readonly name = 'memory';
  /** Every method answers at once (no Promise): `CacheManager.getSync` works on it. */
  readonly synchronous = true;
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly clock: Clock;

  private readonly index = new Map<string, number>();
  private next: Uint32Array;
  private prev: Uint32Array;
  private sizes: Uint32Array;
  private expiresAt: Float64Array;
  private flags: Uint8Array;
  private freeSlots: Uint32Array;
  private freeTop = 0;
  /** Slots 1..used-1 have been handed out at least once. */
  private used = 1;
  private readonly keyOf: (string | undefined)[] = [];
  private readonly valueOf: (string | undefined)[] = [];
  /** Metadata by slot, only for entries that have some (most have none). */
  private readonly metadataOf = new Map<number, Record<string, unknown>>();

  private bytes = 0;
  private evictions = 0;
  private expirations = 0;
  private wasted = 0;
  /** No entry expires before this time (a lower bound), so sweeps before it are skipped. */
  private nextExpiry = Infinity;

  constructor(config: MemoryBackendConfig = {}, options: MemoryBackendOptions = {}) {
    rejectUnknownFields(config, MEMORY_BACKEND_CONFIG_FIELDS, 'backendConfig.');
    this.maxEntries = limit('backendConfig.maxEntries', config.maxEntries);
    this.maxBytes = limit('backendConfig.maxBytes', config.maxBytes);
    if (Number.isFinite(this.maxEntries) && this.maxEntries > MAX_SLOTS) throw new ConfigError('backendConfig.maxEntries', `must be at most ${MAX_SLOTS}`);
    this.clock = options.clock ?? systemClock;
    const initial = Math.max(1, Math.min(limit('backendConfig.initialCapacity', config.initialCapacity ?? 1024), this.maxEntries));
    const slots = initial + 1;
    this.next = new Uint32Array(slots);
    this.prev = new Uint32Array(slots);
    this.sizes = new Uint32Array(slots);
    this.expiresAt = new Float64Array(slots);
    this.flags = new Uint8Array(slots);
    this.freeSlots = new Uint32Array(slots);
  }

  async start(): Promise<boolean> {
    return true;
  }

  /** Keeps the entries (as a server would); `clear()` releases them. */
  async stop(): Promise<void> {}

  get(key: string): BackendEntry | undefined {
    const slot = this.hit(key);
    if (slot < 0) return undefined;
    return this.entryAt(slot, Buffer.from(this.valueOf[slot]!, 'latin1'));
  }

  /** `get` without the copy: values are kept as latin1 strings (see the class comment). */
  getLatin1(key: string): BackendLatin1Entry | undefined {
    const slot = this.hit(key);
    if (slot < 0) return undefined;
    return this.entryAt(slot, this.valueOf[slot]!);
  }

  /**
   * The slot of a live entry, made most recently used, or −1 (absent, or expired and removed).
   * Its prefetched flag is left for `entryAt` to report and clear.
   */
  private hit(key: string): number {
    const slot = this.index.get(key);
    if (slot === undefined) return -1;
    const expires = this.expiresAt[slot]!;
    if (expires !== 0 && expires <= this.clock.now()) {
      this.expirations++;
      this.remove(slot);
      return -1;
    }
    this.moveToMostRecent(slot);
    return slot;
  }

  /** The entry at a slot read by `hit`, with its value in either form; clears the prefetched flag. */
  private entryAt<V>(slot: number, value: V): { value: V; metadata?: Record<string, unknown>; prefetched: boolean } {
    const flags = this.flags[slot]!;
    if (flags & PREFETCHED) this.flags[slot] = flags & ~PREFETCHED;
    const metadata = this.metadataOf.size === 0 ? undefined : this.metadataOf.get(slot);
    return metadata === undefined
      ? { value, prefetched: (flags & PREFETCHED) !== 0 }
      : { value, metadata, prefetched: (flags & PREFETCHED) !== 0 };
  }

  set(key: string, value: Uint8Array, options?: BackendSetOptions): boolean {
    const size = value.length;
    if (size > this.maxBytes || size > 0xffffffff) {
      // Refused: an older value under this key would otherwise be read as if it were current.
      this.delete(key);
      return false;
    }
    const ttlMs = options?.ttlMs;
    const expires = ttlMs !== undefined && ttlMs > 0 ? this.clock.now() + ttlMs : 0;
    const stored = (value instanceof Buffer ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)).toString('latin1');
    let slot = this.index.get(key);
    if (slot !== undefined) {
      // Replacing an entry already past its TTL: it expired (as the Redis backend counts it).
      const old = this.expiresAt[slot]!;
      if (old !== 0 && old <= this.clock.now()) this.expirations++;
      if (this.flags[slot]! & PREFETCHED) this.wasted++;
      this.bytes -= this.sizes[slot]!;
      this.moveToMostRecent(slot);
    } else {
      while (this.index.size >= this.maxEntries) this.evictOldest();
      slot = this.allocate();
      this.keyOf[slot] = key;
      this.index.set(key, slot);
      this.linkMostRecent(slot);
    }
    this.valueOf[slot] = stored;
    const metadata = options?.metadata;
    if (metadata !== undefined) this.metadataOf.set(slot, metadata);
    else if (this.metadataOf.size > 0) this.metadataOf.delete(slot);
    this.sizes[slot] = size;
    this.expiresAt[slot] = expires;
    this.flags[slot] = options?.prefetched ? PREFETCHED : 0;
    if (expires !== 0 && expires < this.nextExpiry) this.nextExpiry = expires;
    this.bytes += size;
    while (this.bytes > this.maxBytes) this.evictOldest();
    return true;
  }

  /** A live entry is stored under `key` (an expired one is not; it is left for the next sweep). */
  has(key: string): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) return false;
    const expires = this.expiresAt[slot]!;
    return expires === 0 || expires > this.clock.now();
  }

  delete(key: string): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) return false;
    const expires = this.expiresAt[slot]!;
    const expired = expires !== 0 && expires <= this.clock.now();
    if (expired) this.expirations++;
    this.remove(slot);
    return !expired;
  }

  getMany(keys: readonly string[]): (BackendEntry | undefined)[] {
    return keys.map((key) => this.get(key));
  }

  setMany(entries: readonly { key: string; value: Uint8Array; options?: BackendSetOptions }[]): boolean[] {
    return entries.map((e) => this.set(e.key, e.value, e.options));
  }

  evictLru(count: number): number {
    // At most `count`: 1.5 evicts one, not two.
    count = Math.floor(count);
    this.sweepExpired();
    let evicted = 0;
    while (evicted < count && this.index.size > 0) {
      this.evictions++;
      this.remove(this.next[0]!);
      evicted++;
    }
    return evicted;
  }

  evictKeys(keys: readonly string[]): number {
    this.sweepExpired();
    let evicted = 0;
    for (const key of keys) {
      const slot = this.index.get(key);
      if (slot === undefined) continue;
      this.evictions++;
      this.remove(slot);
      evicted++;
    }
    return evicted;
  }

  keys(): string[] {
    this.sweepExpired();
    const out: string[] = [];
    for (let slot = this.next[0]!; slot !== 0; slot = this.next[slot]!) out.push(this.keyOf[slot]!);
    return out;
  }

  stats(): BackendStats {
    this.sweepExpired();
    const stats: BackendStats = {
      entries: this.index.size,
      sizeBytes: this.bytes,
      evictions: this.evictions,
      expirations: this.expirations,
      wastedPrefetches: this.wasted,
    };
    if (Number.isFinite(this.maxEntries)) stats.maxEntries = this.maxEntries;
    if (Number.isFinite(this.maxBytes)) stats.maxBytes = this.maxBytes;
    return stats;
  }

  clear(): void {
    this.index.clear();
    this.keyOf.length = 0;
    this.valueOf.length = 0;
    this.metadataOf.clear();
    this.next.fill(0);
    this.prev.fill(0);
    this.flags.fill(0);
    this.expiresAt.fill(0);
    this.sizes.fill(0);
    this.freeTop = 0;
    this.used = 1;
    this.bytes = 0;
    this.nextExpiry = Infinity;
  }

  /** Walks the LRU list and checks the counts, links and index agree (for tests). */
  verify(): void {
    let count = 0;
    let bytes = 0;
    let previous = 0;
    for (let slot = this.next[0]!; slot !== 0; slot = this.next[slot]!) {
      if (this.prev[slot] !== previous) throw new Error(`slot ${slot}: prev ${this.prev[slot]} != ${previous}`);
      if (this.index.get(this.keyOf[slot]!) !== slot) throw new Error(`slot ${slot}: index does not point back`);
      count++;
      bytes += this.sizes[slot]!;
      previous = slot;
      if (count > this.index.size) throw new Error('LRU list has a cycle');
    }
    if (this.prev[0] !== previous) throw new Error('tail link is wrong');
    if (count !== this.index.size) throw new Error(`list has ${count} entries, index ${this.index.size}`);
    if (bytes !== this.bytes) throw new Error(`sizes sum to ${bytes}, counter says ${this.bytes}`);
  }

  private evictOldest(): void {
    const slot = this.next[0]!;
    const expires = this.expiresAt[slot]!;
    if (expires !== 0 && expires <= this.clock.now()) this.expirations++;
    else this.evictions++;
    this.remove(slot);
  }

  /** Reclaims every expired entry; skipped while the earliest expiry is in the future. */
  private sweepExpired(): void {
    const now = this.clock.now();
    if (now < this.nextExpiry) return;
    let earliest = Infinity;
    for (let slot = this.next[0]!; slot !== 0; ) {
      const following = this.next[slot]!;
      const expires = this.expiresAt[slot]!;
      if (expires !== 0) {
        if (expires <= now) {
          this.expirations++;
          this.remove(slot);
        } else if (expires < earliest) earliest = expires;
      }
      slot = following;
    }
    this.nextExpiry = earliest;
  }

  private remove(slot: number): void {
    const next = this.next[slot]!;
    const prev = this.prev[slot]!;
    this.next[prev] = next;
    this.prev[next] = prev;
    this.index.delete(this.keyOf[slot]!);
    if (this.flags[slot]! & PREFETCHED) this.wasted++;
    this.bytes -= this.sizes[slot]!;
    this.keyOf[slot] = undefined;
    this.valueOf[slot] = undefined;
    if (this.metadataOf.size > 0) this.metadataOf.delete(slot);
    this.flags[slot] = 0;
    this.expiresAt[slot] = 0;
    this.sizes[slot] = 0;
    this.freeSlots[this.freeTop++] = slot;
  }

  private linkMostRecent(slot: number): void {
    const tail = this.prev[0]!;
    this.next[tail] = slot;
    this.prev[slot] = tail;
    this.next[slot] = 0;
    this.prev[0] = slot;
  }

  private moveToMostRecent(slot: number): void {
    if (this.prev[0] === slot) return;
    const next = this.next[slot]!;
    const prev = this.prev[slot]!;
    this.next[prev] = next;
    this.prev[next] = prev;
    this.linkMostRecent(slot);
  }

  private allocate(): number {
    if (this.freeTop > 0) return this.freeSlots[--this.freeTop]!;
    if (this.used === this.next.length) this.grow();
    return this.used++;
  }

  private grow(): void {
    const slots = Math.min(this.next.length * 2, this.maxEntries + 1, MAX_SLOTS + 1);
    const grown = <T extends Uint32Array | Float64Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const array = make(slots);
      array.set(old);
      return array;
    };
    this.next = grown(this.next, (n) => new Uint32Array(n));
    this.prev = grown(this.prev, (n) => new Uint32Array(n));
    this.sizes = grown(this.sizes, (n) => new Uint32Array(n));
    this.expiresAt = grown(this.expiresAt, (n) => new Float64Array(n));
    this.flags = grown(this.flags, (n) => new Uint8Array(n));
    this.freeSlots = grown(this.freeSlots, (n) => new Uint32Array(n));
  }
}
