/**
 * Prints the policy zoo's figures for BENCHMARKS.md:
 *  - replay throughput per policy (requests/s, best of 2 replays of the >= 10M-request workload,
 *    object mode, 10% of the objects), its ratio to LRU in the same run, and the issue's target;
 *  - policy metadata bytes per cached object at 1M objects (typed arrays each policy allocates,
 *    from metadataBytes(), with keySpace = 1M);
 *  - the no-allocation check: bytes allocated during one whole replay, from V8's sampling heap
 *    profiler including objects already collected (one 16-byte allocation per request would show
 *    as ~160 MB), plus the garbage collections seen during that replay.
 *
 *   node --expose-gc --import tsx packages/cache-core/bench/policy-figures.ts [policy,policy,…]
 *
 * With a subset that leaves out lru, the "x… of LRU" column reads n/a (no LRU rate in this run).
 */
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { allocateBatch, builtinPolicies, createPolicy, replay, type EvictionPolicy } from '../src/index.js';
import { TARGETS, buildWorkload } from './policy-workload.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with: node --expose-gc --import tsx packages/cache-core/bench/policy-figures.ts');
  process.exit(2);
}

let gcEvents = 0;
new PerformanceObserver((list) => {
  gcEvents += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });
const flushObserver = () => new Promise((resolve) => setTimeout(resolve, 20));

const inspector = new Session();
inspector.connect();
await inspector.post('HeapProfiler.enable');
interface SampleNode {
  selfSize: number;
  children: SampleNode[];
}
const totalSize = (node: SampleNode): number => node.children.reduce((sum, child) => sum + totalSize(child), node.selfSize);

// Optional first argument: a comma-separated subset of policies (e.g. lru,s3fifo,arc).
const only = process.argv[2]?.split(',');
const unknown = only?.filter((name) => !builtinPolicies.some((p) => p.name === name)) ?? [];
if (unknown.length) {
  console.error(`unknown polic${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')}; known: ${builtinPolicies.map((p) => p.name).join(', ')}`);
  process.exit(2);
}
const policies = builtinPolicies.filter((p) => !only || only.includes(p.name));
const workload = await buildWorkload();
const n = workload.batch.length;
console.log(`workload: ${workload.source}, ${n} requests, ${workload.keyCount} objects; cache ${workload.capacity} objects (10%, object mode)\n`);

const rows: string[] = [];
let lruRate = 0;
for (const info of policies) {
  let best = 0;
  let gcs = 0;
  let allocated = 0;
  for (let run = 0; run < 3; run++) {
    const policy = createPolicy(info.name, { capacity: workload.capacity, keySpace: workload.keyCount });
    gc();
    await flushObserver();
    gcEvents = 0;
    // The last run is profiled (allocation sampling), the first two are timed.
    const profiled = run === 2;
    if (profiled) {
      await inspector.post('HeapProfiler.startSampling', {
        samplingInterval: 8192,
        includeObjectsCollectedByMinorGC: true,
        includeObjectsCollectedByMajorGC: true,
      } as never);
    }
    const t0 = performance.now();
    replay(policy, workload.batch, { unit: 'objects' });
    const seconds = (performance.now() - t0) / 1000;
    if (profiled) {
      const { profile } = (await inspector.post('HeapProfiler.stopSampling')) as { profile: { head: SampleNode } };
      allocated = totalSize(profile.head);
      await flushObserver();
      gcs = gcEvents;
    } else best = Math.max(best, n / seconds);
  }
  if (info.name === 'lru') lruRate = best;
  const target = TARGETS[info.name];
  const verdict = target === undefined ? '' : best >= target ? `>= ${target / 1e6} M/s: met` : `>= ${target / 1e6} M/s: MISSED`;
  rows.push(
    `${info.name.padEnd(9)} ${(best / 1e6).toFixed(2).padStart(6)} M req/s  x${lruRate ? (best / lruRate).toFixed(2) : ' n/a'} of LRU  allocated during replay: ${(allocated / 2 ** 20).toFixed(1)} MiB (${(allocated / n).toFixed(2)} B/request), GCs: ${gcs}  ${verdict}`,
  );
  console.log(rows[rows.length - 1]);
}

// Metadata at 1M cached objects: fill a 1M-object cache with 1M distinct keys, then a second pass.
const M = 1_000_000;
const fill = allocateBatch(2 * M);
for (let i = 0; i < 2 * M; i++) {
  fill.key[i] = i % M;
  fill.size[i] = 1;
  fill.nextAccess[i] = i + M < 2 * M ? i + M : -1;
}
fill.length = 2 * M;
console.log('\npolicy metadata at 1M cached objects (typed arrays; keySpace = 1M):');
for (const info of policies) {
  const policy = createPolicy(info.name, { capacity: M, keySpace: M }) as EvictionPolicy & { metadataBytes?: () => number };
  replay(policy, fill, { unit: 'objects' });
  const bytes = policy.metadataBytes?.() ?? Number.NaN;
  const perObject = bytes / policy.count;
  console.log(`${info.name.padEnd(9)} ${perObject.toFixed(1).padStart(6)} B/object (${policy.count} objects) ${perObject <= 100 ? '<= 100 B: met' : '> 100 B: MISSED'}`);
}
