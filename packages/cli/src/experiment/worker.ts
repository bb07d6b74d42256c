/**
 * A worker process of `cachelab run`: receives cells from the parent over IPC, runs them with
 * executeCell (which writes the cell's files), answers with success or the error message. Traces
 * stay loaded between cells. Ctrl-C in the terminal reaches the whole process group: the parent
 * decides what happens, so the worker ignores SIGINT and is stopped by the parent.
 */
import { executeCell, type RunContext } from './execute-cell.js';
import type { Cell } from './cells.js';

export type WorkerRequest = { type: 'cell'; context: RunContext; cell: Cell } | { type: 'stop' } | { type: 'exit' };
export type WorkerReply = { type: 'done'; id: string } | { type: 'failed'; id: string; message: string; code: string | null };

process.on('SIGINT', () => {});
// The parent is gone (killed, or quit on a second Ctrl-C): nothing will collect this cell's result.
let leaving = false;
process.on('disconnect', () => {
  if (!leaving) process.exit(130);
});

// The parent's Ctrl-C arrives as a 'stop' message: the cell in progress stops as it would in
// process (a training cell at a checkpoint it resumes from next time).
const stop = new AbortController();

process.on('message', (message: WorkerRequest) => {
  if (message.type === 'exit') {
    leaving = true;
    process.disconnect();
    return;
  }
  if (message.type === 'stop') {
    stop.abort();
    return;
  }
  const { context, cell } = message;
  executeCell(context, cell, stop.signal).then(
    () => send({ type: 'done', id: cell.id }),
    (error: unknown) =>
      send({
        type: 'failed',
        id: cell.id,
        message: error instanceof Error ? error.message : String(error),
        code: (error as { code?: unknown })?.code === undefined ? null : String((error as { code: unknown }).code),
      }),
  );
});

function send(reply: WorkerReply): void {
  process.send?.(reply);
}
