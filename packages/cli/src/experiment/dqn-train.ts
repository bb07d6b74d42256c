/**
 * A DQN training cell: the eviction environment of @cachelab/rl-agent over the cell's trace and
 * cache size, trained by its `trainDqn` loop. The model lands in `<cell>/model/` (what
 * `dqn:DIR` loads, and what replay cells name `dqn:@NAME`), every training record in the cell's
 * metrics.jsonl, and the deterministic totals in summary.json. With several training traces or
 * sizes, the environments (one per (trace, size) pair) are taken in turn by a MixtureEnv,
 * `env.segmentSteps` decisions at a time: rl-agent's evictionTrainingEnv, which `cachelab train`
 * builds too.
 */
import { ConfigError, type RequestBatch } from '@cachelab/cache-core';
import type { DqnTrainCell } from './cells.js';
import { evictionEnvOptions } from '../util/eviction-env-options.js';
import { UnsupportedCellError } from './errors.js';
import { importRlAgent } from './optional-packages.js';
import { InterruptedError } from '../util/interrupt.js';

/** One training trace with the capacity one of the cell's sizes gives on it. */
export interface TrainTrace {
  batch: RequestBatch;
  capacity: number;
}

export interface TrainRequest {
  cell: DqnTrainCell;
  /** The cell's first (trace, size), then its `moreMembers`, in order. */
  traces: TrainTrace[];
  modelDir: string;
  onMetrics: (record: Record<string, number>) => void;
  /** Ctrl-C: training stops within 1,000 steps at a checkpoint; the cell fails as interrupted and resumes next time. */
  signal?: AbortSignal;
  /** Continue the interrupted training whose checkpoint is in modelDir (exactly: see trainDqn). */
  resume?: boolean;
  /** The training data's identity (trace checksums): recorded in agent.json, and a resume must match it. */
  data?: unknown;
}

export interface TrainOutcome {
  result: Record<string, number>;
  backend: string;
  /** The checkpoint step this training resumed from (an earlier run was stopped there). */
  resumedAt?: number;
}

export async function trainCell(request: TrainRequest): Promise<TrainOutcome> {
  const agent = await importRlAgent();
  if (!agent) throw new UnsupportedCellError(request.cell.id, '@cachelab/rl-agent cannot be imported in this build, so DQN training cells cannot run');
  const { cell } = request;
  let config;
  try {
    config = agent.resolveDqnConfig({ ...(cell.config as Record<string, never>), seed: cell.seed });
  } catch (error) {
    throw new ConfigError(`dqn.train (${cell.name}).config`, (error as Error).message);
  }
  // Recorded in agent.json (which the `dqn:` policy rebuilds from): only what differs from the defaults.
  const shared = { unit: cell.unit, ...evictionEnvOptions(cell.env) };
  if (request.traces.length === 0) throw new Error(`${cell.id}: no training trace`);
  if (cell.env.segmentSteps !== undefined && request.traces.length === 1) {
    throw new ConfigError(`dqn.train (${cell.name}).env.segmentSteps`, 'applies only when the entry lists several training traces or sizes');
  }
  const { env } = agent.evictionTrainingEnv(request.traces, {
    ...shared,
    ...(cell.env.maxEpisodeSteps !== undefined ? { maxEpisodeSteps: cell.env.maxEpisodeSteps } : {}),
    ...(cell.env.segmentSteps !== undefined ? { segmentSteps: cell.env.segmentSteps } : {}),
  });
  // agent.json records the first trace's capacity; a replay policy takes its capacity from the replay.
  const settings = { capacity: request.traces[0]!.capacity, ...shared };
  const backend = await agent.initBackend();
  const outcome = await agent.trainDqn({
    env,
    config,
    outDir: request.modelDir,
    envMeta: { kind: 'eviction', settings },
    onMetrics: (record) => request.onMetrics(record),
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.resume ? { resume: true } : {}),
    ...(request.data !== undefined ? { data: request.data } : {}),
  });
  // The weights are on disk (modelDir); a worker runs many cells, so the tensors go now.
  outcome.agent.dispose();
  if (outcome.interrupted) {
    throw new InterruptedError(`cell ${cell.id} stopped at training step ${outcome.steps}; the next run resumes it from there`);
  }
  if (request.resume && outcome.exactResume !== true) {
    // Only an exact resume gives the bytes an uninterrupted run would (summary.json is deterministic).
    throw new Error(`${cell.id}: the checkpoint could not be resumed exactly`);
  }
  const result: Record<string, number> = { steps: outcome.steps, updates: outcome.updates, episodes: outcome.episodes };
  if (outcome.last) {
    for (const [key, value] of Object.entries(outcome.last)) if (typeof value === 'number') result[`last_${key}`] = value;
  }
  return { result, backend: backend.name, ...(outcome.resumedAt !== undefined ? { resumedAt: outcome.resumedAt } : {}) };
}
