export * from './backend.js';
export * from './memory.js';
// Types only: the Redis backend (and ioredis) load on demand, when a manager starts with backendType 'redis'.
export type { RedisBackend, RedisBackendLogger, RedisBackendOptions, RedisClusterNode, RedisConfig } from './redis.js';
