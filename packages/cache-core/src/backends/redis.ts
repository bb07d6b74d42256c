/**
 * The Redis backend: a `CacheBackend` on ioredis, for a single server or a Redis Cluster.
 *
 * Design (see redis-scripts.ts for the exact layout):
 * - Every entry is one Redis string `<prefix>{<prefix><n>}:e:<key>` (an envelope of metadata,
 *   optional HMAC tag and the value bytes, see redis-entry.ts) with PX = TTL.
 * - Each of `shards` index shards keeps an LRU sorted set, a size hash, an expiry sorted set, a
 *   set of unread prefetches and a counter hash, all under the hash tag `{<prefix><n>}`, so one
 *   Lua script updates an entry and its index atomically on one cluster slot, in O(log n).
 * - A key's shard is FNV-1a(key) mod shards. With one shard, LRU order is exact; with several,
 *   evictLru and keys() merge the shards by recency score (server time in µs).
 * - Only keys starting with `keyPrefix` are touched; clear() finds them with SCAN MATCH on
 *   every master. Never FLUSHDB, FLUSHALL or KEYS.
 * - Gets and sets issued in the same event-loop turn are coalesced per shard (redis-batcher.ts);
 *   getMany / setMany go the same way. A batch of 100 sets is one SET_MANY call; a batch of 100
 *   gets is one TOUCH call (recency, membership, prefetch flags) plus one plain MGET of the
 *   entries right behind it on the same connection, so values never pass through Lua. The two
 *   are not one transaction: a write landing between them makes the get return the newer value
 *   or a miss; counts stay exact, as they change only inside scripts.
 *
 * Faults: calls fail fast instead of queueing (no offline queue, no per-command retries, a
 * command timeout) and settle as a miss / refused set, counted in `backendErrors`; the client
 * reconnects in the background and one warning is logged per outage.
 */
import { Cluster, Redis } from 'ioredis';
import type { BackendEntry, BackendSetOptions, BackendStats, CacheBackend } from './backend.js';
import {
  clusterOptions,
  resolveRedisConfig,
  standaloneOptions,
  type RedisConfig,
  type ResolvedRedisConfig,
} from './redis-config.js';
import { INDEX_KEY_COUNT, SCRIPTS } from './redis-scripts.js';
import { decodeEntry, encodeEntry } from './redis-entry.js';
import { EntrySigner } from './redis-signing.js';
import { deliver, Gather, ShardBatcher, type Run, type ScriptArg, type Sink } from './redis-batcher.js';

export type { RedisConfig, RedisClusterNode } from './redis-config.js';

/** The logging the backend needs; the manager's logger fits. */
export interface RedisBackendLogger {
  warn(message: string, ...details: unknown[]): void;
  info?(message: string, ...details: unknown[]): void;
}

export interface RedisBackendOptions {
  /**
   * Accepted for symmetry with the in-memory backend but not used: Redis expires entries by the
   * server's own clock (PX), so an injected clock cannot move Redis TTLs.
   */
  clock?: unknown;
  logger?: RedisBackendLogger;
}

type ScriptCall = (...args: ScriptArg[]) => Promise<unknown>;
/** ioredis adds one method per defineCommand, plus a `…Buffer` variant that returns Buffers. */
interface ScriptClient {
  cachelabTouch: ScriptCall;
  cachelabReconcile: ScriptCall;
  cachelabSetMany: ScriptCall;
  cachelabDeleteMany: ScriptCall;
  cachelabEvictOldest: ScriptCall;
  cachelabStats: ScriptCall;
  cachelabRange: ScriptCall;
}
type Client = (Redis | Cluster) & ScriptClient;

interface Shard {
  /** KEYS of every script: lru, sz, exp, pf, st. */
  indexKeys: string[];
  /** Entry key prefix, ARGV[1] of every script. */
  entryPrefix: string;
}

const GLOB_SPECIAL = /[*?[\]\\]/g;

/**
 * A lone UTF-16 surrogate. ioredis sends keys as UTF-8, which has no encoding for one: every
 * lone surrogate becomes U+FFFD, so "a\uD800" and "a\uDC00" would be one Redis entry and a get
 * of one would return the other's value. Such keys are refused (get → miss, set → false).
 */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Longest TTL sent to Redis in ms (about 285,000 years). SET PX takes an integer below 2^63
 * minus the server's clock, and larger JavaScript numbers are written in exponent notation
 * ("1e+21"), which Redis refuses with an error that fails every set of the batch. A longer TTL
 * is stored as this one.
 */
const MAX_TTL_MS = Number.MAX_SAFE_INTEGER;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `new Promise(capture)` hands its resolve function to `captured`, read right after: one
 * executor for every call instead of a closure per call.
 */
let captured: unknown;
const capture = (resolve: unknown): void => {
  captured = resolve;
};

const consoleLogger: RedisBackendLogger = { warn: (message) => console.warn(message) };

export class RedisBackend implements CacheBackend {
  readonly name = 'redis';
  readonly config: ResolvedRedisConfig;
  private readonly logger: RedisBackendLogger;
  private readonly shards: Shard[];
  private readonly signer: EntrySigner | undefined;
  private client: Client | undefined;
  /** The connection attempt in progress: concurrent start() calls share it (one client, not one each). */
  private starting: Promise<boolean> | undefined;
  private readonly batcher: ShardBatcher;
  private backendErrors = 0;
  private rejectedEntries = 0;
  private inOutage = false;
  private lastStats: BackendStats = { entries: 0, sizeBytes: 0, evictions: 0, expirations: 0, wastedPrefetches: 0 };

  constructor(config: RedisConfig = {}, options: RedisBackendOptions = {}) {
    this.config = resolveRedisConfig(config);
    this.logger = options.logger ?? consoleLogger;
    this.signer = this.config.signingSecret ? new EntrySigner(this.config.signingSecret) : undefined;
    this.batcher = new ShardBatcher(this.config.shards, this.config.batchSize, (run) => this.sendRun(run));
    const prefix = this.config.keyPrefix;
    this.shards = Array.from({ length: this.config.shards }, (_, n) => {
      const base = `${prefix}{${prefix}${n}}:`;
      return {
        indexKeys: ['lru', 'sz', 'exp', 'pf', 'st'].map((name) => base + name),
        entryPrefix: `${base}e:`,
      };
    });
  }

  /** Where the server is, for log messages. */
  private get target(): string {
    const c = this.config;
    if (c.clusterNodes) return `cluster ${c.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
    return c.url !== undefined ? c.url.replace(/\/\/[^@/]*@/, '//***@') : `${c.host}:${c.port}`;
  }

  start(): Promise<boolean> {
    if (this.client) return Promise.resolve(true);
    return (this.starting ??= this.connect().finally(() => {
      this.starting = undefined;
    }));
  }

  private async connect(): Promise<boolean> {
    const c = this.config;
    const client = (
      c.clusterNodes
        ? new Cluster(c.clusterNodes, clusterOptions(c))
        : c.url !== undefined
          ? new Redis(c.url, standaloneOptions(c))
          : new Redis(standaloneOptions(c))
    ) as Client;
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: INDEX_KEY_COUNT, lua });
    // Without an 'error' listener ioredis prints every reconnection failure.
    client.on('error', (error: unknown) => {
      if (this.client === client) this.noteFailure('connection', error);
    });
    client.on('ready', () => {
      if (this.client === client) this.noteRecovery();
    });
    let timer: NodeJS.Timeout | undefined;
    const connected = await Promise.race([
      client.connect().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), c.connectTimeout))),
    ]);
    clearTimeout(timer);
    if (!connected) {
      client.disconnect();
      this.logger.warn(
        `redis backend: cannot connect to ${this.target} within ${c.connectTimeout} ms; the cache is not started`,
      );
      return false;
    }
    this.client = client;
    this.inOutage = false;
    this.logger.info?.(`redis backend: connected to ${this.target} (prefix "${c.keyPrefix}", ${c.shards} shard(s))`);
    return true;
  }

  async stop(): Promise<void> {
    // A start() in progress would otherwise hand its client over after this stop().
    if (this.starting) await this.starting.catch(() => false);
    this.batcher.flush();
    const client = this.client;
    if (!client) return;
    // The figures stats() answers once stopped (the manager reports them after stop()): read
    // now, behind the runs just flushed, rather than whatever an earlier stats() call saw.
    await this.stats();
    // A concurrent stop() got here first and is closing the connection.
    if (this.client !== client) return;
    this.client = undefined;
    // ioredis writes auto-pipelined calls (the runs just flushed) from a setImmediate, but QUIT
    // at once: without this turn QUIT overtakes them and they fail with "Connection is closed".
    // Behind them, QUIT lets the server answer them first.
    await new Promise((resolve) => setImmediate(resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([client.quit(), new Promise((resolve) => (timer = setTimeout(resolve, this.config.commandTimeout)))]);
    } catch {
      // quit fails at once while disconnected; disconnect below closes everything anyway.
    } finally {
      clearTimeout(timer);
      client.disconnect();
    }
  }

  // --- fault handling ------------------------------------------------------------------------

  private noteFailure(operation: string, error: unknown): void {
    if (this.inOutage) return;
    this.inOutage = true;
    this.logger.warn(
      `redis backend: ${operation} failed against ${this.target} (${errorMessage(error)}); ` +
        'serving misses and refusing sets until it answers again (further errors are counted, not logged)',
    );
  }

  private noteRecovery(): void {
    if (!this.inOutage) return;
    this.inOutage = false;
    this.logger.info?.(`redis backend: ${this.target} answers again`);
  }

  /** Runs one server call; a failure becomes `fallback`, counted as `keys` errors (one per key the call was for). */
  private async guarded<T>(operation: string, fallback: T, call: (client: Client) => Promise<T>, keys = 1): Promise<T> {
    const client = this.client;
    if (!client) return fallback;
    try {
      const result = await call(client);
      if (this.inOutage) this.noteRecovery();
      return result;
    } catch (error) {
      this.backendErrors += keys;
      this.noteFailure(operation, error);
      return fallback;
    }
  }

  // --- keys and shards -----------------------------------------------------------------------

  private shardIndex(key: string): number {
    return this.shards.length === 1 ? 0 : fnv1a(key) % this.shards.length;
  }

  /** Positions of `keys` grouped by shard and cut into chunks of at most batchSize. */
  private groupByShard(keys: readonly string[]): { shard: Shard; positions: number[] }[] {
    const byShard = new Map<number, number[]>();
    for (let i = 0; i < keys.length; i++) {
      const n = this.shardIndex(keys[i]!);
      let positions = byShard.get(n);
      if (!positions) byShard.set(n, (positions = []));
      positions.push(i);
    }
    const groups: { shard: Shard; positions: number[] }[] = [];
    const size = this.config.batchSize;
    for (const [n, positions] of byShard) {
      for (let start = 0; start < positions.length; start += size) {
        groups.push({ shard: this.shards[n]!, positions: positions.slice(start, start + size) });
      }
    }
    return groups;
  }

  // --- entries -------------------------------------------------------------------------------

  /** Turns the stored bytes of an indexed entry into an entry; counts rejected ones. */
  private readEntry(key: string, stored: Buffer, prefetched: boolean): BackendEntry | undefined {
    let entry: BackendEntry | undefined;
    try {
      entry = decodeEntry(key, stored, this.signer, prefetched);
    } catch {
      // Untrusted bytes must never throw out of a read.
      entry = undefined;
    }
    // Bytes that are not an entry of this backend (another format, another writer, truncated).
    if (!entry) this.rejectedEntries++;
    return entry;
  }

  /**
   * Appends one entry's 5 script arguments (key, envelope, value size, ttl, prefetched) to its
   * shard's set run; false (nothing queued) when the metadata or the key cannot be stored.
   */
  private queueSet(key: string, value: Uint8Array, options: BackendSetOptions | undefined, sink: Sink, slot: number): boolean {
    let meta = '';
    if (options?.metadata !== undefined) {
      try {
        meta = JSON.stringify(options.metadata);
      } catch {
        return false;
      }
      // A toJSON may turn it into undefined (nothing to store) or into no object (a read would
      // reject the entry): refused like metadata JSON cannot write.
      if (typeof meta !== 'string' || meta[0] !== '{') return false;
    }
    if (LONE_SURROGATE.test(key)) return false;
    const ttl = options?.ttlMs !== undefined && options.ttlMs > 0 ? Math.min(Math.ceil(options.ttlMs), MAX_TTL_MS) : 0;
    const envelope = encodeEntry(key, value, meta, this.signer);
    const run = this.batcher.runFor(this.shardIndex(key), 'set');
    run.args.push(key, envelope, value.byteLength, ttl, options?.prefetched ? '1' : '0');
    run.sinks.push(sink);
    run.slots.push(slot);
    return true;
  }

  private queueGet(key: string, sink: Sink, slot: number): void {
    const run = this.batcher.runFor(this.shardIndex(key), 'get');
    run.args.push(key);
    run.sinks.push(sink);
    run.slots.push(slot);
  }

  /**
   * Sends one run: a set run as one SET_MANY call; a get run as one TOUCH call (recency and
   * index membership) followed on the same connection by one plain MGET of the entries.
   */
  private sendRun(run: Run): void {
    const client = this.client;
    const { kind, sinks, slots } = run;
    if (!client) {
      for (let i = 0; i < sinks.length; i++) deliver(sinks[i]!, slots[i]!, kind === 'get' ? undefined : false);
      return;
    }
    const shard = this.shards[run.shard]!;
    const failed = (error: unknown) => {
      this.backendErrors += sinks.length;
      this.noteFailure(kind, error);
      const fallback = kind === 'get' ? undefined : false;
      for (let i = 0; i < sinks.length; i++) deliver(sinks[i]!, slots[i]!, fallback);
    };
    if (kind === 'set') {
      const call = client.cachelabSetMany(...shard.indexKeys, shard.entryPrefix, this.config.maxEntries, this.config.maxBytes, ...setArguments(run.args, shard.entryPrefix));
      (call as Promise<unknown[]>).then((reply) => {
        if (this.inOutage) this.noteRecovery();
        for (let i = 0; i < sinks.length; i++) deliver(sinks[i]!, slots[i]!, reply[i] === 1);
      }, failed);
      return;
    }
    const keys = run.args as string[];
    const entryKeys = new Array<string>(keys.length);
    for (let i = 0; i < keys.length; i++) entryKeys[i] = shard.entryPrefix + keys[i]!;
    // Issued in the same tick, so auto-pipelining writes both at once, in this order.
    const touched = client.cachelabTouch(...shard.indexKeys, shard.entryPrefix, ...keys) as Promise<1 | number[]>;
    const values = client.mgetBuffer(entryKeys);
    Promise.all([touched, values]).then(([codes, stored]) => {
      if (this.inOutage) this.noteRecovery();
      let vanished: string[] | undefined;
      let wasted = 0;
      for (let i = 0; i < keys.length; i++) {
        const code = codes === 1 ? 1 : codes[i];
        const bytes = stored[i];
        let entry: BackendEntry | undefined;
        if (code !== 0 && code !== undefined) {
          if (bytes) {
            entry = this.readEntry(keys[i]!, bytes, code === 2);
            // TOUCH has taken its prefetch flag, yet the entry is rejected: never served, so wasted.
            if (!entry && code === 2) wasted++;
          } else (vanished ??= []).push(keys[i]!);
        }
        deliver(sinks[i]!, slots[i]!, entry);
      }
      if (vanished) this.reconcile(client, shard, vanished);
      if (wasted > 0) this.countWasted(client, shard, wasted);
    }, failed);
  }

  /**
   * Indexed keys whose entry was gone when read (TTL, maxmemory, DEL, a value of another type):
   * their index rows go, counted as expirations or evictions. The gets have already settled as
   * misses; this runs behind them on the same connection, so any later call sees its effect.
   */
  private reconcile(client: Client, shard: Shard, keys: string[]): void {
    (client.cachelabReconcile(...shard.indexKeys, shard.entryPrefix, ...keys) as Promise<number[]>).then(
      (codes) => {
        for (const code of codes) if (code === -1) this.rejectedEntries++;
      },
      (error: unknown) => {
        this.backendErrors++;
        this.noteFailure('get', error);
      },
    );
  }

  /** Adds prefetches that were rejected on their first read to the shard's wasted counter, behind the reply. */
  private countWasted(client: Client, shard: Shard, wasted: number): void {
    client.hincrby(shard.indexKeys[4]!, 'wasted', wasted).then(undefined, (error: unknown) => {
      this.backendErrors++;
      this.noteFailure('get', error);
    });
  }

  /** Marks the entry most recently used; coalesced with the other gets and sets of this turn. */
  get(key: string): Promise<BackendEntry | undefined> {
    if (!this.client || LONE_SURROGATE.test(key)) return Promise.resolve(undefined);
    const promise = new Promise<BackendEntry | undefined>(capture);
    this.queueGet(key, captured as Sink, -1);
    return promise;
  }

  /** Per shard (up to batchSize keys each) one TOUCH call and one MGET, sent together in one pipeline. */
  getMany(keys: readonly string[]): Promise<(BackendEntry | undefined)[]> {
    if (!this.client) return Promise.resolve(new Array<undefined>(keys.length).fill(undefined));
    return new Promise((resolve) => {
      const gather = new Gather<BackendEntry | undefined>(keys.length, resolve);
      for (let i = 0; i < keys.length; i++) {
        if (LONE_SURROGATE.test(keys[i]!)) gather.put(i, undefined);
        else this.queueGet(keys[i]!, gather, i);
      }
    });
  }

  set(key: string, value: Uint8Array, options?: BackendSetOptions): Promise<boolean> {
    if (!this.client) return Promise.resolve(false);
    const promise = new Promise<boolean>(capture);
    if (!this.queueSet(key, value, options, captured as Sink, -1)) return Promise.resolve(false);
    return promise;
  }

  setMany(entries: readonly { key: string; value: Uint8Array; options?: BackendSetOptions }[]): Promise<boolean[]> {
    if (!this.client) return Promise.resolve(new Array<boolean>(entries.length).fill(false));
    return new Promise((resolve) => {
      const gather = new Gather<boolean>(entries.length, resolve);
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if (!this.queueSet(entry.key, entry.value, entry.options, gather, i)) gather.put(i, false);
      }
    });
  }

  private async deleteMany(keys: readonly string[], counter: '' | 'evictions'): Promise<number> {
    this.batcher.flush();
    // A key that cannot be stored is not there (and must not delete the U+FFFD entry).
    if (keys.some((key) => LONE_SURROGATE.test(key))) keys = keys.filter((key) => !LONE_SURROGATE.test(key));
    const counts = await Promise.all(
      this.groupByShard(keys).map(({ shard, positions }) =>
        this.guarded(
          counter === '' ? 'delete' : 'evictKeys',
          0,
          (client) => client.cachelabDeleteMany(...shard.indexKeys, shard.entryPrefix, counter, ...positions.map((p) => keys[p]!)) as Promise<number>,
          positions.length,
        ),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * The key has its index row and its entry key holds a string (Redis drops it itself once its
   * TTL passes), as a get needs to find it. Reads no value, moves nothing in LRU order.
   */
  async has(key: string): Promise<boolean> {
    if (!this.client || LONE_SURROGATE.test(key)) return false;
    // Sets queued this turn go out first, so a key set just before is seen.
    this.batcher.flush();
    const shard = this.shards[this.shardIndex(key)]!;
    return this.guarded('has', false, async (client) => {
      // TYPE rather than EXISTS: a value of another Redis type there is no entry (a get misses).
      const [indexed, stored] = await Promise.all([client.hexists(shard.indexKeys[1]!, key), client.type(shard.entryPrefix + key)]);
      return indexed === 1 && stored === 'string';
    });
  }

  async delete(key: string): Promise<boolean> {
    return (await this.deleteMany([key], '')) === 1;
  }

  async evictKeys(keys: readonly string[]): Promise<number> {
    return this.deleteMany(keys, 'evictions');
  }

  // --- LRU order -----------------------------------------------------------------------------

  /** Up to `limit` (-1 = all) least recently used keys of every shard with their recency scores. */
  private async ranges(limit: number): Promise<{ shard: number; key: string; score: number }[] | undefined> {
    this.batcher.flush();
    const perShard = await Promise.all(
      this.shards.map(async (shard, n) => {
        for (;;) {
          const reply = await this.guarded('keys', undefined, (client) =>
            client.cachelabRange(...shard.indexKeys, shard.entryPrefix, limit) as Promise<(string | number)[]>,
          );
          if (!reply) return undefined;
          // More expired entries to reclaim first: ask again.
          if (reply[0] === 1) continue;
          const rows: { shard: number; key: string; score: number }[] = [];
          for (let i = 1; i < reply.length; i += 2) rows.push({ shard: n, key: String(reply[i]), score: Number(reply[i + 1]) });
          return rows;
        }
      }),
    );
    if (perShard.some((rows) => rows === undefined)) return undefined;
    const all = perShard.flat() as { shard: number; key: string; score: number }[];
    if (this.shards.length > 1) all.sort((a, b) => a.score - b.score);
    return all;
  }

  async keys(): Promise<string[]> {
    return ((await this.ranges(-1)) ?? []).map((row) => row.key);
  }

  async evictLru(count: number): Promise<number> {
    count = Math.floor(count);
    if (!(count > 0)) return 0;
    // Redis takes a LIMIT below 2^63 only: a larger count (Infinity) means all, which is -1 there.
    const limit = (n: number) => (Number.isSafeInteger(n) ? n : -1);
    this.batcher.flush();
    if (this.shards.length === 1) {
      const shard = this.shards[0]!;
      // Expired entries first, so that they count as expirations rather than evictions.
      if (!(await this.reclaimShard(shard, 'evictLru'))) return 0;
      return this.guarded('evictLru', 0, (client) =>
        client.cachelabEvictOldest(...shard.indexKeys, shard.entryPrefix, limit(count), '+inf') as Promise<number>,
      );
    }
    // Several shards: take the globally oldest candidates, then evict per shard those still no
    // newer than what was seen (an entry touched meanwhile survives; a later round replaces it).
    let evicted = 0;
    for (let round = 0; round < 4 && evicted < count; round++) {
      const want = count - evicted;
      const candidates = (await this.ranges(limit(want)))?.slice(0, want);
      if (!candidates || candidates.length === 0) break;
      const plan = new Map<number, { n: number; maxScore: number }>();
      for (const c of candidates) {
        const p = plan.get(c.shard) ?? { n: 0, maxScore: -Infinity };
        p.n++;
        p.maxScore = Math.max(p.maxScore, c.score);
        plan.set(c.shard, p);
      }
      const counts = await Promise.all(
        [...plan].map(([n, p]) => {
          const shard = this.shards[n]!;
          return this.guarded('evictLru', 0, (client) =>
            client.cachelabEvictOldest(...shard.indexKeys, shard.entryPrefix, p.n, String(p.maxScore)) as Promise<number>,
          );
        }),
      );
      const round_ = counts.reduce((a, b) => a + b, 0);
      evicted += round_;
      if (round_ === 0) break;
    }
    return evicted;
  }

  // --- stats and clear -----------------------------------------------------------------------

  /** Reclaims every expired entry of a shard (1000 per call) and returns its counters; undefined on failure. */
  private async reclaimShard(shard: Shard, operation = 'stats'): Promise<number[] | undefined> {
    for (;;) {
      const reply = await this.guarded(operation, undefined, (client) =>
        client.cachelabStats(...shard.indexKeys, shard.entryPrefix) as Promise<number[]>,
      );
      if (!reply || reply[0] === 0) return reply;
    }
  }

  async stats(): Promise<BackendStats> {
    this.batcher.flush();
    const perShard = await Promise.all(this.shards.map((shard) => this.reclaimShard(shard)));
    if (perShard.every((reply) => reply !== undefined)) {
      const sum = (i: number) => perShard.reduce((total, reply) => total + Number(reply![i]), 0);
      this.lastStats = { entries: sum(1), sizeBytes: sum(2), evictions: sum(3), expirations: sum(4), wastedPrefetches: sum(5) };
    }
    // During an outage: the last figures read, with the error counters up to date.
    const stats: BackendStats = { ...this.lastStats, backendErrors: this.backendErrors, rejectedEntries: this.rejectedEntries };
    if (this.config.maxEntries > 0) stats.maxEntries = this.config.maxEntries;
    if (this.config.maxBytes > 0) stats.maxBytes = this.config.maxBytes;
    return stats;
  }

  /**
   * Deletes every key of this cache's layout (`<prefix>{<prefix>…`: entries, indexes and
   * counters), found by SCAN MATCH on every master; keys that merely start with the prefix (a
   * cache whose prefix extends this one, other data) are left alone. Each shard's five index
   * keys go first, in one UNLINK (atomic), and the scan skips them: a set by another client
   * landing meanwhile then finds either the whole old index or none of it, never half of one.
   */
  async clear(): Promise<void> {
    this.batcher.flush();
    const client = this.client;
    if (!client) return;
    const prefix = this.config.keyPrefix.replace(GLOB_SPECIAL, '\\$&');
    const pattern = `${prefix}{${prefix}*`;
    const indexKeys = new Set(this.shards.flatMap((shard) => shard.indexKeys));
    const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client as Redis];
    await this.guarded('clear', undefined, async () => {
      await Promise.all(this.shards.map((shard) => client.unlink(...shard.indexKeys)));
      await Promise.all(nodes.map((node) => clearNode(node, pattern, indexKeys)));
      return undefined;
    });
  }
}

/**
 * SET_MANY's arguments after the limits, from the queued 5-value rows (key, envelope, size,
 * ttl, prefetched): whether the keys are distinct, whether no entry has a TTL, the sum of the
 * sizes, then the columns the script reads (keys, entry key + envelope pairs, sizes, ttls, flags).
 */
function setArguments(rows: readonly ScriptArg[], entryPrefix: string): ScriptArg[] {
  const n = rows.length / 5;
  const K = 3;
  const W = K + n;
  const S = W + 2 * n;
  const T = S + n;
  const P = T + n;
  const out = new Array<ScriptArg>(P + n);
  const seen = n > 1 ? new Set<ScriptArg>() : undefined;
  let distinct = true;
  let noTtl = true;
  let total = 0;
  for (let j = 0; j < n; j++) {
    const row = 5 * j;
    const key = rows[row] as string;
    if (seen && distinct) {
      if (seen.has(key)) distinct = false;
      else seen.add(key);
    }
    const size = rows[row + 2] as number;
    const ttl = rows[row + 3] as number;
    total += size;
    if (ttl !== 0) noTtl = false;
    out[K + j] = key;
    out[W + 2 * j] = entryPrefix + key;
    out[W + 2 * j + 1] = rows[row + 1]!;
    out[S + j] = size;
    out[T + j] = ttl;
    out[P + j] = rows[row + 4]!;
  }
  out[0] = distinct ? '1' : '0';
  out[1] = noTtl ? '1' : '0';
  out[2] = total;
  return out;
}

/** Unlinks the keys matching `pattern` on one node, except `keep` (index keys already cleared). */
async function clearNode(node: Redis, pattern: string, keep: ReadonlySet<string>): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    const keys = found.filter((key) => !keep.has(key));
    if (keys.length > 0) {
      // One UNLINK per key: in a cluster the keys of one node may span several slots.
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.unlink(key);
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    }
  } while (cursor !== '0');
}
