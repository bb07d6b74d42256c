/**
 * Expands an experiment into cells, the unit of work, of resumption and of parallelism. A cell's
 * config is everything that determines its result; its id names its folder.
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, type LogSession, type TraceFormat, type TraceReadOptions, getPolicyInfo } from '@cachelab/cache-core';
import { repoRoot } from '../util/paths.js';
import { type Experiment, type SizeSpec, policyLabel, sizeLabel, traceName } from './schema.js';
import type { EvictionEnvSettings } from '../util/eviction-env-options.js';

export interface TraceRef {
  name: string;
  /** Path as written in the experiment (relative to the repository root, or absolute). */
  path: string;
  format?: TraceFormat;
  limit?: number;
  csv?: string;
  header?: boolean;
  delimiter?: string;
  logSession?: LogSession;
}

/** The reading options of a trace entry (or of the same flags), as the trace readers take them. */
export function traceReadOptionsOf(trace: Pick<TraceRef, 'format' | 'limit' | 'csv' | 'header' | 'delimiter' | 'logSession'>): TraceReadOptions {
  const options: TraceReadOptions = {};
  if (trace.format !== undefined) options.format = trace.format;
  if (trace.limit !== undefined) options.limit = trace.limit;
  if (trace.csv !== undefined) options.csv = trace.csv;
  if (trace.header !== undefined) options.header = trace.header;
  if (trace.delimiter !== undefined) options.delimiter = trace.delimiter;
  if (trace.logSession !== undefined) options.logSession = trace.logSession;
  return options;
}

export interface PrefetchRef {
  name: string;
  predictor: string;
  degree: number;
  params?: Record<string, number | string | boolean>;
}

export interface ReplayCell {
  kind: 'replay';
  id: string;
  trace: TraceRef;
  unit: 'objects' | 'bytes';
  size: SizeSpec;
  policy: { name: string; label: string; params?: Record<string, number | string | boolean> };
  seed: number;
  warmup: number;
  prefetch: PrefetchRef | null;
}

export interface DqnTrainCell {
  kind: 'dqn-train';
  id: string;
  name: string;
  /** The (first) training trace and size. */
  trace: TraceRef;
  size: SizeSpec;
  /**
   * Further (trace, size) pairs, taken in turn with the first one; present only when the entry
   * lists several traces or sizes.
   */
  moreMembers?: { trace: TraceRef; size: SizeSpec }[];
  unit: 'objects' | 'bytes';
  seed: number;
  config: Record<string, unknown>;
  env: EvictionEnvSettings & {
    maxEpisodeSteps?: number;
    segmentSteps?: number;
  };
}

export type Cell = ReplayCell | DqnTrainCell;

export function traceRefs(experiment: Experiment): TraceRef[] {
  return experiment.traces.map((trace) => {
    if (typeof trace === 'string') return { name: traceName(trace), path: trace };
    const { name: _name, ...rest } = trace;
    return { ...rest, name: traceName(trace) };
  });
}

/** Absolute path of a trace: relative paths are relative to the repository root. */
export function tracePath(trace: TraceRef, root = repoRoot()): string {
  return isAbsolute(trace.path) ? trace.path : resolve(root, trace.path);
}

/**
 * DQN training cells first (replay cells may evaluate their models), then replay cells. Two cells
 * with one id would share a folder (one overwriting the other, each redone on every resume): an
 * error naming the id.
 */
export function expandCells(experiment: Experiment): Cell[] {
  const cells = cellsOf(experiment);
  const ids = new Set<string>();
  for (const cell of cells) {
    if (ids.has(cell.id)) {
      throw new ConfigError('experiment', `two cells are named "${cell.id}" (trace, size, policy label and seed joined by "-"); rename a trace or give a policy a "label" so that the names differ`);
    }
    ids.add(cell.id);
  }
  return cells;
}

function cellsOf(experiment: Experiment): Cell[] {
  const traces = traceRefs(experiment);
  const cells: Cell[] = [];
  for (const entry of experiment.dqn?.train ?? []) {
    const sizes = Array.isArray(entry.size) ? entry.size : [entry.size];
    const [first, ...moreMembers] = (typeof entry.trace === 'string' ? [entry.trace] : entry.trace).flatMap((name) =>
      sizes.map((size) => ({ trace: traces.find((t) => t.name === name)!, size })),
    );
    for (const seed of experiment.seeds) {
      cells.push({
        kind: 'dqn-train',
        id: `train-${entry.name}-s${seed}`,
        name: entry.name,
        trace: first!.trace,
        size: first!.size,
        ...(moreMembers.length > 0 ? { moreMembers } : {}),
        unit: experiment.unit,
        seed,
        config: entry.config,
        env: entry.env,
      });
    }
  }
  const prefetches: (PrefetchRef | null)[] = [null, ...experiment.prefetch];
  for (const trace of traces) {
    for (const size of experiment.sizes) {
      for (const policySpec of experiment.policies) {
        const spec = typeof policySpec === 'string' ? { name: policySpec } : policySpec;
        const policy: ReplayCell['policy'] = { name: spec.name, label: policyLabel(policySpec) };
        if ('params' in spec && spec.params) policy.params = spec.params;
        for (const seed of experiment.seeds) {
          for (const prefetch of prefetches) {
            // An oracle (Belady) needs next-access positions that prefetched objects do not have:
            // it is the no-prefetch bound only.
            if (prefetch && getPolicyInfo(spec.name)?.needsOracle) continue;
            const suffix = prefetch ? `-pf-${prefetch.name}` : '';
            cells.push({
              kind: 'replay',
              id: `${trace.name}-${sizeLabel(size)}-${policy.label}-s${seed}${suffix}`,
              trace,
              unit: experiment.unit,
              size,
              policy,
              seed,
              warmup: experiment.warmup,
              prefetch,
            });
          }
        }
      }
    }
  }
  return cells;
}
