export * from './policy.js';
export * from './registry.js';
export * from './lru.js';
export * from './fifo.js';
export * from './clock.js';
export * from './lfu.js';
export * from './sieve.js';
export * from './arc.js';
export * from './s3fifo.js';
export * from './lirs.js';
export * from './wtinylfu.js';
export * from './slru.js';
export * from './two-q.js';
export * from './lecar.js';
export * from './cacheus.js';
export * from './random.js';
export * from './belady.js';
// The regret machinery of LeCaR and CACHEUS, public for policies built elsewhere (rl-agent's dqn-guard).
export { ExpertHistories, ExpertWeights } from './internal/learned-experts.js';
// Parameter and capacity checks with the zoo's error wording, public for policies built elsewhere (markov).
export { checkCapacity, checkInteger, checkRange, readParams } from './internal/params.js';
// Seeded, allocation-free draws (xorshift128 seeded by seedrandom), public for bootstrap loops elsewhere.
export { SeededRandom } from './internal/random.js';

import { arcInfo } from './arc.js';
import { beladyInfo } from './belady.js';
import { cacheusInfo } from './cacheus.js';
import { clockInfo } from './clock.js';
import { fifoInfo } from './fifo.js';
import { lecarInfo } from './lecar.js';
import { lfuInfo } from './lfu.js';
import { lirsInfo } from './lirs.js';
import { lruInfo } from './lru.js';
import { randomInfo } from './random.js';
import { registerPolicy } from './registry.js';
import { s3fifoInfo } from './s3fifo.js';
import { sieveInfo } from './sieve.js';
import { slruInfo } from './slru.js';
import { twoQInfo } from './two-q.js';
import { wtinylfuInfo } from './wtinylfu.js';

/** Every built-in policy, in the order `cachelab` lists them. Adding a policy: one file + one entry here. */
export const builtinPolicies = [
  lruInfo,
  fifoInfo,
  clockInfo,
  lfuInfo,
  sieveInfo,
  arcInfo,
  s3fifoInfo,
  lirsInfo,
  wtinylfuInfo,
  slruInfo,
  twoQInfo,
  lecarInfo,
  cacheusInfo,
  randomInfo,
  beladyInfo,
] as const;

for (const info of builtinPolicies) registerPolicy(info);
