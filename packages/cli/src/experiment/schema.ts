/**
 * The experiment file format: what to run, as data. Validated with zod; every error names the
 * field (`policies[2].params`, `sizes[0]`) and what is accepted.
 *
 * Cells = traces × sizes × policies × seeds × (no prefetch + each prefetch setting), plus one
 * cell per DQN training entry. Trace paths are relative to the repository root.
 */
import { ConfigError, LOG_SESSIONS, TRACE_FORMATS, parseCapacity } from '@cachelab/cache-core';
import { z } from 'zod';
import { trainedModelNames } from './learned-names.js';
import { csvDelimiter } from '../util/trace-options.js';

const paramValue = z.union([z.number(), z.string(), z.boolean()]);
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only');

export const traceSpecSchema = z.strictObject({
  /** File path, relative to the repository root (or absolute). */
  path: z.string().min(1),
  /** Reader name; default: from the file extension (.txt, .csv, .bin/.oracleGeneral, .log). */
  format: z.enum(TRACE_FORMATS).optional(),
  /** Short name used in cell folders and reports; default: the file name without extension. */
  name: name.optional(),
  /** Replay only the first `limit` requests. */
  limit: z.number().int().positive().optional(),
  /** CSV column mapping, e.g. `time=2,key=5,size=4` (1-based columns or header names). */
  csv: z.string().min(1).optional(),
  /** CSV: the first row is a header. */
  header: z.boolean().optional(),
  /** CSV field delimiter; `tab` (or a backslash and t) is a tab, as for `--delimiter`. */
  delimiter: z
    .string()
    .min(1)
    .refine((d) => csvDelimiter(d) !== null, 'a quote or a line break cannot separate CSV fields; use the text between fields, such as ";" or "tab"')
    .transform((d) => csvDelimiter(d)!)
    .optional(),
  /** Access logs: a session is the client address (`client`, default) or address + user agent (`client-agent`). */
  logSession: z.enum(LOG_SESSIONS).optional(),
});

/** `5%` of the trace's distinct objects (object mode) or distinct bytes (byte mode), or an absolute capacity. */
export const sizeSchema = z.union([
  z.number().positive('a size must be above 0: a count of objects, a percentage such as "5%", or a byte size such as "64MiB"'),
  z
    .string()
    .regex(/^(\d+(\.\d+)?%|\d+(\.\d+)?\s*([KMGT]i?B|B)?)$/i, 'use a percentage such as "5%", a number, or a byte size such as "64MiB"'),
]);

export const policySpecSchema = z.strictObject({
  /** Registry name (`lru`, `s3fifo`, `dqn:DIR`, ...). */
  name: z.string().min(1),
  /** Policy parameters (checked against the policy before any cell runs: check-policies.ts). */
  params: z.record(z.string(), paramValue).optional(),
  /** Name in reports and cell folders; default: the policy name. */
  label: name.optional(),
});

export const prefetchSpecSchema = z.strictObject({
  /** Name in reports and cell folders. */
  name: name,
  /** Predictor kind exported by @cachelab/markov (e.g. `markov`). */
  predictor: z.string().min(1).default('markov'),
  /** Most keys admitted per prefetch step. */
  degree: z.number().int().positive().default(4),
  params: z.record(z.string(), paramValue).optional(),
});

export const dqnTrainSpecSchema = z.strictObject({
  /** Names the trained model: replay cells refer to it as the policy `dqn:@NAME`. */
  name: name,
  /**
   * A trace name from `traces` (its `name`, or its file name without extension), or several:
   * the agent then trains on all of them in turn (segments of `env.segmentSteps` decisions).
   * A one-element list is the same as the plain name.
   */
  trace: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /**
   * Cache size the agent trains at (same forms as `sizes`), or several: with several traces and/or
   * sizes the agent trains on every (trace, size) pair in turn, trace by trace.
   */
  size: z.union([sizeSchema, z.array(sizeSchema).min(1)]),
  /** Overrides of the DQN hyperparameters (see @cachelab/rl-agent DQN_DEFAULTS; unknown names fail the cell). */
  config: z.record(z.string(), z.union([paramValue, z.array(z.number())])).default({}),
  /** Eviction environment settings. */
  env: z
    .strictObject({
      /** Candidates per eviction decision (the action count). */
      candidates: z.number().int().min(2).optional(),
      /** Reward horizon as a multiple of the resident object count. */
      horizonFactor: z.number().positive().optional(),
      /** How the hindsight cost falls with the victim's next-request distance: linear (default) or hyperbolic. */
      rewardShape: z.enum(['linear', 'hyperbolic', 'rank']).optional(),
      /** Truncate episodes after this many decisions. */
      maxEpisodeSteps: z.number().int().positive().optional(),
      /** Several (trace, size) pairs: decisions on one before moving to the next (default: a whole pass). */
      segmentSteps: z.number().int().positive().optional(),
      /** Newest admissions among the candidates, after the LRU tail and FIFO head (default 0; at most candidates − 2). */
      recentCandidates: z.number().int().nonnegative().optional(),
      /** Append the whole-cache regime features (quick_return_ratio, quick_return_lru_share) to every row (default false). */
      regimeFeatures: z.boolean().optional(),
      /** Append the per-candidate reuse-interval features (reuse_interval, reuse_overdue) to every row (default false). */
      reuseFeatures: z.boolean().optional(),
      /** Append the per-candidate decayed request counts (four time scales) to every row (default false). */
      decayFeatures: z.boolean().optional(),
    })
    .default({}),
});

export const experimentSchema = z.strictObject({
  description: z.string().optional(),
  traces: z.array(z.union([z.string().min(1), traceSpecSchema])).min(1),
  /** `objects`: every object counts 1; `bytes`: capacities and sizes in bytes. */
  unit: z.enum(['objects', 'bytes']).default('objects'),
  sizes: z.array(sizeSchema).min(1),
  policies: z.array(z.union([z.string().min(1), policySpecSchema])).min(1),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([0]),
  /** Requests at the start of each trace that warm the cache without being counted. */
  warmup: z.number().int().nonnegative().default(0),
  /** Prefetch settings; each adds one cell per (trace, size, policy, seed) next to the no-prefetch cell. */
  prefetch: z.array(prefetchSpecSchema).default([]),
  dqn: z.strictObject({ train: z.array(dqnTrainSpecSchema).min(1) }).optional(),
});

export type ExperimentInput = z.input<typeof experimentSchema>;
export type Experiment = z.output<typeof experimentSchema>;
export type SizeSpec = z.output<typeof sizeSchema>;

/** Writes `field.path[0].name` the way the file is written. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(experiment)' : out;
}

/** Validates an experiment; throws a ConfigError naming the first bad field. */
export function parseExperiment(value: unknown, source = 'experiment'): Experiment {
  const result = experimentSchema.safeParse(value);
  if (result.success) {
    try {
      return checkReferences(result.data);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(error.field, `${withoutField(error)} (in ${source})`);
      throw error;
    }
  }
  const unknown = unknownFields(result.error.issues as Issue[]);
  if (unknown) throw new ConfigError(fieldPath(unknown.path), `${unknown.message} (in ${source})`);
  const { path, message } = explainIssue(result.error.issues[0]!);
  throw new ConfigError(fieldPath(path), `${message} (in ${source})`);
}

/**
 * Unknown fields, reported before anything else: a misspelt field (`size` for `sizes`) also
 * leaves the real one missing, and "sizes: expected array" alone does not show the typo. A required
 * field missing from the same object is named as the likely meaning.
 */
function unknownFields(issues: readonly Issue[]): { path: PropertyKey[]; message: string } | null {
  const issue = issues.find((i) => i.code === 'unrecognized_keys');
  if (!issue) {
    // An entry of a list of strings or objects (`policies[1]: {"nme": …}`) fails every branch of its
    // union: look in the object branch (the one past the type check), whose paths are the entry's.
    for (const union of issues) {
      if (union.code !== 'invalid_union' || !union.errors) continue;
      for (const branch of union.errors) {
        if (branch.length === 0 || (branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0)) continue;
        const inner = unknownFields(branch);
        if (inner) return { path: [...union.path, ...inner.path], message: inner.message };
      }
    }
    return null;
  }
  const keys = issue.keys ?? [];
  const at = fieldPath(issue.path);
  const missing = issues
    .filter((i) => i.code === 'invalid_type' && i.message.endsWith('received undefined') && i.path.length === issue.path.length + 1 && fieldPath(i.path.slice(0, -1)) === at)
    .map((i) => JSON.stringify(String(i.path[i.path.length - 1])));
  const hint = missing.length > 0 ? ` (did you mean ${missing.join(' or ')}?)` : '';
  return { path: issue.path, message: `unknown field${keys.length === 1 ? '' : 's'} ${keys.map((k) => JSON.stringify(k)).join(', ')}${hint}` };
}

interface Issue {
  code?: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
  /** unrecognized_keys: the fields the schema does not know. */
  keys?: string[];
}

/**
 * For a value matching no branch of a union, the most telling branch: one that got past the
 * type check (a string failing the size pattern, an object with a bad field), deepest first.
 */
function explainIssue(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || !issue.errors || issue.errors.length === 0) return { path: issue.path, message: issue.message };
  const branches = issue.errors
    .filter((branch) => branch.length > 0)
    .map((branch) => {
      const inner = explainIssue(branch[0]!);
      return { path: [...issue.path, ...inner.path], message: inner.message, typeOnly: branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0 };
    });
  const informative = branches.filter((b) => !b.typeOnly);
  const pool = informative.length > 0 ? informative : branches;
  if (pool.length === 0) return { path: issue.path, message: issue.message };
  return pool.reduce((best, b) => (b.path.length > best.path.length ? b : best));
}

/** A ConfigError's message without its leading `field: `. */
function withoutField(error: ConfigError): string {
  const prefix = `${error.field}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/**
 * What can be told about a size without the trace: its form, a share within (0, 100] %, a whole
 * count, a byte size only with unit bytes. A share that rounds to 0 on a small trace still fails
 * in its cell, where the trace is known.
 */
function checkSize(size: SizeSpec, unit: Experiment['unit'], field: string): string {
  const whole = Number.MAX_SAFE_INTEGER;
  let parsed;
  try {
    parsed = parseCapacity(String(size), { distinctObjects: whole, distinctBytes: whole, unit });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(field, withoutField(error));
    throw error;
  }
  if (parsed.unit !== unit) {
    throw new ConfigError(field, `"${size}" is a byte size but the experiment's unit is ${unit}; set "unit": "bytes" or give a count or a percentage`);
  }
  // What the size means, whatever its spelling (`5%` and `5.0%`, `64MiB` and `65536KiB`).
  return `${String(size).trim().endsWith('%') ? 'share' : 'capacity'}:${parsed.capacity}`;
}

/** The index of the first entry equal (by `key`) to an earlier one, and that earlier one's index. */
function firstRepeat<T>(list: readonly T[], key: (item: T) => unknown): { at: number; first: number } | null {
  const seen = new Map<unknown, number>();
  for (let i = 0; i < list.length; i++) {
    const k = key(list[i]!);
    const first = seen.get(k);
    if (first !== undefined) return { at: i, first };
    seen.set(k, i);
  }
  return null;
}

/** Cross-field checks zod cannot express field by field. */
function checkReferences(experiment: Experiment): Experiment {
  const meanings = experiment.sizes.map((size, i) => checkSize(size, experiment.unit, `sizes[${i}]`));
  // Each size, seed and prefetch setting names cell folders: two alike would share one folder.
  const sameSize = firstRepeat(experiment.sizes, sizeLabel);
  if (sameSize) {
    const { at, first } = sameSize;
    throw new ConfigError(`sizes[${at}]`, `"${experiment.sizes[at]}" names the same cells as sizes[${first}] ("${experiment.sizes[first]}"); list each size once`);
  }
  // Two spellings of one size would replay every cell twice under two names.
  const sameMeaning = firstRepeat(meanings, (meaning) => meaning);
  if (sameMeaning) {
    const { at, first } = sameMeaning;
    throw new ConfigError(`sizes[${at}]`, `"${experiment.sizes[at]}" is the same size as sizes[${first}] ("${experiment.sizes[first]}"); list each size once`);
  }
  const sameSeed = firstRepeat(experiment.seeds, (seed) => seed);
  if (sameSeed) throw new ConfigError(`seeds[${sameSeed.at}]`, `seed ${experiment.seeds[sameSeed.at]} is listed twice`);
  const samePrefetch = firstRepeat(experiment.prefetch, (p) => p.name);
  if (samePrefetch) {
    throw new ConfigError(`prefetch[${samePrefetch.at}].name`, `"${experiment.prefetch[samePrefetch.at]!.name}" is used twice; give each prefetch setting its own name`);
  }
  experiment.dqn?.train.forEach((entry, i) => {
    if (Array.isArray(entry.size)) entry.size.forEach((size, j) => checkSize(size, experiment.unit, `dqn.train[${i}].size[${j}]`));
    else checkSize(entry.size, experiment.unit, `dqn.train[${i}].size`);
  });
  const traceNames = experiment.traces.map(traceName);
  const duplicate = traceNames.find((n, i) => traceNames.indexOf(n) !== i);
  if (duplicate) throw new ConfigError('traces', `two traces are named "${duplicate}"; give one a distinct "name"`);
  const labels = experiment.policies.map(policyLabel);
  const twice = labels.find((n, i) => labels.indexOf(n) !== i);
  if (twice) throw new ConfigError('policies', `policy "${twice}" is listed twice; give one a distinct "label"`);
  const trainNames = new Set<string>();
  experiment.dqn?.train.forEach((entry, i) => {
    const names = typeof entry.trace === 'string' ? [entry.trace] : entry.trace;
    names.forEach((trace, j) => {
      const field = typeof entry.trace === 'string' ? `dqn.train[${i}].trace` : `dqn.train[${i}].trace[${j}]`;
      if (!traceNames.includes(trace)) throw new ConfigError(field, `"${trace}" is not one of the traces (${traceNames.join(', ')})`);
      if (names.indexOf(trace) !== j) throw new ConfigError(field, `"${trace}" is listed twice`);
    });
    if (trainNames.has(entry.name)) throw new ConfigError(`dqn.train[${i}].name`, `"${entry.name}" is used twice`);
    trainNames.add(entry.name);
  });
  experiment.policies.forEach((policy, i) => {
    const policyName = typeof policy === 'string' ? policy : policy.name;
    let models: string[];
    try {
      models = trainedModelNames(policyName);
    } catch (error) {
      throw new ConfigError(`policies[${i}]`, (error as Error).message);
    }
    for (const model of models) {
      if (!trainNames.has(model)) throw new ConfigError(`policies[${i}]`, `"${policyName}": @${model} names no entry of dqn.train`);
    }
  });
  return experiment;
}

export function traceName(trace: Experiment['traces'][number]): string {
  if (typeof trace !== 'string' && trace.name) return trace.name;
  const path = typeof trace === 'string' ? trace : trace.path;
  const file = path.split(/[\\/]/).pop() ?? path;
  return file.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A policy's name in cell folders and reports: its `label`, or its name made path-safe (`dqn:@small` → `dqn-small`). */
export function policyLabel(policy: Experiment['policies'][number]): string {
  if (typeof policy !== 'string' && policy.label) return policy.label;
  const name = typeof policy === 'string' ? policy : policy.name;
  return name.replace(/:@?/, '-').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A size as it appears in cell names: `5%` → `5pct`, `64MiB` → `64MiB`. */
export function sizeLabel(size: SizeSpec): string {
  return String(size).replace(/%$/, 'pct').replace(/\s+/g, '');
}
