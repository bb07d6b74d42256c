/**
 * The environment an eviction agent trains in: one EvictionEnv per (trace, capacity) member,
 * each optionally truncated by TimeLimit, and with several members a MixtureEnv that takes them
 * in turn, `segmentSteps` decisions at a time. Shared by `cachelab train` and experiment
 * training cells so both build exactly the same environment from the same settings.
 */
import type { RequestBatch } from '@cachelab/cache-core';
import type { Env } from './env.js';
import { EvictionEnv, type EvictionEnvOptions } from './eviction-env.js';
import { MixtureEnv } from './mixture-env.js';
import { TimeLimit } from './wrappers.js';

/** One training trace and the capacity (in the shared unit) its cache gets. */
export interface EvictionTrainingMember {
  batch: RequestBatch;
  capacity: number;
}

export interface EvictionTrainingOptions extends Omit<EvictionEnvOptions, 'capacity' | 'start' | 'end'> {
  /** Truncate each member's episodes after this many decisions (TimeLimit). Default: none. */
  maxEpisodeSteps?: number;
  /** Decisions per turn when there are several members (see MixtureEnv). Default: whole episodes. */
  segmentSteps?: number;
}

export interface EvictionTrainingEnv {
  env: Env;
  /** The first member's EvictionEnv (its `settings()` describe every member but the capacity). */
  first: EvictionEnv;
}

export function evictionTrainingEnv(members: readonly EvictionTrainingMember[], options: EvictionTrainingOptions = {}): EvictionTrainingEnv {
  if (members.length === 0) throw new RangeError('eviction training needs at least one (trace, capacity) member');
  const { maxEpisodeSteps, segmentSteps, ...envOptions } = options;
  if (segmentSteps !== undefined && members.length === 1) {
    throw new RangeError('segmentSteps applies only when training on several traces or sizes');
  }
  const bases = members.map(({ batch, capacity }) => new EvictionEnv(batch, { ...envOptions, capacity }));
  const wrapped: Env[] = bases.map((e) => (maxEpisodeSteps !== undefined ? new TimeLimit(e, maxEpisodeSteps) : e));
  const env = wrapped.length === 1 ? wrapped[0]! : new MixtureEnv(wrapped, segmentSteps !== undefined ? { segmentSteps } : {});
  return { env, first: bases[0]! };
}
