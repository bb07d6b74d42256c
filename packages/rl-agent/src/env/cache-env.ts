/**
 * CacheEnv: the coarse environment of the spec's "Integration with RL System". Each step applies
 * one control action to a CacheManager, then replays the next window of W requests through it
 * (`get`; on a miss the value is fetched from the trace, the "origin", and `set`). Object mode:
 * the manager's memory backend holds at most `capacity` entries and evicts LRU when full.
 *
 * Observation (all in [0, 1]): see CACHE_ENV_FEATURES.
 * Actions: see cacheEnvActions(): no-op; evictLru(k) and evictLowProbability(k) for k = 1% and
 * 5% of the capacity (probabilities from the next-request predictor); prefetch of the predictor's
 * top predictions whose probability is at least 0.5 or 0.2.
 * Reward (`reward: 'baseline'`, default): (window hits − hits of a shadow baseline cache replaying
 * the same window) / W. The shadow cache (a cache-core policy, LRU by default, same capacity) sees
 * the same requests from the start of the episode, so the reward is what the actions gained over
 * doing nothing special. `reward: 'hit-rate-delta'` is the spec's formula: (cumulative hit rate
 * after the step − before) × 100.
 * terminated when the trace (or [start, end)) is exhausted; wrap in AsyncTimeLimit to truncate.
 */
import {
  CacheManager,
  createPolicy,
  Replayer,
  silentLogger,
  sliceBatch,
  type AccessPredictions,
  type CacheMetrics,
  type RequestBatch,
} from '@cachelab/cache-core';
import seedrandom, { type PRNG } from 'seedrandom';
import type { AsyncEnv, Info, ResetResult, StepResult } from './env.js';
import { Box, Discrete } from './spaces.js';

/**
 * A next-request predictor (structurally @cachelab/markov's SequencePredictor): learns from each
 * request and predicts the next one of a session (session −1: the global stream), best first.
 */
export interface NextRequestPredictor {
  updateBatch(batch: RequestBatch, i: number): void;
  predictSession(session: number, k: number, outKeys: Uint32Array, outProbabilities: Float64Array): number;
}

export const CACHE_ENV_FEATURES = [
  'window_hit_rate',
  'cumulative_hit_rate',
  'utilization', // resident entries / capacity
  'prefetch_queue', // queued prefetches / queue size
  'prefetch_hit_rate', // prefetched entries later read / prefetches
  'window_evictions', // entries evicted during the window / W
  'markov_top1', // probability of the predictor's best guess for the next request
  'markov_topk_mass', // summed probability of its top predictions (capped at 1)
  'markov_window_accuracy', // share of the window's requests the predictor's top guess got right
  'baseline_window_hit_rate', // the shadow baseline cache's hit rate on the window
] as const;

export type CacheEnvAction =
  | { kind: 'noop' }
  | { kind: 'evictLru'; count: number }
  | { kind: 'evictLowProbability'; count: number }
  | { kind: 'prefetch'; threshold: number };

export interface CacheEnvOptions {
  /** Capacity in objects (entries). */
  capacity: number;
  /** Requests per step, W. Default 1000. */
  window?: number;
  /** Builds a fresh predictor per episode (e.g. a @cachelab/markov predictor). */
  predictor: () => NextRequestPredictor;
  /** 'baseline' (default) or 'hit-rate-delta' (the spec's × 100 formula). */
  reward?: 'baseline' | 'hit-rate-delta';
  /** Policy of the shadow baseline cache. Default 'lru'. */
  baselinePolicy?: string;
  /** Predictions considered for prefetch and eviction. Default 8. */
  topK?: number;
  /** Probability thresholds of the prefetch actions. Default [0.5, 0.2]. */
  prefetchThresholds?: number[];
  /** Eviction counts as fractions of the capacity. Default [0.01, 0.05]. */
  evictFractions?: number[];
  start?: number;
  end?: number;
  /** Start each episode at a random window boundary in [start, end) (seeded). Default false. */
  randomStart?: boolean;
}

/** CacheEnv's eviction counts as shares of its capacity when `evictFractions` is not given. */
export const DEFAULT_EVICT_FRACTIONS: readonly number[] = [0.01, 0.05];

/** The eviction actions' counts: each share of `capacity`, rounded, at least 1. */
export function evictionCounts(fractions: readonly number[], capacity: number): number[] {
  return fractions.map((f) => Math.max(1, Math.round(f * capacity)));
}

export function cacheEnvActions(capacity: number, evictFractions: number[], thresholds: number[]): CacheEnvAction[] {
  const counts = evictionCounts(evictFractions, capacity);
  return [
    { kind: 'noop' },
    ...counts.map((count) => ({ kind: 'evictLru' as const, count })),
    ...counts.map((count) => ({ kind: 'evictLowProbability' as const, count })),
    ...thresholds.map((threshold) => ({ kind: 'prefetch' as const, threshold })),
  ];
}

export const keyName = (key: number): string => `k${key}`;

export interface CacheObservationInput {
  windowHitRate: number;
  cumulativeHitRate: number;
  /** Manager metrics at the start and end of the window. */
  before: CacheMetrics;
  after: CacheMetrics;
  capacity: number;
  queueCapacity: number;
  /** Requests in the window. */
  operations: number;
  top1: number;
  topMass: number;
  accuracy: number;
  baselineHitRate: number;
}

/** The observation vector (CACHE_ENV_FEATURES order), shared by CacheEnv and AgentController. */
export function cacheObservation(x: CacheObservationInput): Float32Array {
  const clip = (v: number) => (v > 1 ? 1 : v > 0 ? v : 0);
  return Float32Array.of(
    clip(x.windowHitRate),
    clip(x.cumulativeHitRate),
    clip(x.after.currentEntries / x.capacity),
    clip(x.after.prefetchQueueSize / x.queueCapacity),
    clip(x.after.prefetchHitRate),
    clip((x.after.evictions - x.before.evictions) / Math.max(1, x.operations)),
    clip(x.top1),
    clip(x.topMass),
    clip(x.accuracy),
    clip(x.baselineHitRate),
  );
}

export class CacheEnv implements AsyncEnv {
  readonly actionSpace: Discrete;
  readonly observationSpace: Box;
  readonly actions: CacheEnvAction[];
  readonly window: number;
  private readonly start: number;
  private readonly end: number;
  private readonly topK: number;
  private readonly predKeys: Uint32Array;
  private readonly predProbs: Float64Array;
  private rng: PRNG = seedrandom('0');
  private manager!: CacheManager;
  private predictor!: NextRequestPredictor;
  private shadow!: Replayer;
  private position = 0;
  private requests = 0;
  private hits = 0;
  private lastObservation: Float32Array = new Float32Array(CACHE_ENV_FEATURES.length);

  constructor(
    readonly trace: RequestBatch,
    readonly options: CacheEnvOptions,
  ) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${options.capacity}`);
    this.window = options.window ?? 1000;
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`window must be a positive integer, got ${this.window}`);
    this.start = options.start ?? 0;
    this.end = Math.min(options.end ?? trace.length, trace.length);
    if (!Number.isInteger(this.start) || !Number.isInteger(this.end)) throw new RangeError(`start and end must be request positions (integers), got [${this.start}, ${this.end})`);
    if (!(this.start >= 0 && this.start < this.end)) throw new RangeError(`empty episode range [${this.start}, ${this.end})`);
    this.topK = options.topK ?? 8;
    // What AgentController refuses live (topK), or what would reach the manager as NaN counts.
    if (!Number.isInteger(this.topK) || this.topK < 1) throw new RangeError(`topK must be a positive integer, got ${this.topK}`);
    const fractions = options.evictFractions ?? [...DEFAULT_EVICT_FRACTIONS];
    if (fractions.some((f) => !(f > 0 && f <= 1))) throw new RangeError(`evictFractions must be in (0, 1], got [${fractions.join(', ')}]`);
    const thresholds = options.prefetchThresholds ?? [0.5, 0.2];
    if (thresholds.some((t) => !(t >= 0 && t <= 1))) throw new RangeError(`prefetchThresholds must be in [0, 1], got [${thresholds.join(', ')}]`);
    this.predKeys = new Uint32Array(this.topK);
    this.predProbs = new Float64Array(this.topK);
    this.actions = cacheEnvActions(options.capacity, fractions, thresholds);
    this.actionSpace = new Discrete(this.actions.length);
    this.observationSpace = new Box(0, 1, [CACHE_ENV_FEATURES.length]);
  }

  settings(): Record<string, unknown> {
    return {
      capacity: this.options.capacity,
      window: this.window,
      reward: this.options.reward ?? 'baseline',
      baselinePolicy: this.options.baselinePolicy ?? 'lru',
      topK: this.topK,
      actions: this.actions,
      // The shares the eviction counts stand for (AgentController rescales them to a live
      // capacity); only when given, so that agent.json of a run with the defaults is unchanged.
      ...(this.options.evictFractions !== undefined ? { evictFractions: [...this.options.evictFractions] } : {}),
      // The episode range and random starts shape the training a resume continues; recorded only
      // when they differ from the defaults (the whole trace, from its start).
      ...(this.start !== 0 ? { start: this.start } : {}),
      ...(this.end !== this.trace.length ? { end: this.end } : {}),
      ...(this.options.randomStart === true ? { randomStart: true } : {}),
    };
  }

  async reset(options: { seed?: number } = {}): Promise<ResetResult> {
    if (options.seed !== undefined) this.rng = seedrandom(`cache-env-${options.seed}`);
    if (this.manager) await this.manager.stop();
    const capacity = this.options.capacity;
    this.manager = new CacheManager({
      backendType: 'memory',
      backendConfig: { maxEntries: capacity },
      defaultTtl: 0,
      compressionEnabled: false,
      logger: silentLogger,
      prefetchFetcher: (endpoint: string) => this.originFetch(endpoint),
    });
    await this.manager.start();
    this.predictor = this.options.predictor();
    this.shadow = new Replayer(createPolicy(this.options.baselinePolicy ?? 'lru', { capacity }), { unit: 'objects' });
    const windows = Math.ceil((this.end - this.start) / this.window);
    this.position = this.options.randomStart ? this.start + Math.floor(this.rng() * windows) * this.window : this.start;
    this.requests = 0;
    this.hits = 0;
    this.lastObservation = new Float32Array(CACHE_ENV_FEATURES.length);
    return { observation: this.lastObservation.slice(), info: { hit_rate: 0, position: this.position } };
  }

  async step(action: number): Promise<StepResult> {
    // The manager exists only once reset() has built it.
    if ((this.manager as CacheManager | undefined) === undefined) throw new Error('step() before reset(); call reset({ seed }) first');
    if (!this.actionSpace.contains(action)) throw new RangeError(`action ${action} is outside Discrete(${this.actionSpace.n})`);
    if (this.position >= this.end) throw new Error('step() after the episode terminated; call reset()');
    const hitRateBefore = this.requests === 0 ? 0 : this.hits / this.requests;
    const before = await this.manager.getMetrics();
    await this.apply(this.actions[action]!);

    const from = this.position;
    const to = Math.min(this.end, from + this.window);
    let windowHits = 0;
    let predicted = 0;
    const t = this.trace;
    for (let i = from; i < to; i++) {
      const key = t.key[i]!;
      if (this.predictedNext(key)) predicted++;
      const name = keyName(key);
      // The memory backend answers at once: getSync spares an await per request.
      const value = this.manager.getSync(name);
      if (value !== undefined) windowHits++;
      else await this.manager.set(name, key);
      this.predictor.updateBatch(t, i);
    }
    const baselineBefore = this.shadow.result().hits;
    this.shadow.feed(sliceBatch(t, from, to));
    const baselineHits = this.shadow.result().hits - baselineBefore;
    const n = to - from;
    this.position = to;
    this.requests += n;
    this.hits += windowHits;
    const after = await this.manager.getMetrics();
    const hitRate = this.hits / this.requests;

    const mass = this.predict();
    const o = cacheObservation({
      windowHitRate: windowHits / n,
      cumulativeHitRate: hitRate,
      before,
      after,
      capacity: this.options.capacity,
      queueCapacity: this.manager.config.prefetchQueueSize,
      operations: n,
      top1: this.predProbs[0] ?? 0,
      topMass: mass,
      accuracy: predicted / n,
      baselineHitRate: baselineHits / n,
    });
    this.lastObservation = o;

    const reward = (this.options.reward ?? 'baseline') === 'baseline' ? (windowHits - baselineHits) / n : (hitRate - hitRateBefore) * 100;
    const terminated = this.position >= this.end;
    const info: Info = { hit_rate: hitRate, window_hits: windowHits, baseline_hits: baselineHits, position: this.position };
    if (terminated) await this.manager.stop();
    return { observation: o, reward, terminated, truncated: false, info };
  }

  /** The manager this episode runs (for inspection and the controller). */
  get cacheManager(): CacheManager {
    return this.manager;
  }

  private async apply(action: CacheEnvAction): Promise<void> {
    switch (action.kind) {
      case 'noop':
        return;
      case 'evictLru':
        await this.manager.evictLru(action.count);
        return;
      case 'evictLowProbability': {
        this.predict();
        const predictions: AccessPredictions = new Map(this.currentPredictions());
        await this.manager.evictLowProbability(predictions, action.count);
        return;
      }
      case 'prefetch': {
        this.predict();
        const items = this.currentPredictions()
          .filter(([, p]) => p >= action.threshold)
          .map(([name, p]) => [name, null, p] as const);
        if (items.length > 0) {
          this.manager.prefetchMany(items);
          await this.manager.drainPrefetchQueue();
        }
        return;
      }
    }
  }

  private predictionCount = 0;

  /** Predicts the next request of the global stream into predKeys/predProbs; returns the summed probability. */
  private predict(): number {
    this.predictionCount = this.predictor.predictSession(-1, this.topK, this.predKeys, this.predProbs);
    let mass = 0;
    for (let i = 0; i < this.predictionCount; i++) mass += this.predProbs[i]!;
    for (let i = this.predictionCount; i < this.topK; i++) this.predProbs[i] = 0;
    return mass;
  }

  private currentPredictions(): [string, number][] {
    const out: [string, number][] = [];
    for (let i = 0; i < this.predictionCount; i++) out.push([keyName(this.predKeys[i]!), this.predProbs[i]!]);
    return out;
  }

  /** Whether the predictor's top guess (before seeing it) was `key`. */
  private predictedNext(key: number): boolean {
    const n = this.predictor.predictSession(-1, 1, this.predKeys, this.predProbs);
    return n > 0 && this.predKeys[0] === key;
  }

  /** The origin: a fetched object's value is its key id (object mode: contents do not matter). */
  private originFetch(endpoint: string): number {
    return Number(endpoint.slice(1));
  }
}
