/**
 * Worker threads for miss-ratio curves. A pool can be started before the trace is loaded (the
 * CLI does), so thread start-up overlaps reading the file. Each run shares the trace's replay
 * columns once (SharedArrayBuffer) and hands out (policy, capacity) jobs from a queue.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CachelabError } from '../errors.js';
import type { MrcJob, MrcPoint, ReplayColumns } from './mrc-job.js';
import type { MrcWorkerData, MrcWorkerMessage, MrcWorkerRequest } from './mrc-worker.js';

interface PoolWorker {
  worker: Worker;
  ready: Promise<void>;
}

export class MrcWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private busy = false;
  private closed = false;

  /** Starts `size` worker threads; `imports` are modules each imports first (extra policies). */
  constructor(
    readonly size: number,
    imports: readonly string[] = [],
  ) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`a worker pool needs at least one thread, got ${size}`);
    const spec = workerSpec();
    const data: MrcWorkerData = { imports: [...imports] };
    for (let i = 0; i < size; i++) {
      const worker = new Worker(spec.entry, { workerData: data, eval: spec.eval });
      const ready = new Promise<void>((resolve, reject) => {
        const onMessage = (message: MrcWorkerMessage) => {
          if (message.type !== 'ready') return;
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve();
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
      });
      ready.catch(() => undefined); // surfaced by run()
      this.workers.push({ worker, ready });
    }
  }

  /** Replays every job over the shared columns; results come back in job order (by `index`). */
  async run(columns: ReplayColumns, jobs: readonly MrcJob[], onProgress: (index: number, done: number) => void, signal?: AbortSignal): Promise<MrcPoint[]> {
    if (this.closed) throw new Error('this MRC worker pool is closed');
    if (this.busy) throw new Error('this MRC worker pool is already running a curve');
    this.busy = true;
    try {
      await Promise.all(this.workers.map((w) => w.ready));
      return await this.schedule(columns, jobs, onProgress, signal);
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private schedule(columns: ReplayColumns, jobs: readonly MrcJob[], onProgress: (index: number, done: number) => void, signal?: AbortSignal): Promise<MrcPoint[]> {
    // Bigger caches take longer: start them first so no thread idles at the end.
    const queue = [...jobs].sort((a, b) => b.capacity - a.capacity);
    const points: (MrcPoint | undefined)[] = new Array(jobs.length);
    let finished = 0;
    return new Promise<MrcPoint[]>((resolve, reject) => {
      let settled = false;
      const cleanups: (() => void)[] = [];
      const settle = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        for (const cleanup of cleanups) cleanup();
        if (error) {
          // A thread may still be inside a job: the pool cannot be reused safely.
          void this.close();
          reject(error);
        } else resolve(points as MrcPoint[]);
      };
      const next = (worker: Worker): void => {
        if (signal?.aborted) return settle(new CachelabError('INTERRUPTED', 'miss-ratio curve interrupted'));
        const job = queue.shift();
        if (job) worker.postMessage({ type: 'job', job } satisfies MrcWorkerRequest);
      };
      for (const { worker } of this.workers) {
        const onMessage = (message: MrcWorkerMessage): void => {
          if (settled) return;
          switch (message.type) {
            case 'progress':
              return onProgress(message.index, message.done);
            case 'error': {
              const job = jobs[message.index]!;
              return settle(new CachelabError('MRC_JOB', `${job.policy} at capacity ${job.capacity}: ${message.message}`));
            }
            case 'result':
              points[message.index] = message.point;
              if (++finished === jobs.length) return settle(null);
              return next(worker);
            default:
              return;
          }
        };
        const onError = (error: Error): void => settle(error);
        const onExit = (code: number): void => settle(new CachelabError('MRC_WORKER', `an MRC worker thread exited with code ${code}`));
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        cleanups.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        });
        worker.postMessage({ type: 'trace', columns } satisfies MrcWorkerRequest);
        next(worker);
      }
      if (jobs.length === 0) settle(null);
    });
  }
}

/**
 * How to start a worker. A built .js worker starts directly. Under tsx or vitest the worker is
 * TypeScript: a small eval'd bootstrap registers tsx's loader inside the thread (loader hooks
 * are per thread in Node 20) and then imports the worker module.
 */
function workerSpec(): { entry: URL | string; eval: boolean } {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { entry: new URL('./mrc-worker.js', self), eval: false };
  const api = pathToFileURL(tsxEsmApi(self)).href;
  const worker = new URL('./mrc-worker.ts', self).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); })`;
  return { entry: code, eval: true };
}

/** Path of tsx's ESM `tsx/esm/api` entry (createRequire would resolve its CommonJS twin). */
function tsxEsmApi(from: string): string {
  const manifest = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const entry = pkg.exports['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs';
  return join(dirname(manifest), entry);
}
