/**
 * `markov` eviction policy: evicts the cached key least likely to be requested within the next
 * `horizon` requests, by MarkovPredictor.accessProbability (Markov next-request probability for
 * the first step, decayed popularity for the rest). The policy learns every demand request it
 * sees through `lookup` (the global stream: the policy interface carries no session), not the
 * lookups that only admit a prefetch.
 * Candidates: every resident key when at most `sample` are resident, otherwise a window of
 * `sample` residents that rotates through the dense resident list (deterministic, no RNG).
 * Ties go to the least recently used. Registered as `markov` when @cachelab/markov is imported.
 */
import { ABSENT, checkCapacity, checkInteger, checkRange, ConfigError, readParams, type EvictionPolicy, type PolicyInfo, type PolicyOptions } from '@cachelab/cache-core';
import { MarkovPredictor } from './predictor.js';

export const markovPolicyParams = {
  order: { default: 1, doc: 'context length of the predictor (1 = first order)' },
  horizon: { default: 0, doc: 'requests ahead the access probability looks; 0 = the number of resident objects' },
  sample: { default: 64, doc: 'residents scored per eviction (all when fewer are resident)' },
  halfLife: { default: 0, doc: 'half-life of the counts in requests; 0 = no decay' },
  maxStates: { default: 65_536, doc: 'cap on predictor states' },
  maxSuccessors: { default: 8, doc: 'cap on successors per state' },
} as const;

/** The policy's own parameters, checked with cache-core's wording (`markov.sample: …`, as `lru.x: …`). */
function readMarkovParams(raw: PolicyOptions['params']) {
  const p = readParams('markov', markovPolicyParams, raw);
  checkInteger('markov', 'horizon', p.horizon, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('markov', 'sample', p.sample, 1, 1 << 20);
  checkRange('markov', 'halfLife', p.halfLife, 0, Number.MAX_VALUE);
  return p;
}

/** The predictor checks its own options (order, maxStates, maxSuccessors); its errors are renamed as this policy's parameters. */
function createPredictor(p: ReturnType<typeof readMarkovParams>): MarkovPredictor {
  try {
    return new MarkovPredictor({ order: p.order, maxStates: p.maxStates, maxSuccessors: p.maxSuccessors, halfLife: p.halfLife > 0 ? p.halfLife : Infinity });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`markov.${error.field}`, error.detail);
    throw error;
  }
}

export class MarkovPolicy implements EvictionPolicy {
  readonly name = 'markov';
  readonly capacity: number;
  used = 0;
  readonly predictor: MarkovPredictor;
  private readonly horizon: number;
  private readonly sample: number;
  /** Dense list of resident keys; position of each key in it (-1 = not resident). */
  private residents: Uint32Array;
  private position: Int32Array;
  private sizeOf: Float64Array;
  private lastUse: Float64Array;
  private residentCount = 0;
  private clock = 0;
  private cursor = 0;
  private readonly window: Uint32Array;
  private readonly scores: Float64Array;

  constructor(options: PolicyOptions) {
    const p = readMarkovParams(options.params);
    checkCapacity('markov', options.capacity);
    this.capacity = options.capacity;
    this.predictor = createPredictor(p);
    this.horizon = p.horizon;
    this.sample = p.sample;
    const keys = Math.max(16, options.keySpace ?? 1024);
    this.residents = new Uint32Array(keys);
    this.position = new Int32Array(keys).fill(-1);
    this.sizeOf = new Float64Array(keys);
    this.lastUse = new Float64Array(keys);
    this.window = new Uint32Array(this.sample);
    this.scores = new Float64Array(this.sample);
  }

  get count(): number {
    return this.residentCount;
  }

  lookup(key: number, _size?: number, _nextAccess?: number, prefetch = false): boolean {
    // A prefetch admission is not a request: learning it would teach the model its own guesses.
    if (!prefetch) this.predictor.observe(key, ABSENT);
    this.clock++;
    if (!this.has(key)) return false;
    this.lastUse[key] = this.clock;
    return true;
  }

  evict(): number {
    const n = this.residentCount;
    const m = Math.min(n, this.sample);
    const start = n <= this.sample ? 0 : this.cursor % n;
    for (let j = 0; j < m; j++) this.window[j] = this.residents[(start + j) % n]!;
    this.cursor = start + m;
    const horizon = this.horizon > 0 ? this.horizon : Math.max(1, n);
    const scores = this.scores;
    this.predictor.predictAllInto(this.window, horizon, ABSENT, scores, m);
    let victim = this.window[0]!;
    let best = scores[0]!;
    for (let j = 1; j < m; j++) {
      const key = this.window[j]!;
      const score = scores[j]!;
      if (score < best || (score === best && this.lastUse[key]! < this.lastUse[victim]!)) {
        victim = key;
        best = score;
      }
    }
    this.remove(victim);
    return victim;
  }

  insert(key: number, size: number): void {
    if (key >= this.position.length) this.grow(key);
    this.position[key] = this.residentCount;
    this.residents[this.residentCount++] = key;
    this.sizeOf[key] = size;
    this.lastUse[key] = this.clock;
    this.used += size;
  }

  remove(key: number): boolean {
    if (!this.has(key)) return false;
    const at = this.position[key]!;
    const last = this.residents[--this.residentCount]!;
    this.residents[at] = last;
    this.position[last] = at;
    this.position[key] = -1;
    this.used -= this.sizeOf[key]!;
    return true;
  }

  has(key: number): boolean {
    return key < this.position.length && this.position[key]! >= 0;
  }

  verify(): void {
    let used = 0;
    for (let j = 0; j < this.residentCount; j++) {
      const key = this.residents[j]!;
      if (this.position[key] !== j) throw new Error(`markov: resident ${key} at ${j} has position ${this.position[key]}`);
      used += this.sizeOf[key]!;
    }
    let marked = 0;
    for (let key = 0; key < this.position.length; key++) if (this.position[key]! >= 0) marked++;
    if (marked !== this.residentCount) throw new Error(`markov: ${marked} keys marked resident, list holds ${this.residentCount}`);
    if (Math.abs(used - this.used) > 1e-6) throw new Error(`markov: sizes sum to ${used}, used is ${this.used}`);
    if (this.used > this.capacity) throw new Error(`markov: used ${this.used} exceeds capacity ${this.capacity}`);
    this.predictor.verify();
  }

  private grow(key: number): void {
    const n = Math.max(key + 1, this.position.length * 2);
    const residents = new Uint32Array(n);
    residents.set(this.residents);
    this.residents = residents;
    const position = new Int32Array(n).fill(-1);
    position.set(this.position);
    this.position = position;
    const sizeOf = new Float64Array(n);
    sizeOf.set(this.sizeOf);
    this.sizeOf = sizeOf;
    const lastUse = new Float64Array(n);
    lastUse.set(this.lastUse);
    this.lastUse = lastUse;
  }
}

export const markovPolicyInfo: PolicyInfo = {
  name: 'markov',
  factory: (options) => new MarkovPolicy(options),
  summary: 'Evict the resident key with the lowest Markov access probability within a horizon (@cachelab/markov)',
  params: markovPolicyParams,
};
