import { QForward } from '../src/dqn/forward.js';
import seedrandom from 'seedrandom';
const rng = seedrandom('a');
for (const hidden of [[16],[8],[16],[8]]) {
  const spec = { layout: 'per-action' as const, features: 14, actions: 8, hiddenLayers: hidden };
  const dims = [14, ...hidden, 1];
  const layers = dims.slice(1).map((u, i) => ({ inputs: dims[i]!, units: u, kernel: Float32Array.from({length: dims[i]!*u}, () => rng()-0.5), bias: new Float32Array(u) }));
  const f = new QForward(spec, layers);
  const obs = Float32Array.from({length: 112}, (_, i) => (i % 14 > 7 ? (rng() < 0.15 ? 1 : 0) : rng()));
  let s = 0; const n = 1000000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) { s += f.argmax(obs); }
  const c = process.cpuUsage(c0);
  console.log(hidden, ((c.user + c.system) / n).toFixed(3), 'us/decision cpu', s > 0);
}
