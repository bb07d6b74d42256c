/**
 * Runs one cell and writes its folder: config.json first, metrics.jsonl while it runs,
 * manifest.json, and summary.json last (written atomically: its presence marks the cell
 * complete). summary.json holds only what the configuration determines, never a time, so the
 * same experiment and seed give a byte-identical file.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CachelabError, type Prefetcher, Replayer, type ReplayStats, createPolicy, sliceBatch } from '@cachelab/cache-core';
import { resumableCheckpointStep } from '@cachelab/rl-agent/resume-files';
import { formatJson, writeFileAtomic, writeJsonFile } from '../util/json.js';
import { buildManifest } from '../util/manifest.js';
import { InterruptedError } from '../util/interrupt.js';
import { metricWindows } from '../util/metric-windows.js';
import { resolveCapacity } from './capacity.js';
import type { Cell, DqnTrainCell, ReplayCell } from './cells.js';
import { type TraceRef, tracePath } from './cells.js';
import { UnsupportedCellError } from './errors.js';
import { trainCell } from './dqn-train.js';
import { isLearnedPolicyName, modelWeightsChecksums, replayModelsCurrent, resolveTrainedModels, trainedModelChecksums } from './learned-names.js';
import { importRlAgent } from './optional-packages.js';
import { createCellPrefetcher } from './prefetch.js';
import { type LoadedTrace, getTrace } from './trace-cache.js';

/** What every cell of a run shares; plain data (it travels to worker processes). */
export interface RunContext {
  runName: string;
  runDir: string;
  configHash: string;
  command: string;
  /** Absolute trace path → checksum, computed once by the parent. */
  traceChecksums: Record<string, { sha256: string; bytes: number }>;
  tfBackend: string | null;
}


/** The run's SHA-256 of a trace file (null when the parent did not hash it). */
function checksumOf(context: RunContext, ref: TraceRef): string | null {
  return context.traceChecksums[tracePath(ref)]?.sha256 ?? null;
}

export function cellDir(context: RunContext, cell: Cell): string {
  return join(context.runDir, cell.id);
}

function cellConfig(context: RunContext, cell: Cell): unknown {
  return { experiment: context.runName, configHash: context.configHash, cell };
}

/**
 * Complete = summary.json present, config.json identical to what this cell would write, and the
 * trace(s) summary.json was computed from (their SHA-256) still the ones on disk: a trace rewritten
 * in place (same path, other requests) makes its cells run again rather than mix two traces in a run;
 * for a `dqn:@NAME` replay, also the model it measured still the one trained, and for a `dqn:DIR`
 * replay the weights in DIR still the ones it recorded (`replayModelsCurrent`).
 */
export function isCellComplete(context: RunContext, cell: Cell): boolean {
  const dir = cellDir(context, cell);
  if (!existsSync(join(dir, 'summary.json')) || !existsSync(join(dir, 'config.json'))) return false;
  if (readFileSync(join(dir, 'config.json'), 'utf8') !== formatJson(cellConfig(context, cell))) return false;
  return summaryTracesCurrent(context, cell, join(dir, 'summary.json'));
}

function summaryTracesCurrent(context: RunContext, cell: Cell, file: string): boolean {
  let summary: { trace?: { sha256?: unknown }; moreMembers?: { trace?: { sha256?: unknown } }[] };
  try {
    summary = JSON.parse(readFileSync(file, 'utf8')) as typeof summary;
  } catch {
    return false; // unreadable: redo the cell
  }
  const current = (ref: TraceRef) => checksumOf(context, ref);
  if ((summary?.trace?.sha256 ?? null) !== current(cell.trace)) return false;
  // A replay of the experiment's own model measured the model its training cell holds now (a run
  // stopped between training a model again and replaying it left the old model's figures).
  if (cell.kind !== 'dqn-train') return replayModelsCurrent(summary, context.runDir, cell.policy.name, cell.seed);
  const more = cell.moreMembers ?? [];
  return more.every((member, i) => (summary.moreMembers?.[i]?.trace?.sha256 ?? null) === current(member.trace));
}

export async function executeCell(context: RunContext, cell: Cell, signal: AbortSignal): Promise<void> {
  const dir = cellDir(context, cell);
  // A cell left half-done by an interrupted run starts over, except a training cell stopped at a
  // checkpoint with its resume state: it continues exactly where it stopped (same bytes at the end).
  const resumeFrom = cell.kind === 'dqn-train' ? resumableTrainingStep(context, cell, dir) : null;
  if (resumeFrom === null) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeJsonFile(join(dir, 'config.json'), cellConfig(context, cell));
  }
  const startedAt = new Date();
  const trace = await getTrace(cell.trace, checksumOf(context, cell.trace));
  const summary =
    cell.kind === 'replay' ? await runReplay(context, cell, trace, dir, signal) : await runTraining(context, cell, trace, dir, signal, resumeFrom);
  const refs = [cell.trace, ...(cell.kind === 'dqn-train' ? (cell.moreMembers ?? []).map((m) => m.trace) : [])];
  const traces = refs.filter((ref, i) => refs.findIndex((r) => r.name === ref.name) === i).flatMap((ref) => {
    const checksum = context.traceChecksums[tracePath(ref)];
    return checksum ? [{ path: ref.path, ...checksum }] : [];
  });
  const manifest = buildManifest({
    command: context.command,
    startedAt,
    finishedAt: new Date(),
    tfBackend: summary.tfBackend ?? context.tfBackend,
    traces,
  });
  const resumed = summary.resumedAt !== undefined ? { resumedAtStep: summary.resumedAt } : {};
  writeJsonFile(join(dir, 'manifest.json'), { cell: cell.id, experiment: context.runName, configHash: context.configHash, ...manifest, ...resumed });
  writeJsonFile(join(dir, 'summary.json'), summary.summary);
}

interface CellResult {
  summary: Record<string, unknown>;
  tfBackend?: string;
  /** Training resumed from an interrupted run's checkpoint at this step (manifest only: summary.json stays the same bytes). */
  resumedAt?: number;
}

function traceFacts(context: RunContext, ref: TraceRef, trace: LoadedTrace) {
  return {
    name: ref.name,
    path: ref.path,
    sha256: checksumOf(context, ref),
    requests: trace.batch.length,
    objects: trace.keyCount,
    distinctBytes: trace.distinctBytes,
  };
}

/** `dqn:@NAME` (and `dqn-guard:@NAME`, `dqn-select:@A+@B`) refers to the model trained by the experiment's own `dqn.train` entry NAME (same seed). */
export function resolvePolicyName(context: RunContext, cell: ReplayCell): string {
  return resolveTrainedModels(cell.policy.name, (model) => join(context.runDir, `train-${model}-s${cell.seed}`, 'model'));
}

async function runReplay(context: RunContext, cell: ReplayCell, trace: LoadedTrace, dir: string, signal: AbortSignal): Promise<CellResult> {
  const capacity = resolveCapacity(cell.size, cell.unit, trace);
  // Importing the agent package registers the `dqn:DIR` resolver.
  if (isLearnedPolicyName(cell.policy.name) && !(await importRlAgent())) {
    throw new UnsupportedCellError(cell.id, '@cachelab/rl-agent cannot be imported in this build, so dqn: policies cannot run');
  }
  // Before the policy loads them: the weights it runs are these, or newer (then the replay reads as stale).
  const modelWeights = modelWeightsChecksums(cell.policy.name);
  const policy = createPolicy(resolvePolicyName(context, cell), {
    capacity,
    keySpace: trace.keyCount,
    seed: cell.seed,
    ...(cell.policy.params ? { params: cell.policy.params } : {}),
  });
  const models = trainedModelChecksums(context.runDir, cell.policy.name, cell.seed);
  const prefetcher: Prefetcher | undefined = cell.prefetch ? createCellPrefetcher(cell.prefetch) : undefined;
  const replayer = new Replayer(policy, {
    unit: cell.unit,
    warmup: cell.warmup,
    ...(prefetcher ? { prefetcher, prefetchDegree: cell.prefetch!.degree } : {}),
  });
  const metricsFile = join(dir, 'metrics.jsonl');
  writeFileAtomic(metricsFile, '');
  const batch = trace.batch;
  const started = performance.now();
  let previous: ReplayStats = replayer.result();
  for (const [start, end] of metricWindows(batch.length)) {
    // Yield to the event loop so that Ctrl-C (a signal handler) can be seen between chunks.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) throw new InterruptedError(`cell ${cell.id} stopped before it finished; it will run again next time`);
    replayer.feed(sliceBatch(batch, start, end));
    const now = replayer.result();
    const windowRequests = now.requests - previous.requests;
    appendFileSync(
      metricsFile,
      `${JSON.stringify({
        position: end,
        requests: now.requests,
        'charts/miss_ratio': now.missRatio,
        'charts/byte_miss_ratio': now.byteMissRatio,
        'charts/window_miss_ratio': windowRequests === 0 ? null : (now.misses - previous.misses) / windowRequests,
        elapsedMs: Math.round(performance.now() - started),
      })}\n`,
    );
    previous = now;
  }
  return {
    summary: {
      experiment: context.runName,
      configHash: context.configHash,
      cell: cell.id,
      kind: cell.kind,
      trace: traceFacts(context, cell.trace, trace),
      unit: cell.unit,
      size: cell.size,
      capacity,
      policy: cell.policy,
      seed: cell.seed,
      warmup: cell.warmup,
      prefetch: cell.prefetch,
      ...(models ? { models } : {}),
      ...(modelWeights ? { modelWeights } : {}),
      stats: replayer.finish(),
    },
  };
}

/**
 * The checkpoint step an interrupted training cell can continue from, or null: its config.json
 * is this cell's, no summary yet, and its model folder holds a checkpoint with resume state of the
 * same step (the trace checksums are checked by trainDqn against the ones its agent.json recorded).
 */
function resumableTrainingStep(context: RunContext, cell: DqnTrainCell, dir: string): number | null {
  if (existsSync(join(dir, 'summary.json')) || !existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'metrics.jsonl'))) return null;
  if (readFileSync(join(dir, 'config.json'), 'utf8') !== formatJson(cellConfig(context, cell))) return null;
  return resumableCheckpointStep(join(dir, 'model'));
}

async function runTraining(context: RunContext, cell: DqnTrainCell, trace: LoadedTrace, dir: string, signal: AbortSignal, resumeFrom: number | null): Promise<CellResult> {
  const capacity = resolveCapacity(cell.size, cell.unit, trace);
  const more = await Promise.all(
    (cell.moreMembers ?? []).map(async ({ trace: ref, size }) => {
      const loaded = await getTrace(ref, checksumOf(context, ref));
      return { ref, loaded, size, capacity: resolveCapacity(size, cell.unit, loaded) };
    }),
  );
  const metricsFile = join(dir, 'metrics.jsonl');
  const modelDir = join(dir, 'model');
  const data = { traces: [cell.trace, ...(cell.moreMembers ?? []).map((m) => m.trace)].map((ref) => checksumOf(context, ref)) };
  // Records written after the checkpoint come again when training replays from it.
  const agent = resumeFrom !== null ? await importRlAgent() : null;
  const resuming = agent !== null;
  if (resuming) agent.dropRecordsAfter(metricsFile, resumeFrom!);
  else writeFileAtomic(metricsFile, '');
  const train = (again: boolean) => trainCell({
    cell,
    traces: [
      { batch: trace.batch, capacity },
      ...more.map(({ loaded, capacity: c }) => ({ batch: loaded.batch, capacity: c })),
    ],
    modelDir,
    onMetrics: (record) => appendFileSync(metricsFile, `${JSON.stringify(record)}\n`),
    signal,
    resume: again,
    data,
  });
  let outcome: Awaited<ReturnType<typeof trainCell>>;
  try {
    outcome = await train(resuming);
  } catch (error) {
    // A checkpoint that cannot be resumed (other trace bytes, a damaged file): train from scratch.
    if (!resuming || error instanceof InterruptedError || !(error instanceof CachelabError)) throw error;
    rmSync(modelDir, { recursive: true, force: true });
    writeFileAtomic(metricsFile, '');
    outcome = await train(false);
  }
  return {
    summary: {
      experiment: context.runName,
      configHash: context.configHash,
      cell: cell.id,
      kind: cell.kind,
      name: cell.name,
      trace: traceFacts(context, cell.trace, trace),
      ...(more.length > 0
        ? { moreMembers: more.map(({ ref, loaded, size, capacity: c }) => ({ trace: traceFacts(context, ref, loaded), size, capacity: c })) }
        : {}),
      unit: cell.unit,
      size: cell.size,
      capacity,
      seed: cell.seed,
      config: cell.config,
      env: cell.env,
      result: outcome.result,
    },
    tfBackend: outcome.backend,
    ...(outcome.resumedAt !== undefined ? { resumedAt: outcome.resumedAt } : {}),
  };
}
