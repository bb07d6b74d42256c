/**
 * LeCaR, Learning Cache Replacement (Vietri et al., "Driving Cache Replacement with ML-based
 * LeCaR", HotStorage 2018): LRU and LFU experts, regret minimisation over their evictions.
 * Each eviction follows the expert drawn by weight (seeded through seedrandom); when both experts
 * name the same victim nothing is learned from it. Each expert's history (ghost list) holds the
 * newest half of the cache's capacity worth of its victims, as in the authors' reference code
 * (sylab/cacheus, lecar.py: history_size = cache_size // 2). A request for a key in an expert's
 * history lowers that expert's weight by exp(-learningRate × discount^age), discount = 0.005^(1/N)
 * with N the number of cached objects; the weights are renormalised and kept in [0.01, 0.99]. A key
 * re-admitted from either history resumes at its frequency at eviction + 1 (as lecar.py does).
 * Not as in lecar.py: LFU's victim among equally frequent keys is the oldest at that frequency
 * (libCacheSim's LFU), where lecar.py takes the lowest block number, an artefact of the trace's
 * numbering; and no random number is drawn when both experts agree (same distribution of choices).
 * Parameters: learningRate (0.45).
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import { KeyedPolicy } from './internal/base.js';
import { FreqBuckets } from './internal/freq-buckets.js';
import { KeyList, LinkStore } from './internal/key-list.js';
import { ExpertHistories, ExpertWeights } from './internal/learned-experts.js';
import { checkRange, readParams } from './internal/params.js';
import { SeededRandom } from './internal/random.js';

export const lecarParams = {
  learningRate: { default: 0.45, doc: 'learning rate of the expert weights' },
} as const;

export class LecarPolicy extends KeyedPolicy {
  private readonly lruLinks: LinkStore;
  private readonly lru: KeyList;
  private readonly lfu: FreqBuckets;
  private readonly history: ExpertHistories;
  private readonly weights: ExpertWeights;
  private readonly rng: SeededRandom;
  private time = 0;
  /** Frequency to resume at for the key of the current miss (1 unless found in a history). */
  private resumeKey = -1;
  private resumeFreq = 1;

  constructor(options: PolicyOptions) {
    super('lecar', options.capacity, options.keySpace);
    const p = readParams(this.name, lecarParams, options.params);
    checkRange(this.name, 'learningRate', p.learningRate, 0, 100);
    this.weights = new ExpertWeights(p.learningRate);
    this.lruLinks = new LinkStore(this.keyCap);
    this.lru = new KeyList(this.lruLinks);
    this.lfu = new FreqBuckets(this.keyCap);
    this.history = new ExpertHistories(this.keyCap, Math.floor(this.capacity / 2));
    this.rng = new SeededRandom(`lecar:${options.seed ?? 0}`);
  }

  /** Weight of the LRU expert (the LFU expert has 1 - this). */
  get lruWeight(): number {
    return this.weights.w0;
  }

  protected growKeys(n: number): void {
    this.lruLinks.grow(n);
    this.lfu.growKeys(n);
    this.history.growKeys(n);
  }

  protected ownBytes(): number {
    return this.lruLinks.bytes() + this.lfu.bytes() + this.history.bytes();
  }

  lookup(key: number): boolean {
    this.time++;
    if (this.lfu.has(key)) {
      this.lru.moveToHead(key);
      this.lfu.touch(key);
      return true;
    }
    this.resumeKey = key;
    this.resumeFreq = 1;
    const expert = this.history.expertOf(key);
    if (expert >= 0) {
      this.weights.penalise(expert, this.count, this.history.age(key, this.time));
      this.resumeFreq = this.history.memoOf(key) + 1;
      this.history.take(key);
    }
    return false;
  }

  evict(): number {
    const lruVictim = this.lru.tail;
    const lfuVictim = this.lfu.oldestOfMin();
    if (lruVictim === lfuVictim) {
      this.drop(lruVictim);
      return lruVictim;
    }
    const expert = this.weights.choose(this.rng);
    const victim = expert === 0 ? lruVictim : lfuVictim;
    const freq = this.lfu.frequency(victim);
    this.drop(victim);
    this.history.add(expert, victim, this.size[victim]!, this.time, freq);
    return victim;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    if (this.history.expertOf(key) >= 0) this.history.take(key); // admitted without a lookup (prefetch)
    this.size[key] = size;
    this.lru.pushHead(key);
    this.lfu.add(key, this.resumeKey === key ? this.resumeFreq : 1);
    this.resumeKey = -1;
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    if (!this.lfu.has(key)) return false;
    this.drop(key);
    return true;
  }

  has(key: number): boolean {
    return this.lfu.has(key);
  }

  private drop(key: number): void {
    this.lru.remove(key);
    this.lfu.delete(key);
    this.used -= this.size[key]!;
    this.count--;
  }

  verify(): void {
    let used = 0;
    this.lru.walk('lecar lru', (k) => {
      if (!this.lfu.has(k)) throw new Error(`lecar: key ${k} is in the LRU list but not in the LFU buckets`);
      used += this.size[k]!;
    });
    this.lfu.walk('lecar lfu', () => {});
    if (this.lfu.length !== this.lru.length) throw new Error('lecar: LRU and LFU hold different counts');
    this.history.verify('lecar');
    this.checkTotals(this.lru.length, used);
  }
}

export const lecarInfo: PolicyInfo = {
  name: 'lecar',
  factory: (options) => new LecarPolicy(options),
  summary: 'LeCaR (Vietri et al., HotStorage 2018): regret-weighted LRU and LFU experts',
  params: lecarParams,
};
