/**
 * Seeded synthetic workloads. Every random choice comes from one seedrandom generator, so the
 * same options and seed give the same requests (and the same bytes once written).
 *
 * - zipf: independent requests, object of popularity rank r drawn with probability ∝ 1/r^alpha.
 * - loop: a cyclic scan over `objects` keys (LRU's worst case when the cache is smaller).
 * - shift: uniform requests inside a working set that slides by `shiftBy` keys every `shiftEvery` requests.
 * - sessions: users walking API endpoints with a first-order Markov chain; the true transition
 *   matrix is returned so a predictor can be checked against it.
 */
import seedrandom from 'seedrandom';
import { ConfigError } from '../errors.js';
import { KeyInterner } from './interner.js';
import { allocateBatch, type RequestBatch } from './request.js';

export const GENERATOR_KINDS = ['zipf', 'loop', 'shift', 'sessions'] as const;
export type GeneratorKind = (typeof GENERATOR_KINDS)[number];

/**
 * A generated trace, shaped like a loaded one (see LoadedTrace). No workload has pages, so every
 * referrer is ABSENT (allocateBatch's fill) and there is no referrerLabel: written as csv it has no
 * referrer column.
 */
export interface GeneratedTrace {
  kind: GeneratorKind;
  batch: RequestBatch;
  keyCount: number;
  sessionCount: number;
  keyLabel(id: number): string;
}

export interface ZipfOptions {
  requests: number;
  /** Number of distinct objects in the population. */
  objects: number;
  /** Skew; 0 is uniform, ~0.6–1.2 is typical of web caches. */
  alpha: number;
  seed: number;
}

export interface LoopOptions {
  requests: number;
  /** Loop length in distinct keys. */
  objects: number;
}

export interface ShiftOptions {
  requests: number;
  /** Working-set size in keys. */
  objects: number;
  /** Requests between two shifts of the working set. */
  shiftEvery: number;
  /** Keys by which the working set slides at each shift. */
  shiftBy: number;
  seed: number;
}

export interface SessionOptions {
  requests: number;
  /** Number of API endpoints (keys). */
  endpoints: number;
  /** Users active at a time; each request comes from one of them, picked uniformly. */
  users: number;
  /** Successors with non-zero probability per endpoint. Default 3. */
  fanout?: number;
  /** Probability that a user's session ends after a request (a new user takes its place). Default 0.05. */
  endProbability?: number;
  seed: number;
}

/**
 * The API-session workload. Key id = endpoint index (label `/api/e<index>`), session = user id.
 * `transitions[from * endpoints + to]` is the true probability of `to` following `from` inside a
 * session; `start[e]` the probability that a session begins at `e`.
 */
export interface SessionTrace extends GeneratedTrace {
  kind: 'sessions';
  endpoints: number;
  transitions: Float64Array;
  start: Float64Array;
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(field, `must be a positive integer, got ${value}`);
  return value;
}

function rng(seed: number): () => number {
  return seedrandom(`cachelab:${seed}`);
}

/** Interns generated object numbers by first appearance, as the readers do. */
function finish(kind: GeneratorKind, batch: RequestBatch, objects: Uint32Array | Float64Array): GeneratedTrace {
  const interner = new KeyInterner();
  for (let i = 0; i < batch.length; i++) batch.key[i] = interner.internNumber(objects[i]!);
  return { kind, batch, keyCount: interner.size, sessionCount: 0, keyLabel: (id) => interner.label(id) };
}

function timedBatch(requests: number): RequestBatch {
  const batch = allocateBatch(requests);
  batch.length = requests;
  for (let i = 0; i < requests; i++) {
    batch.time[i] = i;
    batch.size[i] = 1;
  }
  return batch;
}

/**
 * Draws popularity ranks 0..objects−1 with P(r) ∝ 1/(r+1)^alpha from `random` (uniform in [0, 1)):
 * inverse-CDF lookup by binary search over a precomputed table.
 */
export function zipfRankSampler(objects: number, alpha: number, random: () => number): () => number {
  const cdf = new Float64Array(objects);
  let total = 0;
  for (let r = 0; r < objects; r++) cdf[r] = total += 1 / Math.pow(r + 1, alpha);
  return () => {
    const u = random() * total;
    let lo = 0;
    let hi = objects - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

export function generateZipf(options: ZipfOptions): GeneratedTrace {
  const requests = positiveInteger('requests', options.requests);
  const objects = positiveInteger('objects', options.objects);
  // Infinity would put every request on one object (and NaN weights in the table).
  if (!(options.alpha >= 0 && Number.isFinite(options.alpha))) throw new ConfigError('alpha', `must be a finite number >= 0, got ${options.alpha}`);
  const random = rng(options.seed);
  const nextRank = zipfRankSampler(objects, options.alpha, random);
  const batch = timedBatch(requests);
  const ranks = new Uint32Array(requests);
  for (let i = 0; i < requests; i++) ranks[i] = nextRank(); // label = popularity rank - 1 (0 is the most popular object)
  return finish('zipf', batch, ranks);
}

export function generateLoop(options: LoopOptions): GeneratedTrace {
  const requests = positiveInteger('requests', options.requests);
  const objects = positiveInteger('objects', options.objects);
  const batch = timedBatch(requests);
  const keys = new Uint32Array(requests);
  for (let i = 0; i < requests; i++) keys[i] = i % objects;
  return finish('loop', batch, keys);
}

export function generateShift(options: ShiftOptions): GeneratedTrace {
  const requests = positiveInteger('requests', options.requests);
  const objects = positiveInteger('objects', options.objects);
  const every = positiveInteger('shiftEvery', options.shiftEvery);
  const by = positiveInteger('shiftBy', options.shiftBy);
  // Object numbers grow by `by` per shift: past 2^32 a Uint32Array would wrap them onto earlier
  // keys (a working set that comes back instead of moving on); doubles are exact up to 2^53.
  const highest = Math.floor((requests - 1) / every) * by + objects - 1;
  if (!Number.isSafeInteger(highest)) throw new ConfigError('shiftBy', `the working set would slide past 2^53 (${requests} requests, shifting by ${by} every ${every}); use a smaller shiftBy or more shiftEvery`);
  const random = rng(options.seed);
  const batch = timedBatch(requests);
  const keys = new Float64Array(requests);
  for (let i = 0; i < requests; i++) {
    const base = Math.floor(i / every) * by;
    keys[i] = base + Math.floor(random() * objects);
  }
  return finish('shift', batch, keys);
}

export function generateSessions(options: SessionOptions): SessionTrace {
  const requests = positiveInteger('requests', options.requests);
  const endpoints = positiveInteger('endpoints', options.endpoints);
  const users = positiveInteger('users', options.users);
  const fanout = Math.min(positiveInteger('fanout', options.fanout ?? 3), endpoints);
  const end = options.endProbability ?? 0.05;
  if (!(end >= 0 && end < 1)) throw new ConfigError('endProbability', `must be in [0, 1), got ${end}`);
  const random = rng(options.seed);

  // The true chain: each endpoint has `fanout` distinct successors with random weights.
  const transitions = new Float64Array(endpoints * endpoints);
  for (let from = 0; from < endpoints; from++) {
    let sum = 0;
    const chosen = new Set<number>();
    while (chosen.size < fanout) chosen.add(Math.floor(random() * endpoints));
    for (const to of chosen) {
      const w = 0.1 + random();
      transitions[from * endpoints + to] = w;
      sum += w;
    }
    for (const to of chosen) transitions[from * endpoints + to]! /= sum;
  }
  // Sessions start on a skewed set of entry endpoints (∝ 1/(e+1)).
  const start = new Float64Array(endpoints);
  let startSum = 0;
  for (let e = 0; e < endpoints; e++) startSum += start[e] = 1 / (e + 1);
  for (let e = 0; e < endpoints; e++) start[e]! /= startSum;
  // Each endpoint answers with a fixed response size (bytes), 200 B – ~20 KB.
  const sizes = new Float64Array(endpoints);
  for (let e = 0; e < endpoints; e++) sizes[e] = Math.round(200 * Math.pow(100, random()));

  const pick = (row: Float64Array, offset: number): number => {
    let u = random();
    for (let e = 0; e < endpoints; e++) {
      u -= row[offset + e]!;
      if (u < 0) return e;
    }
    // Rounding left a sliver: the last endpoint with non-zero probability.
    for (let e = endpoints - 1; e > 0; e--) if (row[offset + e]! > 0) return e;
    return 0;
  };

  const current = new Int32Array(users).fill(-1); // endpoint of each user slot's session, -1 = new session
  const sessionOf = new Int32Array(users).fill(-1); // -1: the slot's next session has no id yet
  let sessions = 0;
  const batch = allocateBatch(requests);
  batch.length = requests;
  for (let i = 0; i < requests; i++) {
    const u = Math.floor(random() * users);
    const at = current[u]!;
    const next = at < 0 ? pick(start, 0) : pick(transitions, at * endpoints);
    batch.time[i] = i;
    batch.key[i] = next;
    batch.size[i] = sizes[next]!;
    if (sessionOf[u]! < 0) sessionOf[u] = sessions++;
    batch.session[i] = sessionOf[u]!;
    if (random() < end) {
      current[u] = -1;
      sessionOf[u] = -1;
    } else {
      current[u] = next;
    }
  }
  return {
    kind: 'sessions',
    batch,
    keyCount: endpoints,
    sessionCount: sessions,
    keyLabel: (id) => {
      if (!(id >= 0 && id < endpoints)) throw new RangeError(`no key with id ${id} (${endpoints} endpoints)`);
      return `/api/e${id}`;
    },
    endpoints,
    transitions,
    start,
  };
}

export type GenerateOptions =
  | ({ kind: 'zipf' } & ZipfOptions)
  | ({ kind: 'loop' } & LoopOptions)
  | ({ kind: 'shift' } & ShiftOptions)
  | ({ kind: 'sessions' } & SessionOptions);

export function generateTrace(options: GenerateOptions): GeneratedTrace {
  switch (options.kind) {
    case 'zipf':
      return generateZipf(options);
    case 'loop':
      return generateLoop(options);
    case 'shift':
      return generateShift(options);
    case 'sessions':
      return generateSessions(options);
  }
}

/** The true chain of a sessions trace as plain JSON data: rows of `transitions` indexed by key id. */
export function sessionMatrixJson(trace: SessionTrace): { endpoints: number; keys: string[]; start: number[]; transitions: number[][] } {
  const n = trace.endpoints;
  return {
    endpoints: n,
    keys: Array.from({ length: n }, (_, k) => trace.keyLabel(k)),
    start: Array.from(trace.start),
    transitions: Array.from({ length: n }, (_, r) => Array.from(trace.transitions.subarray(r * n, (r + 1) * n))),
  };
}
