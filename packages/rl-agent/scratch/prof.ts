import { loadTrace, replay } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';
import { CandidateCache, QForward, FEATURE_COUNT } from '../src/index.js';
const t = await loadTrace('/work/shared/traces/cloudPhysicsIO.oracleGeneral.bin');
const cap = 4897;
const hidden = JSON.parse(process.argv[2] ?? '[8]');
const spec = { layout: 'per-action' as const, features: 14, actions: 8, hiddenLayers: hidden };
const dims = [14, ...hidden, 1];
const rng0 = seedrandom('x');
const layers = dims.slice(1).map((u, i) => ({ inputs: dims[i]!, units: u, kernel: Float32Array.from({length: dims[i]!*u}, () => rng0()-0.5), bias: new Float32Array(u) }));
const f = new QForward(spec, layers);
const obs = new Float32Array(8 * FEATURE_COUNT);
const mk = (mode: number) => new CandidateCache({ name: 'x', capacity: cap, candidates: 8, keySpace: t.keyCount, rng: seedrandom('1') }, (c) => {
  if (mode === 0) return c.candidates[0] = (c as any).lruTailKey?.() ?? (c.sampleCandidates(), c.candidates[0]!);
  c.sampleCandidates(); if (mode === 1) return c.candidates[0]!;
  c.writeFeatures(obs); if (mode === 2) return c.candidates[0]!;
  return c.candidates[f.argmax(obs)]!;
});
for (const mode of [1, 2, 3, 1, 2, 3]) {
  const p = mk(mode); const c0 = process.cpuUsage(); const s = replay(p, t.batch, { unit: "objects" }); const c1 = process.cpuUsage(c0); const dt = (c1.user + c1.system) / 1000;
  console.log('mode', mode, 'req/s', Math.round(t.batch.length / dt * 1000), 'evictions', s.misses, 'us/evict', (dt * 1000 / s.misses).toFixed(2));
}
