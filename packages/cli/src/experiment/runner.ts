/**
 * `cachelab run`: expands an experiment into cells, skips the complete ones, and spreads the rest
 * over worker processes (one per core by default; in-process when one worker suffices). Results
 * land in `<runsDir>/<name>/<config-hash>/<cell>/`. Ctrl-C stops handing out cells, stops the
 * workers and keeps every finished cell; running again resumes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configHash, hashFile } from '../util/hash.js';
import { writeJsonFile } from '../util/json.js';
import { createProgress } from '../util/progress.js';
import { type Cell, expandCells, traceRefs } from './cells.js';
import { assertPoliciesValid, assertPrefetchValid } from './check-policies.js';
import { isLearnedPolicyName, trainedModelNames } from './learned-names.js';
import { trainingUnitNotes } from '../util/training-unit-notice.js';
import { type RunContext, executeCell, isCellComplete } from './execute-cell.js';
import { tfBackendName } from './optional-packages.js';
import type { Experiment } from './schema.js';
import { assertTraceExists } from './trace-cache.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

export interface RunOptions {
  /** Folder holding one folder per experiment (default `runs`). */
  runsDir: string;
  /** Parallel workers; default: available cores. 1 runs in this process. */
  workers?: number;
  quiet?: boolean;
  signal?: AbortSignal;
  /** The command line recorded in manifests. */
  command: string;
}

export interface CellFailure {
  id: string;
  message: string;
  code: string | null;
}

export interface RunResult {
  name: string;
  configHash: string;
  runDir: string;
  cells: number;
  /** Cells run now. */
  ran: number;
  /** Cells already complete from an earlier run. */
  skipped: number;
  failed: CellFailure[];
  /** Ctrl-C stopped the run before every cell ran. */
  interrupted: boolean;
}

/** The folder of an experiment's results for this exact configuration. */
export function runDirectory(runsDir: string, name: string, experiment: Experiment): { runDir: string; configHash: string } {
  const hash = configHash(experiment);
  return { runDir: join(runsDir, name, hash), configHash: hash };
}

export async function runExperiment(name: string, experiment: Experiment, options: RunOptions): Promise<RunResult> {
  const { runDir, configHash: hash } = runDirectory(options.runsDir, name, experiment);
  assertPoliciesValid(experiment.policies, 'policies');
  assertPrefetchValid(experiment.prefetch);
  const traceChecksums: RunContext['traceChecksums'] = {};
  // Every trace must exist before any work starts.
  for (const trace of traceRefs(experiment)) {
    const absolute = assertTraceExists(trace);
    traceChecksums[absolute] = { sha256: await hashFile(absolute), bytes: statSync(absolute).size };
  }
  const cells = expandCells(experiment);
  const context: RunContext = {
    runName: name,
    runDir,
    configHash: hash,
    command: options.command,
    traceChecksums,
    tfBackend: cells.some((c) => c.kind === 'dqn-train' || isLearnedPolicyName(c.policy.name)) ? await tfBackendName() : null,
  };
  writeJsonFile(join(runDir, 'experiment.json'), { name, configHash: hash, experiment });
  const incomplete = new Set(cells.filter((cell) => !isCellComplete(context, cell)).map((cell) => cell.id));
  // A model trained (again) now replaces the one its `dqn:@NAME` replays measured: they run again too.
  const pending = cells.filter(
    (cell) => incomplete.has(cell.id) || (cell.kind === 'replay' && trainedModelNames(cell.policy.name).some((model) => incomplete.has(`train-${model}-s${cell.seed}`))),
  );
  const result: RunResult = {
    name,
    configHash: hash,
    runDir,
    cells: cells.length,
    ran: 0,
    skipped: cells.length - pending.length,
    failed: [],
    interrupted: false,
  };
  for (const unit of ['objects', 'bytes'] as const) {
    const learned = pending.flatMap((cell) => (cell.kind === 'replay' && cell.unit === unit ? [cell.policy.name] : []));
    for (const note of trainingUnitNotes(learned, unit)) process.stderr.write(`${note}\n`);
  }
  const signal = options.signal ?? new AbortController().signal;
  // A training cell takes minutes, a replay seconds, and trainings run first: a time-left estimate
  // from the cells done so far would be hours off, so a run with trainings to do shows none.
  const estimate = !pending.some((cell) => cell.kind === 'dqn-train');
  const progress = createProgress(`run ${name}`, cells.length, { quiet: options.quiet ?? false, timer: true, estimate, alreadyDone: result.skipped });
  progress.update(result.skipped);
  const onSettled = (failure: CellFailure | null) => {
    if (failure) result.failed.push(failure);
    else result.ran++;
    progress.update(result.skipped + result.ran + result.failed.length);
  };
  // Training first: replay cells may evaluate the trained models.
  const phases = [pending.filter((c) => c.kind === 'dqn-train'), pending.filter((c) => c.kind === 'replay')];
  const trainFailed = new Set<string>();
  try {
    for (const phase of phases) {
      const runnable: Cell[] = [];
      for (const cell of phase) {
        const models = cell.kind === 'replay' ? trainedModelNames(cell.policy.name) : [];
        const failedDependency = models.map((model) => `train-${model}-s${cell.seed}`).find((id) => trainFailed.has(id));
        if (failedDependency) onSettled({ id: cell.id, message: `its model ${failedDependency} failed to train`, code: 'DEPENDENCY' });
        else runnable.push(cell);
      }
      const workers = Math.min(options.workers ?? availableParallelism(), runnable.length);
      const before = result.failed.length;
      if (workers <= 1) await runInProcess(context, runnable, signal, onSettled);
      else await runInWorkers(context, runnable, workers, signal, onSettled);
      for (const failure of result.failed.slice(before)) trainFailed.add(failure.id);
      if (signal.aborted) break;
    }
  } finally {
    progress.stop();
  }
  result.interrupted = signal.aborted && result.ran + result.failed.length < pending.length;
  return result;
}

type Settle = (failure: CellFailure | null) => void;

function failureOf(id: string, error: unknown): CellFailure {
  const code = (error as { code?: unknown })?.code;
  return { id, message: error instanceof Error ? error.message : String(error), code: code === undefined ? null : String(code) };
}

async function runInProcess(context: RunContext, cells: readonly Cell[], signal: AbortSignal, settle: Settle): Promise<void> {
  for (const cell of cells) {
    if (signal.aborted) return;
    try {
      await executeCell(context, cell, signal);
      settle(null);
    } catch (error) {
      if (signal.aborted) return; // stopped mid-cell: not a failure, it runs again next time
      settle(failureOf(cell.id, error));
    }
  }
}

/** `--import tsx` lets worker processes run the TypeScript sources, as the CLI itself does. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** How long a worker may take to stop its cell after Ctrl-C (a training cell: ≤ 1,000 steps and a checkpoint). */
const STOP_GRACE_MS = 60_000;

function runInWorkers(context: RunContext, cells: readonly Cell[], count: number, signal: AbortSignal, settle: Settle): Promise<void> {
  const workerFile = fileURLToPath(new URL('./worker.ts', import.meta.url));
  const queue = [...cells];
  const children: ChildProcess[] = [];
  return new Promise<void>((resolve) => {
    let alive = 0;
    const finishOne = () => {
      if (--alive === 0) {
        signal.removeEventListener('abort', stopAll);
        resolve();
      }
    };
    // Ctrl-C: each worker stops its cell as the in-process path would (a training cell at a
    // checkpoint it resumes from), then exits; one that has not after STOP_GRACE_MS is killed.
    const stopAll = () => {
      for (const child of children) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        if (child.connected) child.send({ type: 'stop' } satisfies WorkerRequest);
        const kill = setTimeout(() => child.kill('SIGTERM'), STOP_GRACE_MS);
        kill.unref();
        child.once('exit', () => clearTimeout(kill));
      }
    };
    signal.addEventListener('abort', stopAll, { once: true });
    const spawnWorker = () => {
      const child = fork(workerFile, [], {
        execArgv: ['--import', tsxLoader()],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      children.push(child);
      alive++;
      let current: Cell | undefined;
      let finishedOne = false;
      const next = () => {
        // A worker that died right after replying gets nothing (its 'exit' handler does the rest).
        if (!child.connected) {
          current = undefined;
          return;
        }
        current = signal.aborted ? undefined : queue.shift();
        const message: WorkerRequest = current ? { type: 'cell', context, cell: current } : { type: 'exit' };
        child.send(message);
      };
      child.on('message', (reply: WorkerReply) => {
        finishedOne = true;
        if (reply.type === 'done') settle(null);
        // Stopped by Ctrl-C: not a failure, the cell runs (or resumes) next time, as in process.
        else if (!signal.aborted) settle({ id: reply.id, message: reply.message, code: reply.code });
        next();
      });
      child.on('exit', (code, killedBy) => {
        const died = current !== undefined && !signal.aborted;
        if (died) settle({ id: current!.id, message: `worker process ended (${killedBy ?? `exit code ${code}`}) while running the cell`, code: 'WORKER' });
        current = undefined;
        // A worker that died is replaced while cells wait, so every queued cell still runs or fails:
        // each death either fails the cell it was running or came after a finished one (so no
        // endless respawning of workers that cannot start).
        if ((died || finishedOne) && !signal.aborted && queue.length > 0) spawnWorker();
        finishOne();
      });
      next();
    };
    for (let w = 0; w < count; w++) spawnWorker();
  });
}
