/**
 * Configuration of the Redis backend: what the user writes (`RedisConfig`), its validation into
 * a fully defaulted `ResolvedRedisConfig`, and the ioredis options derived from it.
 *
 * The ioredis defaults are tuned for "never lose a command": an offline queue, 20 retries per
 * command and no command timeout, so a dead server holds every call for over a minute. A cache
 * must answer fast instead (a miss is cheap), so the options below fail fast and reconnect in the
 * background.
 */
import type { ConnectionOptions } from 'node:tls';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { ConfigError } from '../errors.js';
import { rejectUnknownFields } from '../known-fields.js';

export interface RedisClusterNode {
  host: string;
  port: number;
}

export interface RedisConfig {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…` (TLS). Excludes host/port. */
  url?: string;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default `6379`. */
  port?: number;
  /** ACL user (Redis 6+). */
  username?: string;
  password?: string;
  /** Database index, default 0. Not allowed with `clusterNodes` (a cluster has only db 0). */
  db?: number;
  /** TLS options passed to ioredis / `tls.connect` as they are; `true` means TLS with defaults. */
  tls?: ConnectionOptions | boolean;
  /** Every key this backend touches starts with it. Default `cachelab:`. No `{` or `}`. */
  keyPrefix?: string;
  /** Milliseconds to establish a connection; `start()` resolves false after it. Default 2000. */
  connectTimeout?: number;
  /** Milliseconds a command may take before it settles as a miss / refused set. Default 250. */
  commandTimeout?: number;
  /** Upper bound of the reconnection back-off in milliseconds (50, 100, 200 … up to it). Default 1000. */
  reconnectMaxDelay?: number;
  /** Seed nodes of a Redis Cluster; when given, ioredis `Cluster` is used. */
  clusterNodes?: (RedisClusterNode | string)[];
  /**
   * Number of index shards (hash tags). Each shard keeps its own LRU index on one cluster slot.
   * Default 1 for a single server, 16 with `clusterNodes`. Part of the key layout: change it
   * only together with `clear()`.
   */
  shards?: number;
  /**
   * Capacity in entries (LRU eviction beyond it); default unlimited. Each shard enforces it on its
   * own entries, so with several shards the total can exceed it: use `shards: 1` for an exact,
   * global LRU limit (or Redis's own `maxmemory` policy for a cluster-wide memory bound).
   */
  maxEntries?: number;
  /** Capacity in value bytes (LRU eviction beyond it); default unlimited. Per shard, as `maxEntries`. */
  maxBytes?: number;
  /** HMAC-SHA256 secret (≥ 16 bytes). When set, every entry is signed and unsigned/tampered ones are rejected. */
  signingSecret?: string | Uint8Array;
  /** Keys per Lua call in get / set batches and evictKeys (bounds how long one call blocks Redis). Default 256, at most 1000. */
  batchSize?: number;
}

export interface ResolvedRedisConfig {
  url: string | undefined;
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: ConnectionOptions | undefined;
  keyPrefix: string;
  connectTimeout: number;
  commandTimeout: number;
  reconnectMaxDelay: number;
  clusterNodes: RedisClusterNode[] | undefined;
  shards: number;
  maxEntries: number;
  maxBytes: number;
  signingSecret: Uint8Array | undefined;
  batchSize: number;
}

export const REDIS_DEFAULTS = {
  host: '127.0.0.1',
  port: 6379,
  db: 0,
  keyPrefix: 'cachelab:',
  connectTimeout: 2000,
  commandTimeout: 250,
  reconnectMaxDelay: 1000,
  shardsStandalone: 1,
  shardsCluster: 16,
  batchSize: 256,
} as const;

const MAX_SHARDS = 1024;

function positiveInteger(field: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(field, `must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

function parseNode(node: RedisClusterNode | string, index: number): RedisClusterNode {
  if (typeof node !== 'string') {
    if (typeof node.host !== 'string' || !Number.isInteger(node.port)) {
      throw new ConfigError(`clusterNodes[${index}]`, 'must be { host: string, port: integer } or "host:port"');
    }
    return node;
  }
  const match = /^(.+):(\d+)$/.exec(node);
  if (!match) throw new ConfigError(`clusterNodes[${index}]`, `must look like "host:port", got "${node}"`);
  return { host: match[1]!, port: Number(match[2]) };
}

/** Validates a user config and fills in the defaults; throws ConfigError naming the field. */
const REDIS_FIELD_LIST = [
  'url', 'host', 'port', 'username', 'password', 'db', 'tls', 'keyPrefix', 'connectTimeout', 'commandTimeout',
  'reconnectMaxDelay', 'clusterNodes', 'shards', 'maxEntries', 'maxBytes', 'signingSecret', 'batchSize',
] as const satisfies readonly (keyof RedisConfig)[];
// Compile-time: a RedisConfig field missing from the list above makes this type `false`, an error.
type EveryRedisFieldListed = [Exclude<keyof RedisConfig, (typeof REDIS_FIELD_LIST)[number]>] extends [never] ? true : false;
true satisfies EveryRedisFieldListed;
/** The fields of RedisConfig; any other is a typo and refused. */
export const REDIS_CONFIG_FIELDS: ReadonlySet<string> = new Set(REDIS_FIELD_LIST);

export function resolveRedisConfig(config: RedisConfig = {}): ResolvedRedisConfig {
  rejectUnknownFields(config, REDIS_CONFIG_FIELDS);
  const cluster = config.clusterNodes !== undefined;
  if (config.url !== undefined && (config.host !== undefined || config.port !== undefined)) {
    throw new ConfigError('url', 'give either url or host/port, not both');
  }
  if (config.url !== undefined && !/^rediss?:\/\//.test(config.url)) {
    throw new ConfigError('url', `must start with redis:// or rediss://, got "${config.url}"`);
  }
  if (cluster && config.url !== undefined) throw new ConfigError('url', 'not allowed with clusterNodes');
  if (cluster && config.clusterNodes!.length === 0) throw new ConfigError('clusterNodes', 'needs at least one node');
  const port = config.port ?? REDIS_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError('port', `must be an integer from 1 to 65535, got ${String(config.port)}`);
  }
  const db = config.db ?? REDIS_DEFAULTS.db;
  if (!Number.isInteger(db) || db < 0) throw new ConfigError('db', `must be an integer >= 0, got ${String(config.db)}`);
  if (cluster && db !== 0) throw new ConfigError('db', 'a Redis Cluster has only db 0');
  const keyPrefix = config.keyPrefix ?? REDIS_DEFAULTS.keyPrefix;
  if (keyPrefix.length === 0) throw new ConfigError('keyPrefix', 'must not be empty (it scopes every key this backend touches)');
  if (/[{}]/.test(keyPrefix)) {
    throw new ConfigError('keyPrefix', `must not contain "{" or "}" (the backend adds its own hash tag), got "${keyPrefix}"`);
  }
  const maxEntries = config.maxEntries === undefined ? 0 : positiveInteger('maxEntries', config.maxEntries, 0);
  const maxBytes = config.maxBytes === undefined ? 0 : positiveInteger('maxBytes', config.maxBytes, 0);
  let signingSecret: Uint8Array | undefined;
  if (config.signingSecret !== undefined) {
    signingSecret =
      typeof config.signingSecret === 'string' ? Buffer.from(config.signingSecret, 'utf8') : config.signingSecret;
    if (signingSecret.length < 16) throw new ConfigError('signingSecret', 'must be at least 16 bytes long');
  }
  return {
    url: config.url,
    host: config.host ?? REDIS_DEFAULTS.host,
    port,
    username: config.username,
    password: config.password,
    db,
    tls: config.tls === true ? {} : config.tls === false ? undefined : config.tls,
    keyPrefix,
    connectTimeout: positiveInteger('connectTimeout', config.connectTimeout, REDIS_DEFAULTS.connectTimeout),
    commandTimeout: positiveInteger('commandTimeout', config.commandTimeout, REDIS_DEFAULTS.commandTimeout),
    reconnectMaxDelay: positiveInteger('reconnectMaxDelay', config.reconnectMaxDelay, REDIS_DEFAULTS.reconnectMaxDelay),
    clusterNodes: config.clusterNodes?.map(parseNode),
    shards: positiveInteger(
      'shards',
      config.shards,
      cluster ? REDIS_DEFAULTS.shardsCluster : REDIS_DEFAULTS.shardsStandalone,
      MAX_SHARDS,
    ),
    maxEntries,
    maxBytes,
    signingSecret,
    batchSize: positiveInteger('batchSize', config.batchSize, REDIS_DEFAULTS.batchSize, 1000),
  };
}

/** Exponential back-off 50, 100, 200 … ms capped at `max`; never gives up (the server may come back). */
export function reconnectDelay(attempt: number, max: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 16), max);
}

/** Options of one connection (a standalone client, or each node of a cluster). */
export function connectionOptions(config: ResolvedRedisConfig): RedisOptions {
  return {
    username: config.username,
    password: config.password,
    ...(config.tls ? { tls: config.tls } : {}),
    connectTimeout: config.connectTimeout,
    // A command without a reply after this long rejects; the backend turns it into a miss.
    commandTimeout: config.commandTimeout,
    // Commands already sent when the connection drops fail at once instead of being retried.
    maxRetriesPerRequest: 0,
    // No queueing while disconnected: calls fail immediately during an outage.
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    retryStrategy: (attempt: number) => reconnectDelay(attempt, config.reconnectMaxDelay),
    lazyConnect: true,
  };
}

export function standaloneOptions(config: ResolvedRedisConfig): RedisOptions {
  const options = connectionOptions(config);
  // With a url, ioredis parses host/port/db/credentials from it; explicit fields would override.
  if (config.url !== undefined) return options;
  return { ...options, host: config.host, port: config.port, db: config.db };
}

export function clusterOptions(config: ResolvedRedisConfig): ClusterOptions {
  return {
    redisOptions: connectionOptions(config),
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    lazyConnect: true,
    clusterRetryStrategy: (attempt: number) => reconnectDelay(attempt, config.reconnectMaxDelay),
    slotsRefreshTimeout: config.connectTimeout,
    // Redirections and cluster-down retries must not outlive the command timeout.
    retryDelayOnClusterDown: 50,
    retryDelayOnFailover: 50,
    retryDelayOnTryAgain: 50,
    maxRedirections: 4,
  };
}
