/** The backend contract against a real single redis-server. */
import { afterAll, beforeAll } from 'vitest';
import { RedisServer } from '../helpers/redis-server.js';
import { backendContract } from './contract.js';
import { redisSubject } from './redis-subject.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.dispose();
});

backendContract('redis', async (capacity) => redisSubject({ host: server.host, port: server.port, ...capacity }), {
  ttlMs: 60,
});

backendContract(
  'redis with 4 shards and signing',
  async () => redisSubject({ host: server.host, port: server.port, shards: 4, signingSecret: 'contract-test-secret' }),
  { ttlMs: 60, exactCapacity: false, orderedBatches: false },
);
