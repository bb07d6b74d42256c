/**
 * Worker thread of a MrcWorkerPool: receives a trace's replay columns (SharedArrayBuffer views,
 * no copy), then replays one job per message and posts progress and the result back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import '../policies/index.js';
import { runMrcJob, type MrcJob, type MrcPoint, type ReplayColumns } from './mrc-job.js';

export interface MrcWorkerData {
  /** Modules to import before creating policies (they register extra policies). */
  imports: string[];
}

export type MrcWorkerRequest = { type: 'trace'; columns: ReplayColumns } | { type: 'job'; job: MrcJob };

export type MrcWorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; index: number; done: number }
  | { type: 'result'; index: number; point: MrcPoint }
  | { type: 'error'; index: number; name: string; message: string };

const port = parentPort!;
let columns: ReplayColumns | null = null;

for (const module of (workerData as MrcWorkerData).imports) await import(module);

port.on('message', (request: MrcWorkerRequest) => {
  if (request.type === 'trace') {
    columns = request.columns;
    return;
  }
  const job = request.job;
  try {
    if (!columns) throw new Error('no trace was sent to this worker before its first job');
    const point = runMrcJob(columns, job, (done) => port.postMessage({ type: 'progress', index: job.index, done } satisfies MrcWorkerMessage));
    port.postMessage({ type: 'result', index: job.index, point } satisfies MrcWorkerMessage);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ type: 'error', index: job.index, name: e.name, message: e.message } satisfies MrcWorkerMessage);
  }
});
port.postMessage({ type: 'ready' } satisfies MrcWorkerMessage);
