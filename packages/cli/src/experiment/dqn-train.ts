/**
 * A DQN training cell: the eviction environment of @cachelab/rl-agent over the cell's trace and
 * cache size, trained by its `trainDqn` loop. The model lands in `<cell>/model/` (what
 * `dqn:DIR` loads, and what replay cells name `dqn:@NAME`), every training record in the cell's
 * metrics.jsonl, and the deterministic totals in summary.json.
 */
import { ConfigError, type RequestBatch } from '@cachelab/cache-core';
import type { DqnTrainCell } from './cells.js';
import { UnsupportedCellError } from './errors.js';
import { importRlAgent } from './optional-packages.js';

export interface TrainRequest {
  cell: DqnTrainCell;
  batch: RequestBatch;
  capacity: number;
  modelDir: string;
  onMetrics: (record: Record<string, number>) => void;
}

export interface TrainOutcome {
  result: Record<string, number>;
  backend: string;
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
  const settings = {
    capacity: request.capacity,
    unit: cell.unit,
    ...(cell.env.candidates !== undefined ? { candidates: cell.env.candidates } : {}),
    ...(cell.env.horizonFactor !== undefined ? { horizonFactor: cell.env.horizonFactor } : {}),
  };
  const base = new agent.EvictionEnv(request.batch, settings);
  const env = cell.env.maxEpisodeSteps !== undefined ? new agent.TimeLimit(base, cell.env.maxEpisodeSteps) : base;
  const backend = await agent.initBackend();
  const outcome = await agent.trainDqn({
    env,
    config,
    outDir: request.modelDir,
    envMeta: { kind: 'eviction', settings },
    onMetrics: (record) => request.onMetrics(record),
  });
  const result: Record<string, number> = { steps: outcome.steps, updates: outcome.updates, episodes: outcome.episodes };
  if (outcome.last) {
    for (const [key, value] of Object.entries(outcome.last)) if (typeof value === 'number') result[`last_${key}`] = value;
  }
  return { result, backend: backend.name };
}
