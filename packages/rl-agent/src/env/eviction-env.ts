/**
 * EvictionEnv: the fine-grained environment where a learned policy can beat heuristics. The trace
 * is replayed through the simulator's Replayer (the one replay loop) with a CandidateCache as the
 * policy; whenever a miss needs room, the episode pauses and the agent picks which of K
 * candidates to evict (observation: K rows of CANDIDATE_FEATURES, plus REGIME_FEATURES with
 * `regimeFeatures`; action: the row index).
 *
 * Credit assignment (hindsight from the trace, training only): evicting candidate v while serving
 * request t costs
 *     reward = −max(0, 1 − d / H),   d = (position of v's next request) − t,
 * i.e. −1 for evicting an object requested again right away, falling linearly to 0 at a horizon of
 * H requests (never requested again: 0). H = horizonFactor × (resident objects at the decision).
 * With rewardShape 'hyperbolic' the cost is −H / (H + d) instead: −1 at d = 0, −½ at d = H, and
 * never exactly 0 for an object that returns, so victims beyond the horizon stay ordered by d.
 * With rewardShape 'rank' there is no horizon: the cost is the share of the *other* candidates
 * whose next request is farther than the victim's, −(farther)/(distinct candidates − 1): 0 for
 * the candidate Belady would evict among them, −1 for the one needed soonest. A loop far longer
 * than H (every victim returns, each a little later) still tells the candidates apart.
 * Each evicted object that comes back soon is a miss the eviction caused; the shaping orders
 * victims the way Belady's optimum does (farthest next use is best) without rewarding cache hits
 * that no decision influenced. The policy itself never sees the future: its features are causal.
 *
 * terminated: the trace (or the [start, end) slice) ended. Wrap in TimeLimit for truncation.
 * reset({ seed }) re-seeds the candidate sampling and replays from `start` with an empty cache.
 */
import {
  allocateBatch,
  ensureNextAccess,
  NO_NEXT_ACCESS,
  Replayer,
  type CapacityUnit,
  type RequestBatch,
} from '@cachelab/cache-core';
import seedrandom, { type PRNG } from 'seedrandom';
import { CandidateCache } from './candidate-cache.js';
import type { Env, Info, ResetResult, StepResult } from './env.js';
import { featureCount, resolveFeatureOptions, type FeatureOptions } from './features.js';
import { markovAccessScorer } from './markov-scorer.js';
import { Box, Discrete } from './spaces.js';

export interface EvictionEnvOptions {
  /** Cache capacity in `unit`. */
  capacity: number;
  /** 'objects' (every object counts 1) or 'bytes'. Default 'objects'. */
  unit?: CapacityUnit;
  /** Candidates per decision, K (the action count). Default 8. */
  candidates?: number;
  /** Reward horizon as a multiple of the resident object count. Default 4 (see the README: 1 and 4 were compared). */
  horizonFactor?: number;
  /**
   * How the hindsight cost falls with the victim's distance d to its next request (see
   * `evictionReward`): 'linear' (default) reaches 0 at the horizon; 'hyperbolic' halves at the
   * horizon and keeps falling, so it still ranks victims that all return after the horizon.
   */
  rewardShape?: RewardShape;
  /** First and one-past-last request of the episode. Default the whole trace. */
  start?: number;
  end?: number;
  /**
   * Fills the access_probability feature: 'markov' (@cachelab/markov's predictor, see
   * markovAccessScorer) or 'none' (the feature reads 0; the fast default). Default 'none'.
   */
  scorer?: 'markov' | 'none';
  /**
   * Newest admissions (walking back from the FIFO tail) among the K candidates, right after the
   * LRU tail and the FIFO head: the objects a scan-resistant policy (S3-FIFO, W-TinyLFU) evicts
   * quickly. At most K − 2 counts. Default 0 (LRU tail, FIFO head, then random residents).
   */
  recentCandidates?: number;
  /**
   * Append the whole-cache REGIME_FEATURES (quick_return_ratio, quick_return_lru_share) to every
   * candidate row: 16 features instead of 14. Default false.
   */
  regimeFeatures?: boolean;
  /**
   * Append the per-candidate REUSE_FEATURES (reuse_interval, reuse_overdue) to every row, after the
   * regime features: 2 more features. Default false.
   */
  reuseFeatures?: boolean;
  /**
   * Append the per-candidate DECAY_FEATURES (exponentially decayed request counts at four time
   * scales, after LRFU and LRB) after every other feature. Default false.
   */
  decayFeatures?: boolean;
}

export const EVICTION_ENV_DEFAULTS = { unit: 'objects' as CapacityUnit, candidates: 8, horizonFactor: 4, rewardShape: 'linear' as RewardShape };

export const REWARD_SHAPES = ['linear', 'hyperbolic', 'rank'] as const;
export type RewardShape = (typeof REWARD_SHAPES)[number];

/**
 * Hindsight cost of evicting an object whose next request is `d` requests away (Infinity: never),
 * with horizon `horizon` requests: linear −max(0, 1 − d/H), or hyperbolic −H/(H + d).
 */
export function evictionReward(d: number, horizon: number, shape: Exclude<RewardShape, 'rank'>): number {
  if (shape === 'hyperbolic') return d === Infinity ? 0 : -horizon / (horizon + d);
  return d >= horizon ? 0 : d / horizon - 1;
}

/**
 * The 'rank' cost of evicting a candidate whose next request is `d` away, among the first `count`
 * (distinct) candidates whose distances are `distances`: −(candidates strictly farther)/(count − 1).
 */
export function rankReward(d: number, distances: ArrayLike<number>, count: number): number {
  if (count <= 1) return 0;
  let farther = 0;
  for (let i = 0; i < count; i++) if (distances[i]! > d) farther++;
  return -farther / (count - 1);
}

export class EvictionEnv implements Env {
  readonly actionSpace: Discrete;
  readonly observationSpace: Box;
  readonly k: number;
  readonly unit: CapacityUnit;
  readonly horizonFactor: number;
  readonly rewardShape: RewardShape;
  readonly recentCandidates: number;
  readonly regimeFeatures: boolean;
  readonly reuseFeatures: boolean;
  readonly decayFeatures: boolean;
  private readonly start: number;
  private readonly end: number;
  /** Position of each key's next request, as of its latest request replayed. */
  private readonly nextUse: Float64Array;
  /** Distinct candidates of the current decision, and their distances to next use ('rank' reward). */
  private candidateCount = 0;
  private readonly candidateDistances: Float64Array;
  private readonly keySpace: number;
  private readonly one: RequestBatch = allocateBatch(1);
  private rng: PRNG = seedrandom('0');
  private cache!: CandidateCache;
  private replayer!: Replayer;
  private position = 0;
  private decisions = 0;
  /** The request whose lookup the cache made ahead of the Replayer's (−1: none yet). */
  private lookedUp = -1;
  /** The victim `step` chose, handed to the cache's evict call (−1 between decisions). */
  private victim = -1;

  constructor(
    readonly trace: RequestBatch,
    readonly options: EvictionEnvOptions,
  ) {
    this.k = options.candidates ?? EVICTION_ENV_DEFAULTS.candidates;
    this.unit = options.unit ?? EVICTION_ENV_DEFAULTS.unit;
    this.horizonFactor = options.horizonFactor ?? EVICTION_ENV_DEFAULTS.horizonFactor;
    if (!Number.isInteger(this.k) || this.k < 1) throw new RangeError(`candidates must be a positive integer, got ${this.k}`);
    if (!(options.capacity > 0)) throw new RangeError(`capacity must be > 0, got ${options.capacity}`);
    if (!(this.horizonFactor > 0 && Number.isFinite(this.horizonFactor))) throw new RangeError(`horizonFactor must be a finite number > 0, got ${this.horizonFactor}`);
    this.rewardShape = options.rewardShape ?? EVICTION_ENV_DEFAULTS.rewardShape;
    if (!REWARD_SHAPES.includes(this.rewardShape)) throw new RangeError(`rewardShape must be one of ${REWARD_SHAPES.join(', ')}, got ${String(this.rewardShape)}`);
    this.recentCandidates = options.recentCandidates ?? 0;
    const features = resolveFeatureOptions(options);
    this.regimeFeatures = features.regimeFeatures;
    this.reuseFeatures = features.reuseFeatures;
    this.decayFeatures = features.decayFeatures;
    if (!(Number.isInteger(this.recentCandidates) && this.recentCandidates >= 0 && this.recentCandidates <= Math.max(this.k - 2, 0))) {
      throw new RangeError(`recentCandidates must be an integer in [0, candidates − 2 = ${Math.max(this.k - 2, 0)}], got ${this.recentCandidates}`);
    }
    this.start = options.start ?? 0;
    this.end = Math.min(options.end ?? trace.length, trace.length);
    if (!Number.isInteger(this.start) || !Number.isInteger(this.end)) throw new RangeError(`start and end must be request positions (integers), got [${this.start}, ${this.end})`);
    if (!(this.start >= 0 && this.start < this.end)) throw new RangeError(`empty episode range [${this.start}, ${this.end})`);
    ensureNextAccess(trace);
    let maxKey = -1;
    for (let i = 0; i < trace.length; i++) if (trace.key[i]! > maxKey) maxKey = trace.key[i]!;
    this.keySpace = maxKey + 1;
    this.nextUse = new Float64Array(this.keySpace);
    this.candidateDistances = new Float64Array(this.k);
    this.actionSpace = new Discrete(this.k);
    this.observationSpace = new Box(-1, 1, [this.k, featureCount(this.featureOptions())]);
  }

  /** Settings stored with a trained model (agent.json) so a policy rebuilds the same features. */
  settings(): Record<string, unknown> {
    return {
      unit: this.unit,
      candidates: this.k,
      horizonFactor: this.horizonFactor,
      features: featureCount(this.featureOptions()),
      scorer: this.options.scorer ?? 'none',
      // The opt-in options are recorded only when on, so earlier models' agent.json is unchanged.
      ...(this.rewardShape !== 'linear' ? { rewardShape: this.rewardShape } : {}),
      ...(this.recentCandidates > 0 ? { recentCandidates: this.recentCandidates } : {}),
      ...(this.regimeFeatures ? { regimeFeatures: true } : {}),
      ...(this.reuseFeatures ? { reuseFeatures: true } : {}),
      ...(this.decayFeatures ? { decayFeatures: true } : {}),
      // The episode range shapes the training a resume continues; recorded only when it is not
      // the whole trace (an `end` past the trace is the trace's end), like the options above.
      ...(this.start !== 0 ? { start: this.start } : {}),
      ...(this.end !== this.trace.length ? { end: this.end } : {}),
    };
  }

  private featureOptions(): Required<FeatureOptions> {
    return resolveFeatureOptions(this);
  }

  reset(options: { seed?: number } = {}): ResetResult {
    if (options.seed !== undefined) this.rng = seedrandom(`eviction-env-${options.seed}`);
    this.cache = new CandidateCache(
      {
        name: 'eviction-env',
        capacity: this.options.capacity,
        candidates: this.k,
        keySpace: this.keySpace,
        rng: this.rng,
        recentCandidates: this.recentCandidates,
        regimeFeatures: this.regimeFeatures,
        reuseFeatures: this.reuseFeatures,
        decayFeatures: this.decayFeatures,
        ...(this.options.scorer === 'markov' ? { scorer: markovAccessScorer() } : {}),
      },
      () => this.victim,
    );
    this.replayer = new Replayer(this.cache, { unit: this.unit });
    this.position = this.start;
    this.decisions = 0;
    this.nextUse.fill(NO_NEXT_ACCESS);
    this.lookedUp = -1;
    const observation = new Float32Array(this.observationSpace.size);
    if (!this.advance(observation)) {
      // An episode without a single decision cannot be stepped: say why instead of failing later.
      throw new RangeError(
        `no eviction decision in this episode: a cache of ${this.options.capacity} ${this.unit} never fills on requests ${this.start}..${this.end}; use a smaller cache size (or a longer slice)`,
      );
    }
    return { observation, info: this.info() };
  }

  step(action: number): StepResult {
    // The cache exists only once reset() has built it.
    if ((this.cache as CandidateCache | undefined) === undefined) throw new Error('step() before reset(); call reset({ seed }) first');
    if (!this.actionSpace.contains(action)) throw new RangeError(`action ${action} is outside Discrete(${this.k})`);
    if (this.position >= this.end) throw new Error('step() after the episode terminated; call reset()');
    const victim = this.cache.candidates[action]!;
    const d = this.distanceToNextUse(victim);
    const horizon = this.horizonFactor * Math.max(this.cache.count, 1);
    const reward = this.rewardShape === 'rank' ? this.rankOf(d) : evictionReward(d, horizon, this.rewardShape);
    // Evicted now, as a replay evicts it: the request's next decision (byte mode) sees the cache
    // without it, and the Replayer, fed the request once no decision is left, finds the room made.
    this.victim = victim;
    this.cache.evict(this.trace.key[this.position]!, this.unit === 'bytes' ? this.trace.size[this.position]! : 1);
    this.victim = -1;
    this.decisions++;
    const observation = new Float32Array(this.observationSpace.size);
    const terminated = !this.advance(observation);
    return { observation, reward, terminated, truncated: false, info: this.info() };
  }

  /** Hit ratio of the episode so far (all requests counted, cold misses included). */
  hitRatio(): number {
    const r = this.replayer.result();
    return r.requests === 0 ? 0 : r.hits / r.requests;
  }

  /**
   * Replays requests until one needs an eviction decision (writes its observation, returns true)
   * or the episode ends (returns false; the observation stays zero).
   */
  private advance(observation: Float32Array): boolean {
    const { key: keys, size: sizes } = this.trace;
    const bytes = this.unit === 'bytes';
    const capacity = this.options.capacity;
    const cache = this.cache;
    while (this.position < this.end) {
      const i = this.position;
      const key = keys[i]!;
      const size = bytes ? sizes[i]! : 1;
      if (!cache.has(key) && size <= capacity && cache.used + size > capacity) {
        // A replay decides after the missing request's lookup: make it now (once per request).
        if (this.lookedUp !== i) cache.lookupAhead(key, size, this.trace.nextAccess[i]!);
        this.lookedUp = i;
        this.candidateCount = cache.sampleCandidates();
        cache.writeFeatures(observation);
        return true;
      }
      this.feedOne(i);
      this.position++;
    }
    return false;
  }

  private feedOne(i: number): void {
    const t = this.trace;
    const one = this.one;
    one.length = 1;
    one.time[0] = t.time[i]!;
    one.key[0] = t.key[i]!;
    one.size[0] = t.size[i]!;
    one.session[0] = t.session[i]!;
    one.op[0] = t.op[i]!;
    one.referrer[0] = t.referrer[i]!;
    one.nextAccess[0] = t.nextAccess[i]!;
    this.replayer.feed(one);
    this.nextUse[t.key[i]!] = t.nextAccess[i]!;
  }

  /** Requests from the current position to the victim's next request (Infinity for never). */
  private rankOf(d: number): number {
    const candidates = this.cache.candidates;
    for (let i = 0; i < this.candidateCount; i++) this.candidateDistances[i] = this.distanceToNextUse(candidates[i]!);
    return rankReward(d, this.candidateDistances, this.candidateCount);
  }

  private distanceToNextUse(victim: number): number {
    const next = this.nextUse[victim]!;
    if (next < 0 || next >= this.end) return Infinity;
    return next - this.position;
  }

  private info(): Info {
    return { hit_ratio: this.hitRatio(), requests: this.position - this.start, decisions: this.decisions };
  }
}
