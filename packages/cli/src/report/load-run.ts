/**
 * Reads a run folder (`runs/NAME/<config-hash>/`) back: the experiment, every complete cell's
 * summary.json, training metrics.jsonl, and the manifests' provenance. Reports read only this.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CachelabError, type ReplayStats } from '@cachelab/cache-core';
import { z } from 'zod';
import { type Cell, type PrefetchRef, expandCells } from '../experiment/cells.js';
import { replayModelsCurrent, replayModelWeights } from '../experiment/learned-names.js';
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
  /** Cumulative misses at each metric point of metrics.jsonl after the warmup (empty when the file is missing). */
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
  /** Those of `gitCommits` that at least one cell ran from with uncommitted changes (its manifest's `gitDirty`). */
  dirtyCommits: string[];
}

export interface RunData {
  name: string;
  configHash: string;
  runDir: string;
  experiment: Experiment;
  cells: Cell[];
  replay: ReplaySummary[];
  training: TrainingRun[];
  /** Cells of the experiment without a summary.json (not run yet, failed or interrupted), and the replays of `staleReplays`. */
  incomplete: string[];
  /** Replays (also in `incomplete`) of a model the run has trained again since, or of a model given by path (`dqn:DIR`) whose weights changed since. */
  staleReplays: string[];
  /**
   * Replays kept in the tables whose model given by path could not be checked against the one they
   * ran, each with a line that says why: `CELL: model DIR checksum not recorded (…)` for a summary
   * from before replays recorded it, `CELL: model DIR not found now, …` for a folder without its
   * weights at report time.
   */
  uncheckedModels: { cell: string; text: string }[];
  provenance: Provenance;
}

/** A replay cell's series name in tables: its policy label, `+prefetcher` when it prefetched. */
export function seriesLabel(cell: Pick<ReplaySummary, 'policy' | 'prefetch'>): string {
  return cell.prefetch ? `${cell.policy.label}+${cell.prefetch.name}` : cell.policy.label;
}

/**
 * Metric records hold cumulative ratios; ratio × requests gives back the integer miss count.
 * Records that counted no request yet (windows inside the warmup) measured nothing and are left
 * out: as windows of 0 misses they would enter the scoreboard's bootstrap as observations.
 */
function missSeries(metrics: readonly Record<string, number>[]): MissSeries {
  const series: MissSeries = { position: [], misses: [] };
  for (const record of metrics) {
    const ratio = record['charts/miss_ratio'];
    if (typeof record.position !== 'number' || typeof record.requests !== 'number' || typeof ratio !== 'number') continue;
    if (record.requests === 0) continue;
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

/** The run's own copy of its experiment, validated by today's schema (after `upgradeStoredExperiment`). */
function parseStoredExperiment(value: unknown, runDir: string): Experiment {
  try {
    return parseExperiment(upgradeStoredExperiment(value), join(runDir, 'experiment.json'));
  } catch (error) {
    if (error instanceof CachelabError) throw new RunFormatError(runDir, error.message);
    throw error;
  }
}

/**
 * Runs written before `dqn-select:` joined its models with `+` joined them with commas
 * (`dqn-select:@a,@b`). Their stored experiment is read with `+`, so those runs can still be
 * reported; labels, and so cell folders, do not change (a label made from the name maps both
 * separators to `_`).
 */
function upgradeStoredExperiment(value: unknown): unknown {
  const policies = (value as { policies?: unknown } | null)?.policies;
  if (!Array.isArray(policies)) return value;
  const legacy = (name: unknown): name is string => typeof name === 'string' && name.startsWith('dqn-select:') && name.includes(',') && !name.includes('+');
  const upgraded = policies.map((policy: unknown) => {
    if (legacy(policy)) return policy.replaceAll(',', '+');
    const entry = policy as { name?: unknown } | null;
    if (entry && typeof entry === 'object' && legacy(entry.name)) return { ...entry, name: entry.name.replaceAll(',', '+') };
    return policy;
  });
  return { ...(value as object), policies: upgraded };
}

/**
 * The configuration folders `path` stands for, most recently run first: itself when it is one
 * (`runs/NAME/<hash>`), else every `runs/NAME/<hash>` under it (one per experiment setting/seed).
 */
export function runConfigurations(path: string): string[] {
  const dir = resolve(path);
  if (existsSync(join(dir, 'experiment.json'))) return [dir];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .map((entry) => join(dir, entry, 'experiment.json'))
    .filter((file) => existsSync(file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    .map((file) => resolve(file, '..'));
}

/** `runs/NAME/<hash>` as given, or the most recently run configuration under `runs/NAME`. */
export function findRunDir(path: string): string {
  const newest = runConfigurations(path)[0];
  if (newest === undefined) throw new RunNotFoundError(path);
  return newest;
}

/**
 * A file of a run that cannot be read (damaged on disk or edited by hand: cachelab writes each one
 * atomically). Names the file and line; the way out is to redo that cell.
 */
export class RunFileError extends CachelabError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super('RUN_FILE', `${file}: ${problem}; delete that cell's folder and run the experiment again to redo it`);
  }
}

function parseJson(text: string, file: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RunFileError(line === undefined ? file : `${file}:${line}`, `not valid JSON (${(error as Error).message})`);
  }
}

function readJson(file: string): unknown {
  return parseJson(readFileSync(file, 'utf8'), file);
}

function readJsonLines(file: string): Record<string, number>[] {
  if (!existsSync(file)) return [];
  const records: Record<string, number>[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const record = parseJson(line, file, i + 1);
      if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new RunFileError(`${file}:${i + 1}`, 'a metrics record must be a JSON object');
      records.push(record as Record<string, number>);
    });
  return records;
}

/** What reports read from a file, checked before use so a damaged one is named, not a crash. */
function validated<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new RunFileError(file, `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
}

// Loose objects: reports check only the fields they read; a newer cachelab may write more.
const RUN_HEADER = z.looseObject({ name: z.string(), configHash: z.string(), experiment: z.unknown() });
const MANIFEST = z.looseObject({ command: z.string().optional(), gitCommit: z.string().nullable().optional(), gitDirty: z.boolean().nullable().optional() });
const REPLAY_SUMMARY = z.looseObject({
  cell: z.string(),
  trace: z.looseObject({ name: z.string() }),
  policy: z.looseObject({ name: z.string(), label: z.string() }),
  seed: z.number(),
  capacity: z.number(),
  stats: z.looseObject({ requests: z.number(), misses: z.number(), missRatio: z.number(), byteMissRatio: z.number() }),
});
const TRAINING_SUMMARY = z.looseObject({ result: z.record(z.string(), z.unknown()).optional() });

export function loadRun(path: string): RunData {
  const runDir = findRunDir(path);
  const headerFile = join(runDir, 'experiment.json');
  const header = validated(RUN_HEADER, readJson(headerFile), headerFile);
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
    staleReplays: [],
    uncheckedModels: [],
    provenance: { commands: [], gitCommits: [], dirtyCommits: [] },
  };
  for (const cell of cells) {
    const dir = join(runDir, cell.id);
    if (!existsSync(join(dir, 'summary.json'))) {
      data.incomplete.push(cell.id);
      continue;
    }
    const summaryFile = join(dir, 'summary.json');
    const summary = readJson(summaryFile);
    const manifestFile = join(dir, 'manifest.json');
    if (existsSync(manifestFile)) {
      const manifest = validated(MANIFEST, readJson(manifestFile), manifestFile);
      if (manifest.command && !data.provenance.commands.includes(manifest.command)) data.provenance.commands.push(manifest.command);
      if (manifest.gitCommit && !data.provenance.gitCommits.includes(manifest.gitCommit)) data.provenance.gitCommits.push(manifest.gitCommit);
      if (manifest.gitCommit && manifest.gitDirty && !data.provenance.dirtyCommits.includes(manifest.gitCommit)) data.provenance.dirtyCommits.push(manifest.gitCommit);
    }
    if (cell.kind === 'replay') {
      validated(REPLAY_SUMMARY, summary, summaryFile);
      // A replay of a model the run has trained again since (the run stopped before replaying
      // it again), or of a `dqn:DIR` model whose weights changed since: `run` does it again, so it
      // is not complete here either.
      if (!replayModelsCurrent(summary, runDir, cell.policy.name, cell.seed)) {
        data.incomplete.push(cell.id);
        data.staleReplays.push(cell.id);
        continue;
      }
      for (const { dir: model, reason } of replayModelWeights(summary, cell.policy.name).unchecked) {
        const why = reason === 'missing' ? 'not found now, so whether it changed since this replay cannot be checked' : 'checksum not recorded (replayed before cachelab recorded it)';
        data.uncheckedModels.push({ cell: cell.id, text: `${cell.id}: model ${model} ${why}` });
      }
      data.replay.push({ ...(summary as ReplaySummary), windows: missSeries(readJsonLines(join(dir, 'metrics.jsonl'))) });
    } else {
      data.training.push({
        cell: cell.id,
        name: cell.name,
        trace: cell.trace.name,
        seed: cell.seed,
        metrics: readJsonLines(join(dir, 'metrics.jsonl')),
        result: validated(TRAINING_SUMMARY, summary, summaryFile).result ?? {},
      });
    }
  }
  assertOneTraceVersion(data);
  return data;
}

/** A run whose cells of one trace were computed from two versions of its file (it was rewritten, and a run redoing them stopped). */
export class RunMixedTraceError extends CachelabError {
  constructor(runDir: string, trace: string, versions: Map<string, string[]>) {
    const listed = [...versions].map(([sha, cells]) => `${sha === 'null' ? 'no checksum' : `SHA-256 ${sha.slice(0, 12)}…`}: ${cells.slice(0, 3).join(', ')}${cells.length > 3 ? ` and ${cells.length - 3} more` : ''}`);
    super(
      'RUN_MIXED_TRACE',
      `${runDir}: the cells of trace "${trace}" were computed from two versions of its file (${listed.join('; ')}), as when the trace is rewritten and a run redoing its cells stops before the end; run the experiment again to finish redoing them, then report`,
    );
  }
}

/**
 * `run` redoes the cells of a trace whose bytes changed; a report of a run stopped halfway would
 * put figures of both versions side by side in one table. Refused, naming the cells of each version.
 */
function assertOneTraceVersion(data: RunData): void {
  const byTrace = new Map<string, Map<string, string[]>>();
  for (const cell of data.replay) {
    const versions = byTrace.get(cell.trace.name) ?? new Map<string, string[]>();
    const sha = String(cell.trace.sha256 ?? null);
    versions.set(sha, [...(versions.get(sha) ?? []), cell.cell]);
    byTrace.set(cell.trace.name, versions);
  }
  for (const [trace, versions] of byTrace) if (versions.size > 1) throw new RunMixedTraceError(data.runDir, trace, versions);
}
