import { loadTrace, replay } from '@cachelab/cache-core';
import { EvictionEnv, resolveDqnConfig, trainDqn, learnedPolicyFromForward, TimeLimit } from '../src/index.js';
const dir = '/work/shared/traces/';
const train = await loadTrace(dir + (process.argv[2] ?? 'lirs-2_pools.txt'));
const frac = Number(process.argv[3] ?? 0.01);
const cap = Math.max(2, Math.floor(train.keyCount * frac));
const env = new EvictionEnv(train.batch, { capacity: cap, horizonFactor: Number(process.env.H ?? 1) });
const config = resolveDqnConfig({ totalSteps: Number(process.env.STEPS ?? 50000), learningStarts: 2000, explorationFraction: 0.2, hiddenLayers: JSON.parse(process.env.HIDDEN ?? '[16]') });
const t0 = performance.now();
const r = await trainDqn({ env, config, onMetrics: (m) => { if (m['charts/episodic_return'] !== undefined || m.global_step % 10000 === 0) console.log(JSON.stringify(m)); } });
console.log('train s', (performance.now() - t0) / 1000, 'updates', r.updates);
for (const f of ['cloudPhysicsIO.oracleGeneral.bin', 'cache2k-web07.txt', 'lirs-loop.txt', 'lirs-2_pools.txt', 'lirs-multi1.txt', 'lirs-sprite.txt']) {
  const t = await loadTrace(dir + f);
  for (const fr of [0.01, 0.1]) {
    const c = Math.max(2, Math.floor(t.keyCount * fr));
    const p = learnedPolicyFromForward('dqn', r.agent.forward, { capacity: c, keySpace: t.keyCount });
    const t1 = performance.now();
    const s = replay(p, t.batch, { unit: 'objects' });
    const dt = (performance.now() - t1) / 1000;
    // LRU via env vote is slow; use a quick LRU: forward that always picks candidate 0 (LRU tail)
    const lru = learnedPolicyFromForward('lru', { spec: r.agent.forward.spec, argmax: () => 0 } as never, { capacity: c, keySpace: t.keyCount });
    const sl = replay(lru, t.batch, { unit: 'objects' });
    console.log(f, fr, c, 'dqn', s.missRatio.toFixed(4), 'lru', sl.missRatio.toFixed(4), 'req/s', Math.round(t.batch.length / dt));
  }
}
