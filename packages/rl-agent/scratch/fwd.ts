import { QForward } from '../src/dqn/forward.js';
for (const hidden of [[16,16],[16],[32],[8,8]]) {
  const spec = { layout: 'per-action' as const, features: 14, actions: 8, hiddenLayers: hidden };
  const dims = [14, ...hidden, 1];
  const layers = dims.slice(1).map((u, i) => ({ inputs: dims[i]!, units: u, kernel: Float32Array.from({length: dims[i]!*u}, () => Math.random()-0.5), bias: new Float32Array(u) }));
  const f = new QForward(spec, layers);
  const obs = Float32Array.from({length: 112}, (_, i) => (i % 14 > 7 ? (Math.random() < 0.15 ? 1 : 0) : Math.random()));
  let s = 0; const n = 500000;
  for (let i = 0; i < 20000; i++) s += f.argmax(obs);
  const t = performance.now();
  for (let i = 0; i < n; i++) { obs[i % 112] = Math.random(); s += f.argmax(obs); }
  console.log(hidden, ((performance.now() - t) * 1000 / n).toFixed(3), 'us/decision', s > 0);
}
