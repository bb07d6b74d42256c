/**
 * SLRU, segmented LRU (Karedla, Love & Wherry, "Caching strategies to improve disk system
 * performance", IEEE Computer 1994): a probationary LRU segment for objects seen once and a
 * protected LRU segment (a share of the capacity) for objects hit again. A hit in probation
 * promotes to protected; protected overflow is demoted to the head of probation; eviction takes
 * the LRU of probation (of protected when probation is empty).
 * Not libCacheSim's SLRU.c, which defaults to four equal segments, admits a new object into the
 * lowest segment with room (objects skip probation while the cache fills), bounds every segment,
 * probation included (in byte mode a cascade of demotions can evict on a hit), and refuses objects
 * larger than a segment. Here probation is whatever protected does not hold.
 * Parameters: protectedRatio (0.8).
 */
import type { PolicyInfo, PolicyOptions } from './policy.js';
import type { KeyList } from './internal/key-list.js';
import { SegmentedPolicy } from './internal/segmented-policy.js';
import { checkRange, readParams } from './internal/params.js';

export const slruParams = {
  protectedRatio: { default: 0.8, doc: 'share of the capacity for the protected segment' },
} as const;

const PROBATION = 1;
const PROTECTED = 2;

export class SlruPolicy extends SegmentedPolicy {
  private readonly probation: KeyList;
  private readonly protected_: KeyList;
  private readonly protectedCap: number;
  private protectedUsed = 0;

  constructor(options: PolicyOptions) {
    super('slru', options.capacity, options.keySpace);
    const p = readParams(this.name, slruParams, options.params);
    checkRange(this.name, 'protectedRatio', p.protectedRatio, 0, 1);
    this.protectedCap = Math.floor(this.capacity * p.protectedRatio);
    this.probation = this.newList();
    this.protected_ = this.newList();
  }

  lookup(key: number): boolean {
    const w = this.where[key];
    if (w === PROTECTED) {
      this.protected_.moveToHead(key);
      return true;
    }
    if (w !== PROBATION) return false;
    const size = this.size[key]!;
    this.probation.remove(key);
    this.protected_.pushHead(key);
    this.where[key] = PROTECTED;
    this.protectedUsed += size;
    // Demote protected overflow (never the object just promoted).
    while (this.protectedUsed > this.protectedCap && this.protected_.tail !== key) {
      const old = this.protected_.popTail();
      this.protectedUsed -= this.size[old]!;
      this.probation.pushHead(old);
      this.where[old] = PROBATION;
    }
    return true;
  }

  evict(): number {
    const fromProbation = this.probation.length > 0;
    const key = fromProbation ? this.probation.popTail() : this.protected_.popTail();
    if (!fromProbation) this.protectedUsed -= this.size[key]!;
    this.where[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
    return key;
  }

  insert(key: number, size: number): void {
    this.ensure(key);
    this.size[key] = size;
    this.probation.pushHead(key);
    this.where[key] = PROBATION;
    this.used += size;
    this.count++;
  }

  remove(key: number): boolean {
    const w = this.where[key];
    if (w === PROBATION) this.probation.remove(key);
    else if (w === PROTECTED) {
      this.protected_.remove(key);
      this.protectedUsed -= this.size[key]!;
    } else return false;
    this.where[key] = 0;
    this.used -= this.size[key]!;
    this.count--;
    return true;
  }

  has(key: number): boolean {
    const w = this.where[key];
    return w === PROBATION || w === PROTECTED;
  }

  verify(): void {
    const used = this.walkSegment(this.probation, PROBATION);
    const prot = this.walkSegment(this.protected_, PROTECTED);
    if (prot !== this.protectedUsed) throw new Error(`slru: protected holds ${prot}, counter ${this.protectedUsed}`);
    this.checkTotals(this.probation.length + this.protected_.length, used + prot);
  }
}

export const slruInfo: PolicyInfo = {
  name: 'slru',
  factory: (options) => new SlruPolicy(options),
  summary: 'Segmented LRU (Karedla et al. 1994): probation + protected LRU segments',
  params: slruParams,
};
