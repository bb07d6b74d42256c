/**
 * The environment contract (Gymnasium's): `reset({ seed })` → `{ observation, info }`,
 * `step(action)` → `{ observation, reward, terminated, truncated, info }`.
 * `terminated`: the episode really ended (the trace ran out) — no bootstrapping past it.
 * `truncated`: it was cut short (a step limit) — the value of the next state still counts.
 * An environment owns its random generator, seeded by `reset({ seed })`.
 */
import type { Box, Discrete } from './spaces.js';

export type Info = Record<string, number>;

export interface ResetResult {
  observation: Float32Array;
  info: Info;
}

export interface StepResult {
  observation: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface Env {
  readonly actionSpace: Discrete;
  readonly observationSpace: Box;
  /** Starts an episode. With a seed, the environment's generator is re-seeded; without, it continues. */
  reset(options?: { seed?: number }): ResetResult;
  step(action: number): StepResult;
}

/** The same contract for environments whose steps wait on I/O (CacheEnv drives an async CacheManager). */
export interface AsyncEnv {
  readonly actionSpace: Discrete;
  readonly observationSpace: Box;
  reset(options?: { seed?: number }): Promise<ResetResult>;
  step(action: number): Promise<StepResult>;
}

/** Either kind; the training loop and the checker accept both. */
export type AnyEnv = Env | AsyncEnv;
