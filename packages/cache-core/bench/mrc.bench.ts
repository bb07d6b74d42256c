/**
 * Miss-ratio curves on worker threads vs the same replays one after another, and trace reader
 * throughput (requests/s = requests per iteration × hz).
 *
 * Target (issue 4): an 8-size MRC on 2 cores ≥ 1.7× faster than the sizes run one after another.
 * Both sides replay the same in-memory trace. "started per curve" pays for starting the threads
 * inside the measurement; `cachelab mrc` starts its pool while the trace loads, which the
 * "pool started beforehand" case measures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, bench, describe } from 'vitest';
import { MrcWorkerPool, computeNextAccess, generateZipf, missRatioCurve, readTrace, writeTrace } from '../src/index.js';

const REQUESTS = 4_000_000;
const OBJECTS = 400_000;
const trace = generateZipf({ requests: REQUESTS, objects: OBJECTS, alpha: 0.8, seed: 1 });
const sizes = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5].map((share) => Math.floor(share * trace.keyCount));
const curve = { policies: ['lru'], capacities: sizes, unit: 'objects' as const };
const options = { iterations: 3, warmupIterations: 1, time: 0, warmupTime: 0 };

const pool = new MrcWorkerPool(2);
afterAll(() => pool.close());

describe(`MRC: lru at 8 sizes, ${REQUESTS / 1e6}M zipf requests`, () => {
  bench('2 worker threads, started per curve', async () => {
    await missRatioCurve(trace.batch, trace.keyCount, { ...curve, workers: 2 });
  }, options);
  bench('2 worker threads, pool started beforehand (as cachelab mrc does while loading)', async () => {
    await missRatioCurve(trace.batch, trace.keyCount, { ...curve, pool });
  }, options);
  bench('one after another (baseline)', async () => {
    await missRatioCurve(trace.batch, trace.keyCount, { ...curve, workers: 0 });
  }, options);
});

/**
 * Control for the ratio above: the same fixed CPU work split over 2 threads vs done by 1. On a
 * machine with two idle cores this is ~2×; if it is ~1×, other processes hold a core and the MRC
 * ratio cannot show parallel speed-up either.
 */
function spin(threads: number, iterations: number): Promise<unknown[]> {
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    let x = 0; for (let i = 0; i < workerData; i++) x = (x + i * 7) % 1000003; parentPort.postMessage(x);`;
  return Promise.all(
    Array.from({ length: threads }, () => new Promise((resolve) => new Worker(code, { eval: true, workerData: iterations / threads }).once('message', resolve))),
  );
}

describe('control: fixed CPU work (2e8 loop steps)', () => {
  bench('split over 2 threads', async () => void (await spin(2, 2e8)), options);
  bench('on 1 thread (baseline)', async () => void (await spin(1, 2e8)), options);
});

// Reader throughput: the same 1M requests written in each format.
const READ_REQUESTS = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'cachelab-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sample = generateZipf({ requests: READ_REQUESTS, objects: 100_000, alpha: 0.8, seed: 2 });
computeNextAccess(sample.batch, sample.keyCount);
const files = {
  oracleGeneral: join(dir, 'sample.bin'),
  csv: join(dir, 'sample.csv'),
  txt: join(dir, 'sample.txt'),
};
for (const [format, path] of Object.entries(files)) await writeTrace(path, format as keyof typeof files, sample.batch, sample);

async function readAll(path: string, extra: { csv?: string; header?: boolean } = {}): Promise<number> {
  const reader = readTrace(path, extra);
  let n = 0;
  for await (const batch of reader) n += batch.length;
  if (n !== READ_REQUESTS) throw new Error(`read ${n} requests, expected ${READ_REQUESTS}`);
  return n;
}

describe(`trace readers: ${READ_REQUESTS / 1e6}M requests (requests/s = 1M × hz)`, () => {
  bench('oracleGeneral', async () => void (await readAll(files.oracleGeneral)), options);
  bench('txt', async () => void (await readAll(files.txt)), options);
  bench('csv', async () => void (await readAll(files.csv, { header: true })), options);
});
