/**
 * `dqn-guard:DIR`: the learned eviction policy of `dqn:DIR` behind a regret-minimising guard in
 * the manner of LeCaR (Vietri et al., "Driving Cache Replacement with ML-based LeCaR",
 * HotStorage 2018), with LeCaR's two experts replaced by the DQN and LRU.
 *
 * At every eviction two experts name a victim: the DQN (the argmax over its K candidates, exactly
 * as `dqn:DIR` decides) and the LRU tail. When they agree that key goes and nothing is learned.
 * Otherwise one expert is drawn with probability equal to its weight, from a generator seeded with
 * the cell's seed, and the victim joins that expert's ghost history. A later miss on a key in an
 * expert's history means the expert was wrong: its weight is multiplied by
 * exp(-learningRate × discount^age), where age is the number of requests since the eviction and
 * discount = 0.005^(1/N) with N the number of cached objects (the capacity, in object mode). Then
 * the weights are renormalised and clamped to [minWeight, 1 − minWeight], as in the LeCaR
 * reference implementation.
 *
 * The parameters are fixed to LeCaR's published defaults (GUARD_DEFAULTS): `dqn-guard:DIR`
 * accepts no parameters, so they cannot be tuned per trace. The constructor takes them only so
 * that tests can pin an expert (`initialLruWeight` 0 or 1 with `minWeight` 0).
 *
 * Only one further expert was considered: the newest admission. It is left out, because with a
 * single recency expert the guard's question stays "is the model doing worse than LRU here?".
 *
 * The ghost histories and the weight update are cache-core's (ExpertHistories, ExpertWeights: the
 * machinery of its `lecar` and `cacheus` policies); nothing is allocated per request.
 */
import { ConfigError, ExpertHistories, ExpertWeights, registerPolicyResolver, type EvictionPolicy, type PolicyOptions } from '@cachelab/cache-core';
import seedrandom, { type PRNG } from 'seedrandom';
import type { CandidateCache, VictimChooser } from './env/candidate-cache.js';
import { createLearnedPolicy } from './learned-policy.js';
import { DQN_GUARD_POLICY_PREFIX } from './policy-names.js';


/** The guard's parameters. `dqn-guard:DIR` always uses GUARD_DEFAULTS. */
export interface GuardParams {
  /** LeCaR's learning rate λ: a regretted eviction multiplies the expert's weight by exp(−λ·discount^age). Default 0.45 (LeCaR). */
  learningRate: number;
  /** Starting weight of the LRU expert; the DQN expert starts at 1 − this. Default 0.5 (LeCaR). */
  initialLruWeight: number;
  /** Both weights stay in [minWeight, 1 − minWeight] after each update, so neither expert dies. Default 0.01 (LeCaR reference code). 0 = no clamp. */
  minWeight: number;
}

export const GUARD_DEFAULTS: Readonly<GuardParams> = Object.freeze({ learningRate: 0.45, initialLruWeight: 0.5, minWeight: 0.01 });

/** Expert ids: index into the weights and the ghost lists. */
export const EXPERT_LRU = 0;
export const EXPERT_LEARNED = 1;
const AGREED = -1;

/**
 * The guard around a learned CandidateCache. It takes over the cache's chooser: the learned chooser
 * still runs at every eviction (so the model's candidate sampling and features are exactly those
 * of `dqn:DIR`), and the LRU expert's victim is the first candidate the learned chooser sampled
 * (CandidateCache.sampleCandidates puts the LRU tail first), so a chooser must call
 * `sampleCandidates()` before it returns, as the learned policy's does.
 */
export class GuardedLearnedPolicy implements EvictionPolicy {
  readonly name: string;
  readonly params: Readonly<GuardParams>;
  /** Evictions by who decided: [LRU expert drawn, learned expert drawn, both agreed]. */
  readonly decisions = new Float64Array(3);
  /** Regretted evictions seen (misses on a ghost key), per expert. */
  readonly regrets = new Float64Array(2);
  /** Expert 0 is LRU, expert 1 the learned policy. */
  private readonly weights: ExpertWeights;
  private readonly ghosts: ExpertHistories;
  /** Key ids the ghost histories are sized for (grown on demand). */
  private keyCap: number;
  private readonly rng: PRNG;
  private readonly learned: VictimChooser;
  /** Requests seen: the clock of ghost ages. */
  private time = 0;
  /** The expert behind the eviction in progress (set by the chooser, read by `evict`). */
  private pending = AGREED;

  constructor(
    readonly inner: CandidateCache,
    options: { name: string; seed?: number; keySpace?: number; params?: Partial<GuardParams> },
  ) {
    this.name = options.name;
    this.params = Object.freeze({ ...GUARD_DEFAULTS, ...options.params });
    const { learningRate, initialLruWeight, minWeight } = this.params;
    if (!(learningRate >= 0 && Number.isFinite(learningRate))) throw new RangeError(`${this.name}: learningRate must be a finite number >= 0, got ${learningRate}`);
    if (!(minWeight >= 0 && minWeight < 0.5)) throw new RangeError(`${this.name}: minWeight must be in [0, 0.5), got ${minWeight}`);
    if (!(initialLruWeight >= minWeight && initialLruWeight <= 1 - minWeight)) {
      throw new RangeError(`${this.name}: initialLruWeight must be in [minWeight, 1 - minWeight], got ${initialLruWeight}`);
    }
    this.weights = new ExpertWeights(learningRate, initialLruWeight, minWeight);
    this.keyCap = Math.max(options.keySpace ?? 1024, 16);
    this.ghosts = new ExpertHistories(this.keyCap, inner.capacity);
    this.rng = seedrandom(`dqn-guard-${options.seed ?? 0}`);
    this.learned = inner.chooser;
    inner.chooser = this.choose;
  }

  get capacity(): number {
    return this.inner.capacity;
  }

  get used(): number {
    return this.inner.used;
  }

  get count(): number {
    return this.inner.count;
  }

  /** Weight of the LRU expert (the learned expert has 1 − this). */
  get lruWeight(): number {
    return this.weights.w0;
  }

  lookup(key: number, size: number, nextAccess: number, prefetch = false): boolean {
    this.time++;
    const hit = this.inner.lookup(key, size, nextAccess, prefetch);
    if (!hit) {
      const expert = this.ghosts.expertOf(key);
      if (expert >= 0) {
        this.regrets[expert]!++;
        this.weights.penalise(expert, this.inner.count, this.ghosts.age(key, this.time));
        this.ghosts.take(key);
      }
    }
    return hit;
  }

  evict(incomingKey: number, incomingSize: number): number {
    this.pending = AGREED;
    const victim = this.inner.evict(incomingKey, incomingSize);
    if (this.pending === AGREED) this.decisions[2]!++;
    else {
      this.decisions[this.pending]!++;
      if (victim >= this.keyCap) {
        this.keyCap = Math.max(victim + 1, this.keyCap * 2);
        this.ghosts.growKeys(this.keyCap);
      }
      this.ghosts.add(this.pending as 0 | 1, victim, this.inner.sizeOf(victim), this.time, 0);
    }
    return victim;
  }

  insert(key: number, size: number, nextAccess: number): void {
    if (this.ghosts.expertOf(key) >= 0) this.ghosts.take(key); // admitted without a lookup that saw it (a prefetch)
    this.inner.insert(key, size, nextAccess);
  }

  remove(key: number): boolean {
    return this.inner.remove(key);
  }

  has(key: number): boolean {
    return this.inner.has(key);
  }

  verify(): void {
    this.inner.verify();
    this.ghosts.verify(this.name);
  }

  /** The chooser installed in the inner cache: both experts' victims, then a weighted draw when they differ. */
  private readonly choose: VictimChooser = (cache, incomingKey, incomingSize) => {
    const learnedVictim = this.learned(cache, incomingKey, incomingSize);
    const lruVictim = cache.candidates[0]!; // the LRU tail, sampled first
    if (learnedVictim === lruVictim) {
      this.pending = AGREED;
      return lruVictim;
    }
    this.pending = this.rng() < this.weights.w0 ? EXPERT_LRU : EXPERT_LEARNED;
    return this.pending === EXPERT_LRU ? lruVictim : learnedVictim;
  };
}

/** Builds `dqn-guard:DIR`: the `dqn:DIR` policy of the same checkpoint behind the guard with GUARD_DEFAULTS. */
export function createGuardedLearnedPolicy(dir: string, options: PolicyOptions): GuardedLearnedPolicy {
  if (options.params && Object.keys(options.params).length > 0) {
    throw new ConfigError(
      'params',
      `${DQN_GUARD_POLICY_PREFIX}:${dir} takes no parameters (got ${Object.keys(options.params).join(', ')}); the guard uses LeCaR's published defaults`,
    );
  }
  const inner = createLearnedPolicy(dir, options);
  return new GuardedLearnedPolicy(inner, {
    name: `${DQN_GUARD_POLICY_PREFIX}:${dir}`,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.keySpace !== undefined ? { keySpace: options.keySpace } : {}),
  });
}

let registered = false;

/** Registers the `dqn-guard:DIR` resolver (idempotent; done when the package is imported). */
export function registerGuardedLearnedPolicy(): void {
  if (registered) return;
  registered = true;
  registerPolicyResolver(
    DQN_GUARD_POLICY_PREFIX,
    createGuardedLearnedPolicy,
    'learned eviction policy (`dqn:DIR`) behind a LeCaR regret guard with an LRU expert',
  );
}
