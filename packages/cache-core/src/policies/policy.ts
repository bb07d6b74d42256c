/**
 * The one interface every eviction policy implements (libCacheSim's shape). The loop
 * "lookup → on miss evict until it fits → insert" lives once, in the simulator (sim/replay.ts);
 * a policy never counts hits or misses.
 *
 * Keys are dense integer ids (see traces/request.ts), so policies index typed arrays by key.
 * Sizes are in the cache's unit: bytes in byte mode, 1 per object in object mode.
 */
export interface EvictionPolicy {
  /** Registry name, e.g. `lru`, `s3fifo`. */
  readonly name: string;
  /** Capacity in the cache's unit. */
  readonly capacity: number;
  /** Sum of the sizes of resident objects. Never exceeds `capacity` after an insert. */
  readonly used: number;
  /** Number of resident objects. */
  readonly count: number;

  /**
   * A request for `key`. If resident: update the policy's state (promotion, frequency) and
   * return true. If not: return false; ghost/history bookkeeping is allowed, residency is not changed.
   * On a hit the resident size is kept (libCacheSim semantics: an object keeps its admitted size).
   * `nextAccess` is the 0-based position of the key's next request (NO_NEXT_ACCESS = -1 for never),
   * used only by oracle policies. `prefetch` is true when the simulator looks a key up only to
   * admit a prefetch (always a miss, followed by insert): it is not a request, so a policy that
   * learns the request stream (the Markov policy) must not learn it.
   */
  lookup(key: number, size: number, nextAccess: number, prefetch?: boolean): boolean;

  /**
   * Optional (libCacheSim's can_insert): whether the policy will admit `key` of `size` after its
   * lookup just missed. When false the simulator neither evicts nor inserts, so a policy that
   * declines an object (S3-FIFO: one that would fill its small FIFO) does not first lose residents
   * to make room for it. Must not change state. Absent: every object that fits the cache is admitted.
   */
  canInsert?(key: number, size: number): boolean;

  /**
   * Evict one resident object to make room for the incoming (key, size) that just missed,
   * and return the evicted key. Called only while `used + size > capacity` and `count > 0`.
   */
  evict(incomingKey: number, incomingSize: number): number;

  /**
   * Admit a key that just missed; the simulator guarantees `used + size <= capacity` and that the
   * call follows a `lookup` of the same key that returned false (prefetches included).
   */
  insert(key: number, size: number, nextAccess: number): void;

  /** Remove a resident key (no ghost entry); false if it was not resident. */
  remove(key: number): boolean;

  /** Whether `key` is resident. Does not change state. */
  has(key: number): boolean;

  /** Walks internal structures and throws an Error describing the first broken invariant. */
  verify(): void;
}

export interface PolicyOptions {
  /** Capacity in the cache's unit (bytes, or objects in object mode). */
  capacity: number;
  /**
   * Hint: number of distinct keys in the trace (key ids are < keySpace). Policies size their
   * key-indexed arrays with it and grow them if a larger id arrives.
   */
  keySpace?: number;
  /** Seed for policies with random choices. Defaults to 0 so that runs are reproducible. */
  seed?: number;
  /** Policy parameters; unknown names are a ConfigError. */
  params?: Readonly<Record<string, number | string | boolean>>;
}

export type PolicyFactory = (options: PolicyOptions) => EvictionPolicy;

/** Registry entry: the factory plus what the docs and `--help` show. */
export interface PolicyInfo {
  name: string;
  factory: PolicyFactory;
  /** One line: algorithm and paper. */
  summary: string;
  /** Parameter name → documented default and meaning. */
  params: Readonly<Record<string, { default: number | string | boolean; doc: string }>>;
  /** True when the policy needs next-access positions (Belady). */
  needsOracle?: boolean;
}
