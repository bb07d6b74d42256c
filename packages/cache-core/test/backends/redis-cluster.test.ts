/**
 * The backend contract against a real 3-master Redis Cluster, plus the placement the hash tags
 * promise: one slot per shard, shards spread over the masters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { RedisClusterServers } from '../helpers/redis-server.js';
import { backendContract } from './contract.js';
import { RecordingLogger, redisSubject, uniquePrefix } from './redis-subject.js';

let cluster: RedisClusterServers;
beforeAll(async () => {
  cluster = await RedisClusterServers.start();
});
afterAll(async () => {
  await cluster?.dispose();
});

backendContract('redis cluster (16 shards)', async () => redisSubject({ host: undefined, clusterNodes: cluster.nodes }), {
  ttlMs: 60,
  orderedBatches: false,
  // Capacity is enforced per shard (maxEntries / shards), so exact global capacity does not hold.
  exactCapacity: false,
});

backendContract(
  'redis cluster (1 shard)',
  async (capacity) => redisSubject({ host: undefined, clusterNodes: cluster.nodes, shards: 1, ...capacity }),
  { ttlMs: 60 },
);

describe('placement in the cluster', () => {
  it('keeps each shard on one slot and spreads the shards over the masters', async () => {
    const prefix = uniquePrefix('placement');
    const backend = new RedisBackend({ clusterNodes: cluster.nodes, keyPrefix: prefix }, { logger: new RecordingLogger() });
    expect(await backend.start()).toBe(true);
    try {
      const entries = Array.from({ length: 400 }, (_, i) => ({ key: `user:${i}`, value: Uint8Array.of(i & 255) }));
      expect((await backend.setMany(entries)).every(Boolean)).toBe(true);
      expect((await backend.getMany(entries.map((e) => e.key))).map((e) => e?.value[0])).toEqual(
        entries.map((e) => e.value[0]),
      );
      expect(await backend.stats()).toMatchObject({ entries: 400, sizeBytes: 400 });

      const keysPerNode = cluster.servers.map((server) =>
        server
          .cli('--scan', '--pattern', `${prefix}*`)
          .split('\n')
          .filter((line) => line.length > 0),
      );
      // Every key of the prefix lives on some master (400 entries + lru, sz and st per shard;
      // no exp or pf without TTLs and prefetches); at least two masters hold shards.
      expect(keysPerNode.reduce((n, keys) => n + keys.length, 0)).toBe(400 + 16 * 3);
      expect(keysPerNode.filter((keys) => keys.length > 0).length).toBeGreaterThanOrEqual(2);
      // All keys of one shard (entry and index) hash to one slot.
      const server = cluster.servers[0]!;
      for (const shard of [0, 7, 15]) {
        const tag = `{${prefix}${shard}}`;
        const slots = new Set(
          [`${prefix}${tag}:lru`, `${prefix}${tag}:sz`, `${prefix}${tag}:e:user:1`].map((key) =>
            server.cli('cluster', 'keyslot', key).trim(),
          ),
        );
        expect(slots.size).toBe(1);
      }
      expect(await backend.evictLru(100)).toBe(100);
      expect(await backend.stats()).toMatchObject({ entries: 300, evictions: 100 });
    } finally {
      await backend.clear();
      await backend.stop();
    }
  });
});
