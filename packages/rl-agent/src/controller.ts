/**
 * Runs a model trained on CacheEnv (`cachelab train --env cache`) live against a CacheManager:
 * every `every` operations (call `recordOperation()` after each get/set, or `tick()` yourself)
 * it reads the manager's metrics, builds the CacheEnv observation, and applies the greedy action
 * (no-op, evictLru, evictLowProbability, prefetch of the predictor's top guesses).
 * Live there is no shadow baseline cache: the baseline feature is fed the window's own hit rate.
 * The predictor's window accuracy is counted by `observeRequest()` (0 without it), and the
 * top-k mass reads the `topK` predictions the model was trained with.
 * A stopped manager is not acted on: `tick()` rejects, `recordOperation()` skips the decision.
 */
import type { CacheManager, CacheMetrics, RequestBatch } from '@cachelab/cache-core';
import { loadForward } from './dqn/checkpoint.js';
import type { QForward } from './dqn/forward.js';
import { cacheObservation, DEFAULT_EVICT_FRACTIONS, evictionCounts, keyName, type CacheEnvAction, type NextRequestPredictor } from './env/cache-env.js';
import { CachelabError, ConfigError } from '@cachelab/cache-core';

/** The controller was asked to act on a manager that is not running. */
export class ControllerError extends CachelabError {
  constructor(message: string) {
    super('CONTROLLER', message);
  }
}

export interface ControllerOptions {
  /** Entries the manager's backend holds (the utilization denominator). */
  capacity: number;
  /** Operations between two decisions. Default: the training window. */
  every?: number;
  /** Next-request predictor for the Markov features and actions (without one they read 0 and predictive actions do nothing). */
  predictor?: NextRequestPredictor;
  /** Predictions read for the top-k mass and the predictive actions. Default: the training env's `topK` (fromCheckpoint), else 8. */
  topK?: number;
}

export interface ControllerDecision {
  action: CacheEnvAction;
  observation: Float32Array;
  q: number[];
}

/**
 * The training env's eviction counts stand for shares of its capacity (1 % and 5 % by default),
 * stored as counts rounded to at least 1: on a live cache of another capacity they are worked out
 * again from those shares. Scaling the stored counts would carry their rounding along (at capacity
 * 50, 1 % is stored as 1, which scaled to 500 would be 10 = 2 %). The shares are agent.json's
 * `evictFractions`, else the defaults when the stored counts are theirs; an agent.json whose counts
 * came from other shares it did not record has its counts scaled.
 */
function scaledActions(
  actions: CacheEnvAction[],
  settings: { capacity?: number; evictFractions?: number[] },
  liveCapacity: number,
): CacheEnvAction[] {
  const trained = settings.capacity;
  if (trained === undefined || trained === liveCapacity || !(liveCapacity > 0)) return actions;
  const evictions = actions.filter((a) => a.kind === 'evictLru');
  const storedCounts = evictions.map((a) => (a as { count: number }).count);
  const candidates = [settings.evictFractions, DEFAULT_EVICT_FRACTIONS].filter((f): f is readonly number[] => Array.isArray(f));
  const fractions = candidates.find((f) => f.length === storedCounts.length && evictionCounts(f, trained).every((c, i) => c === storedCounts[i]));
  const live = fractions ? evictionCounts(fractions, liveCapacity) : undefined;
  const next = { evictLru: 0, evictLowProbability: 0 };
  return actions.map((a) => {
    if (a.kind !== 'evictLru' && a.kind !== 'evictLowProbability') return a;
    const i = next[a.kind]++;
    return { ...a, count: live?.[i] ?? Math.max(1, Math.round((a.count * liveCapacity) / trained)) };
  });
}

export class AgentController {
  readonly every: number;
  private operations = 0;
  private last: CacheMetrics | undefined;
  private readonly keys: Uint32Array;
  private readonly probs: Float64Array;
  /** observeRequest() calls since the last decision, and how many the predictor's top guess got right. */
  private observed = 0;
  private predicted = 0;
  private readonly guessKey = new Uint32Array(1);
  private readonly guessProb = new Float64Array(1);
  /** Every decision taken, newest last (bounded to the latest 1,000). */
  readonly decisions: ControllerDecision[] = [];

  constructor(
    readonly manager: CacheManager,
    readonly forward: QForward,
    readonly actions: CacheEnvAction[],
    readonly options: ControllerOptions,
  ) {
    if (forward.spec.actions !== actions.length) throw new ConfigError('actions', `the model has ${forward.spec.actions} actions, ${actions.length} given`);
    this.every = options.every ?? 1000;
    const positiveInt = (field: string, v: number, what: string): void => {
      if (!Number.isInteger(v) || v < 1) throw new ConfigError(field, `must be a positive integer (${what}), got ${v}`);
    };
    positiveInt('every', this.every, 'operations between two decisions');
    positiveInt('capacity', options.capacity, "entries the manager's backend holds");
    const topK = options.topK ?? 8;
    positiveInt('topK', topK, 'predictions read per decision');
    this.keys = new Uint32Array(topK);
    this.probs = new Float64Array(topK);
  }

  /** A controller for a checkpoint directory written by `cachelab train --env cache`. */
  static fromCheckpoint(dir: string, manager: CacheManager, options: ControllerOptions): AgentController {
    const { forward, meta } = loadForward(dir);
    if (meta.env.kind !== 'cache') throw new ConfigError('model', `${dir} was trained on the ${meta.env.kind} environment; the controller needs --env cache`);
    const settings = meta.env.settings as { actions: CacheEnvAction[]; window: number; topK?: number; capacity?: number; evictFractions?: number[] };
    return new AgentController(manager, forward, scaledActions(settings.actions, settings, options.capacity), {
      ...options,
      every: options.every ?? settings.window,
      topK: options.topK ?? settings.topK ?? 8,
    });
  }

  /** Counts one cache operation; every `every` operations, decides and acts (not while the manager is stopped). */
  async recordOperation(): Promise<ControllerDecision | undefined> {
    if (++this.operations % this.every !== 0 || !this.manager.isRunning) return undefined;
    return this.tick();
  }

  /** Decides and applies one action now. Rejects with a ControllerError when the manager is stopped. */
  async tick(): Promise<ControllerDecision> {
    if (!this.manager.isRunning) {
      throw new ControllerError('the cache manager is not running, so there is nothing to observe or act on; start() it before the controller decides');
    }
    const after = await this.manager.getMetrics();
    const before = this.last ?? after;
    this.last = after;
    const reads = after.hits + after.misses - (before.hits + before.misses);
    const windowHitRate = reads > 0 ? (after.hits - before.hits) / reads : after.hitRate;
    const accuracy = this.observed > 0 ? this.predicted / this.observed : 0;
    this.observed = 0;
    this.predicted = 0;
    const n = this.options.predictor?.predictSession(-1, this.keys.length, this.keys, this.probs) ?? 0;
    let mass = 0;
    for (let i = 0; i < n; i++) mass += this.probs[i]!;
    const observation = cacheObservation({
      windowHitRate,
      cumulativeHitRate: after.hitRate,
      before,
      after,
      capacity: this.options.capacity,
      queueCapacity: this.manager.config.prefetchQueueSize,
      operations: Math.max(1, reads),
      top1: n > 0 ? this.probs[0]! : 0,
      topMass: mass,
      accuracy,
      baselineHitRate: windowHitRate,
    });
    const q = [...this.forward.evaluate(observation)];
    const action = this.actions[this.forward.argmax(observation)]!;
    await this.apply(action, n);
    const decision = { action, observation, q };
    this.decisions.push(decision);
    if (this.decisions.length > 1000) this.decisions.shift();
    return decision;
  }

  /**
   * Feed the predictor a request (same as CacheEnv does for every replayed request); first scores
   * its top guess against the request, for the window-accuracy feature.
   */
  observeRequest(batch: RequestBatch, i: number): void {
    const predictor = this.options.predictor;
    if (!predictor) return;
    const n = predictor.predictSession(-1, 1, this.guessKey, this.guessProb);
    if (n > 0 && this.guessKey[0] === batch.key[i]) this.predicted++;
    this.observed++;
    predictor.updateBatch(batch, i);
  }

  private async apply(action: CacheEnvAction, predictions: number): Promise<void> {
    if (action.kind === 'evictLru') await this.manager.evictLru(action.count);
    else if (action.kind === 'evictLowProbability') {
      const map = new Map<string, number>();
      for (let i = 0; i < predictions; i++) map.set(keyName(this.keys[i]!), this.probs[i]!);
      await this.manager.evictLowProbability(map, action.count);
    } else if (action.kind === 'prefetch') {
      const items: [string, null, number][] = [];
      for (let i = 0; i < predictions; i++) if (this.probs[i]! >= action.threshold) items.push([keyName(this.keys[i]!), null, this.probs[i]!]);
      if (items.length > 0) this.manager.prefetchMany(items);
    }
  }
}
