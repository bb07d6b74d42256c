/** The backend contract against the in-memory backend, with a manual clock for TTLs. */
import { MemoryBackend } from '../../src/backends/memory.js';
import { ManualClock } from '../../src/manager/clock.js';
import { backendContract } from './contract.js';

backendContract('memory', async (capacity) => {
  const clock = new ManualClock(1_000_000);
  const backend = new MemoryBackend(capacity, { clock });
  return {
    backend,
    advance: async (ms) => clock.advance(ms),
    dispose: () => backend.stop(),
  };
});
