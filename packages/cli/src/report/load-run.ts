/**
 * Reads a run folder (`runs/NAME/<config-hash>/`) back: the experiment, every complete cell's
 * summary.json, training metrics.jsonl, and the manifests' provenance. Reports read only this.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CachelabError, type ReplayStats } from '@cachelab/cache-core';
import { type Cell, type PrefetchRef, expandCells } from '../experiment/cells.js';
import { type Experiment, parseExperiment } from '../experiment/schema.js';

export interface ReplaySummary {
  cell: string;
  trace: { name: string; path: string; sha256: string | null; requests: number; objects: number; distinctBytes: number };
  unit: 'objects' | 'bytes';
  size: number | string;
  capacity: number;
  policy: { name: string; label: string; params?: Record<string, unknown> };
  seed: number;
  prefetch: PrefetchRef | null;
  stats: ReplayStats;
  /** Cumulative misses at each metric point of metrics.jsonl (empty when the file is missing). */
  windows: MissSeries;
}

/** Misses counted up to each recorded position, from a replay's metrics.jsonl. */
export interface MissSeries {
  position: number[];
  misses: number[];
}

export interface TrainingRun {
  cell: string;
  name: string;
  trace: string;
  seed: number;
  /** metrics.jsonl records in order. */
  metrics: Record<string, number>[];
  result: Record<string, unknown>;
}

export interface Provenance {
  /** Distinct command lines found in the cells' manifests, in first-seen order. */
  commands: string[];
  gitCommits: string[];
}

export interface RunData {
  name: string;
  configHash: string;
  runDir: string;
  experiment: Experiment;
  cells: Cell[];
  replay: ReplaySummary[];
  training: TrainingRun[];
  /** Cells of the experiment without a summary.json (not run yet, failed or interrupted). */
  incomplete: string[];
  provenance: Provenance;
}

/** A replay cell's series name in tables: its policy label, `+prefetcher` when it prefetched. */
export function seriesLabel(cell: Pick<ReplaySummary, 'policy' | 'prefetch'>): string {
  return cell.prefetch ? `${cell.policy.label}+${cell.prefetch.name}` : cell.policy.label;
}

/** Metric records hold cumulative ratios; ratio × requests gives back the integer miss count. */
function missSeries(metrics: readonly Record<string, number>[]): MissSeries {
  const series: MissSeries = { position: [], misses: [] };
  for (const record of metrics) {
    const ratio = record['charts/miss_ratio'];
    if (typeof record.position !== 'number' || typeof record.requests !== 'number' || typeof ratio !== 'number') continue;
    series.position.push(record.position);
    series.misses.push(Math.round(ratio * record.requests));
  }
  return series;
}

export class RunNotFoundError extends CachelabError {
  constructor(path: string) {
    super('RUN_NOT_FOUND', `no run found in ${path}: expected runs/NAME/<config-hash>/experiment.json; create one with: cachelab run experiments/NAME`);
  }
}

/** A run folder whose stored experiment this version of cachelab no longer accepts. */
export class RunFormatError extends CachelabError {
  constructor(runDir: string, reason: string) {
    super(
      'RUN_FORMAT',
      `the run in ${runDir} was written by a cachelab whose experiment format differs from this one (${reason}); run the experiment file again (cachelab run experiments/NAME) and report the new run`,
    );
  }
}

/** The run's own copy of its experiment, validated by today's schema. */
function parseStoredExperiment(value: unknown, runDir: string): Experiment {
  try {
    return parseExperiment(value, join(runDir, 'experiment.json'));
  } catch (error) {
    if (error instanceof CachelabError) throw new RunFormatError(runDir, error.message);
    throw error;
  }
}

/** `runs/NAME/<hash>` as given, or the most recently run configuration under `runs/NAME`. */
export function findRunDir(path: string): string {
  const dir = resolve(path);
  if (existsSync(join(dir, 'experiment.json'))) return dir;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RunNotFoundError(path);
  const candidates = readdirSync(dir)
    .map((entry) => join(dir, entry, 'experiment.json'))
    .filter((file) => existsSync(file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (candidates.length === 0) throw new RunNotFoundError(path);
  return resolve(candidates[0]!, '..');
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function readJsonLines(file: string): Record<string, number>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, number>);
}

export function loadRun(path: string): RunData {
  const runDir = findRunDir(path);
  const header = readJson<{ name: string; configHash: string; experiment: unknown }>(join(runDir, 'experiment.json'));
  const experiment = parseStoredExperiment(header.experiment, runDir);
  const cells = expandCells(experiment);
  const data: RunData = {
    name: header.name,
    configHash: header.configHash,
    runDir,
    experiment,
    cells,
    replay: [],
    training: [],
    incomplete: [],
    provenance: { commands: [], gitCommits: [] },
  };
  for (const cell of cells) {
    const dir = join(runDir, cell.id);
    if (!existsSync(join(dir, 'summary.json'))) {
      data.incomplete.push(cell.id);
      continue;
    }
    const summary = readJson<Record<string, unknown>>(join(dir, 'summary.json'));
    if (existsSync(join(dir, 'manifest.json'))) {
      const manifest = readJson<{ command?: string; gitCommit?: string | null }>(join(dir, 'manifest.json'));
      if (manifest.command && !data.provenance.commands.includes(manifest.command)) data.provenance.commands.push(manifest.command);
      if (manifest.gitCommit && !data.provenance.gitCommits.includes(manifest.gitCommit)) data.provenance.gitCommits.push(manifest.gitCommit);
    }
    if (cell.kind === 'replay') {
      data.replay.push({ ...(summary as unknown as ReplaySummary), windows: missSeries(readJsonLines(join(dir, 'metrics.jsonl'))) });
    } else {
      data.training.push({
        cell: cell.id,
        name: cell.name,
        trace: cell.trace.name,
        seed: cell.seed,
        metrics: readJsonLines(join(dir, 'metrics.jsonl')),
        result: (summary.result as Record<string, unknown>) ?? {},
      });
    }
  }
  return data;
}
