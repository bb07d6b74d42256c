/**
 * The prefetch predictors (@cachelab/markov) and the DQN agent (@cachelab/rl-agent) are loaded on
 * demand: replay-only runs never pay for TensorFlow, and a build whose package lacks an API
 * reports the cell as unsupported instead of failing to start. The markov specifier is a
 * variable so that the type checker does not tie the CLI to an API it only probes.
 */
import type { Prefetcher } from '@cachelab/cache-core';

async function importOptional(specifier: string): Promise<Record<string, unknown> | null> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if (process.env.CACHELAB_DEBUG === '1') process.stderr.write(`cannot import ${specifier}: ${String(error)}\n`);
    return null;
  }
}

export interface PrefetcherRequest {
  predictor: string;
  degree: number;
  seed: number;
  keySpace: number;
  params?: Record<string, number | string | boolean>;
}

type PrefetcherFactory = (request: PrefetcherRequest) => Prefetcher;

/** `createPrefetcher(name, options)` from @cachelab/markov, or null when it does not export one. */
export async function prefetcherFactory(): Promise<PrefetcherFactory | null> {
  const markov = await importOptional('@cachelab/' + 'markov');
  const create = markov?.createPrefetcher;
  if (typeof create !== 'function') return null;
  return (request) =>
    (create as (name: string, options: Omit<PrefetcherRequest, 'predictor'>) => Prefetcher)(request.predictor, {
      degree: request.degree,
      seed: request.seed,
      keySpace: request.keySpace,
      ...(request.params ? { params: request.params } : {}),
    });
}

/** The TF backend @cachelab/rl-agent picks, or null when the package cannot be imported. */
export async function tfBackendName(): Promise<string | null> {
  const agent = await importRlAgent();
  if (!agent) return null;
  try {
    return (await agent.initBackend()).name;
  } catch (error) {
    return `unavailable: ${(error as Error).message}`;
  }
}

export type RlAgent = typeof import('@cachelab/rl-agent');

/** @cachelab/rl-agent (importing it also registers the `dqn:DIR` policy resolver), or null. */
export async function importRlAgent(): Promise<RlAgent | null> {
  try {
    return await import('@cachelab/rl-agent');
  } catch (error) {
    if (process.env.CACHELAB_DEBUG === '1') process.stderr.write(`cannot import @cachelab/rl-agent: ${String(error)}\n`);
    return null;
  }
}
