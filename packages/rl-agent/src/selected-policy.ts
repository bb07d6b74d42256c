/**
 * `dqn-select:DIR1+DIR2+…`: several trained eviction models (say, one specialist per kind of
 * workload) and LRU, with the cache following whichever of them is doing best on the recent
 * requests. A single model trained on a mixture of workloads has to tell from its candidate rows
 * which workload it is in; specialists need not, and an online selector picks among them.
 *
 * Every expert (LRU first, then the models in the order given) runs its own shadow cache of the
 * same capacity over the same requests: the shadow is what the cache would hold had that expert
 * decided every eviction. Each shadow keeps an exponential moving average of its misses with a
 * time constant of SELECT_DEFAULTS.horizonFactor × (objects resident in the real cache) requests.
 * Before each request is served, the expert with the lowest average (ties: the earlier one, so LRU
 * until a model is ahead) becomes the leader, and the real cache's next evictions are its
 * decisions, made on the real cache's own candidates. This is adaptive caching by simulated
 * experts (ACME, Ari et al. 2002), with learned experts; the shadows make it cost about one
 * `dqn:DIR` replay per expert.
 *
 * All models must have been trained with the same candidate count and feature options, since
 * the real cache writes one kind of candidate row. Nothing is tuned per trace: the time constant
 * is fixed, and `dqn-select:` takes no parameters. Every lookup the simulator makes counts in the
 * shadows, so with prefetching a prefetch admission is a request to them too.
 */
import { admitAfterMiss, checkCapacity, ConfigError, registerPolicyResolver, type EvictionPolicy, type PolicyOptions } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';
import { CandidateCache, type VictimChooser } from './env/candidate-cache.js';
import { resolveFeatureOptions } from './env/features.js';
import { markovAccessScorer } from './env/markov-scorer.js';
import { learnedChooser, loadEvictionModel, type EvictionModel, type LearnedEnvOptions } from './learned-policy.js';
import { DQN_SELECT_POLICY_PREFIX, splitModelList } from './policy-names.js';

export const SELECT_DEFAULTS = Object.freeze({
  /** Time constant of the shadows' miss averages, in resident counts of the real cache. */
  horizonFactor: 8,
});

/** Expert 0 of every selector: the LRU tail (the first candidate CandidateCache samples). */
export const SELECT_EXPERT_LRU = 0;

const lruChooser: VictimChooser = (cache) => {
  cache.sampleCandidates();
  return cache.candidates[0]!;
};

interface SelectorSettings extends LearnedEnvOptions {
  candidates: number;
  markovScorer: boolean;
}

export class SelectedPolicy implements EvictionPolicy {
  readonly name: string;
  readonly capacity: number;
  /** Requests each expert led (index 0: LRU, then the models in order). */
  readonly leadRequests: Float64Array;
  /** Each expert's moving-average miss ratio over the recent requests. */
  readonly recentMissRatio: Float64Array;
  private readonly shadows: CandidateCache[];
  private readonly choosers: VictimChooser[];
  private readonly real: CandidateCache;
  private leader = SELECT_EXPERT_LRU;

  constructor(name: string, models: readonly EvictionModel[], options: PolicyOptions) {
    if (models.length === 0) throw new ConfigError('policy', `${name}: needs at least one model directory`);
    const settings = sharedSettings(name, models);
    this.name = name;
    this.capacity = options.capacity;
    this.choosers = [lruChooser, ...models.map((m) => learnedChooser(m.forward))];
    const seed = options.seed ?? 0;
    const cache = (label: string, chooser: VictimChooser) =>
      new CandidateCache(
        {
          name: `${name} (${label})`,
          capacity: options.capacity,
          candidates: settings.candidates,
          ...(options.keySpace !== undefined ? { keySpace: options.keySpace } : {}),
          rng: seedrandom(`${DQN_SELECT_POLICY_PREFIX}-${label}-${seed}`),
          recentCandidates: settings.recentCandidates ?? 0,
          ...resolveFeatureOptions(settings),
          ...(settings.markovScorer ? { scorer: markovAccessScorer() } : {}),
        },
        chooser,
      );
    this.shadows = this.choosers.map((chooser, e) => cache(`shadow ${e}`, chooser));
    this.real = cache('real', (c, key, size) => this.choosers[this.leader]!(c, key, size));
    this.leadRequests = new Float64Array(this.choosers.length);
    this.recentMissRatio = new Float64Array(this.choosers.length);
  }

  get used(): number {
    return this.real.used;
  }

  get count(): number {
    return this.real.count;
  }

  /** The expert deciding evictions now (0: LRU, i: the i-th model). */
  get currentLeader(): number {
    return this.leader;
  }

  lookup(key: number, size: number, nextAccess: number, prefetch = false): boolean {
    const rate = 1 / (SELECT_DEFAULTS.horizonFactor * Math.max(this.real.count, 1));
    const averages = this.recentMissRatio;
    for (let e = 0; e < this.shadows.length; e++) {
      const shadow = this.shadows[e]!;
      const hit = shadow.lookup(key, size, nextAccess, prefetch);
      if (!hit) admitAfterMiss(shadow, key, size, nextAccess);
      averages[e] = averages[e]! + rate * ((hit ? 0 : 1) - averages[e]!);
    }
    let best = 0;
    for (let e = 1; e < averages.length; e++) if (averages[e]! < averages[best]!) best = e;
    this.leader = best;
    this.leadRequests[best]!++;
    return this.real.lookup(key, size, nextAccess, prefetch);
  }

  evict(incomingKey: number, incomingSize: number): number {
    return this.real.evict(incomingKey, incomingSize);
  }

  insert(key: number, size: number, nextAccess: number): void {
    this.real.insert(key, size, nextAccess);
  }

  remove(key: number): boolean {
    for (const shadow of this.shadows) shadow.remove(key);
    return this.real.remove(key);
  }

  has(key: number): boolean {
    return this.real.has(key);
  }

  verify(): void {
    this.real.verify();
    for (const shadow of this.shadows) shadow.verify();
  }
}

/** The candidate settings every model shares; a ConfigError naming the first model that differs. */
function sharedSettings(name: string, models: readonly EvictionModel[]): SelectorSettings {
  const describe = (m: EvictionModel): SelectorSettings => ({
    candidates: m.forward.spec.actions,
    recentCandidates: m.envOptions.recentCandidates ?? 0,
    ...resolveFeatureOptions(m.envOptions),
    markovScorer: m.markovScorer,
  });
  const first = describe(models[0]!);
  models.forEach((m, i) => {
    const these = describe(m);
    if (JSON.stringify(these) !== JSON.stringify(first)) {
      throw new ConfigError(
        'policy',
        `${name}: model ${i + 1} was trained with candidate settings ${JSON.stringify(these)}, model 1 with ${JSON.stringify(first)}; every model must share them`,
      );
    }
  });
  return first;
}

/** Builds `dqn-select:DIR1+DIR2+…` (checkpoint directories joined by `+`, so the name fits in comma-separated policy lists). */
export function createSelectedPolicy(spec: string, options: PolicyOptions): SelectedPolicy {
  const name = `${DQN_SELECT_POLICY_PREFIX}:${spec}`;
  if (options.params && Object.keys(options.params).length > 0) {
    throw new ConfigError('params', `${name} takes no parameters (got ${Object.keys(options.params).join(', ')})`);
  }
  checkCapacity(name, options.capacity);
  return new SelectedPolicy(name, splitModelList(spec).map(loadEvictionModel), options);
}

let registered = false;

/** Registers the `dqn-select:DIR1+DIR2+…` resolver (idempotent; done when the package is imported). */
export function registerSelectedPolicy(): void {
  if (registered) return;
  registered = true;
  registerPolicyResolver(
    DQN_SELECT_POLICY_PREFIX,
    createSelectedPolicy,
    'several learned eviction models (`dqn-select:DIR1+DIR2+…`) and LRU; the cache follows the one whose shadow cache misses least recently',
  );
}
