/**
 * Runs a model trained on CacheEnv (`cachelab train --env cache`) live against a CacheManager:
 * every `every` operations (call `recordOperation()` after each get/set, or `tick()` yourself)
 * it reads the manager's metrics, builds the CacheEnv observation, and applies the greedy action
 * (no-op, evictLru, evictLowProbability, prefetch of the predictor's top guesses).
 * Live there is no shadow baseline cache: the baseline feature is fed the window's own hit rate.
 */
import type { CacheManager, CacheMetrics, RequestBatch } from '@cachelab/cache-core';
import { loadForward } from './dqn/checkpoint.js';
import type { QForward } from './dqn/forward.js';
import { cacheObservation, keyName, type CacheEnvAction, type NextRequestPredictor } from './env/cache-env.js';
import { ConfigError } from '@cachelab/cache-core';

export interface ControllerOptions {
  /** Entries the manager's backend holds (the utilization denominator). */
  capacity: number;
  /** Operations between two decisions. Default: the training window. */
  every?: number;
  /** Next-request predictor for the Markov features and actions (without one they read 0 and predictive actions do nothing). */
  predictor?: NextRequestPredictor;
}

export interface ControllerDecision {
  action: CacheEnvAction;
  observation: Float32Array;
  q: number[];
}

export class AgentController {
  readonly every: number;
  private operations = 0;
  private last: CacheMetrics | undefined;
  private readonly keys = new Uint32Array(8);
  private readonly probs = new Float64Array(8);
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
  }

  /** A controller for a checkpoint directory written by `cachelab train --env cache`. */
  static fromCheckpoint(dir: string, manager: CacheManager, options: ControllerOptions): AgentController {
    const { forward, meta } = loadForward(dir);
    if (meta.env.kind !== 'cache') throw new ConfigError('model', `${dir} was trained on the ${meta.env.kind} environment; the controller needs --env cache`);
    const settings = meta.env.settings as { actions: CacheEnvAction[]; window: number };
    return new AgentController(manager, forward, settings.actions, { every: settings.window, ...options });
  }

  /** Counts one cache operation; every `every` operations, decides and acts. */
  async recordOperation(): Promise<ControllerDecision | undefined> {
    if (++this.operations % this.every !== 0) return undefined;
    return this.tick();
  }

  /** Decides and applies one action now. */
  async tick(): Promise<ControllerDecision> {
    const after = await this.manager.getMetrics();
    const before = this.last ?? after;
    this.last = after;
    const reads = after.hits + after.misses - (before.hits + before.misses);
    const windowHitRate = reads > 0 ? (after.hits - before.hits) / reads : after.hitRate;
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
      accuracy: 0,
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

  /** Feed the predictor a request (same as CacheEnv does for every replayed request). */
  observeRequest(batch: RequestBatch, i: number): void {
    this.options.predictor?.updateBatch(batch, i);
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
