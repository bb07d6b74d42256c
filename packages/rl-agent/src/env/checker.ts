/**
 * Environment checker: the contract holds and the same seed gives the same trajectory.
 * Actions come from a seeded generator of the checker's own, so two runs are comparable.
 */
import seedrandom from 'seedrandom';
import type { AsyncEnv, Env, StepResult } from './env.js';

export interface CheckOptions {
  seed?: number;
  /** Steps per trajectory (an episode end resets and continues). Default 200. */
  steps?: number;
}

export interface Trajectory {
  observations: number[][];
  actions: number[];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
}

export class EnvCheckError extends Error {}

/** Records one trajectory: reset with `seed`, then random actions from a generator seeded with `seed`. */
export function rollout(env: Env, seed: number, steps: number): Trajectory {
  const rng = seedrandom(`checker-${seed}`);
  const t: Trajectory = { observations: [], actions: [], rewards: [], terminated: [], truncated: [] };
  let { observation } = env.reset({ seed });
  assertObservation(env, observation, 'reset');
  t.observations.push([...observation]);
  for (let i = 0; i < steps; i++) {
    const action = env.actionSpace.sample(rng);
    const r = env.step(action);
    if (recordStep(env, t, i, action, r)) {
      observation = env.reset().observation;
      assertObservation(env, observation, `reset after step ${i}`);
    } else observation = r.observation;
    t.observations.push([...observation]);
  }
  return t;
}

/** Checks step `i`'s answer and appends it to `t`; true when the episode ended there. */
function recordStep(env: Env | AsyncEnv, t: Trajectory, i: number, action: number, r: StepResult): boolean {
  assertObservation(env, r.observation, `step ${i}`);
  if (!Number.isFinite(r.reward)) throw new EnvCheckError(`step ${i}: reward ${r.reward} is not finite`);
  if (typeof r.terminated !== 'boolean' || typeof r.truncated !== 'boolean') {
    throw new EnvCheckError(`step ${i}: terminated and truncated must be booleans`);
  }
  t.actions.push(action);
  t.rewards.push(r.reward);
  t.terminated.push(r.terminated);
  t.truncated.push(r.truncated);
  return r.terminated || r.truncated;
}

function assertObservation(env: Env | AsyncEnv, observation: Float32Array, where: string): void {
  if (!(observation instanceof Float32Array)) throw new EnvCheckError(`${where}: observation is not a Float32Array`);
  if (!env.observationSpace.contains(observation)) {
    throw new EnvCheckError(
      `${where}: observation of length ${observation.length} is outside the observation space ` +
        `(size ${env.observationSpace.size}, bounds [${env.observationSpace.low}, ${env.observationSpace.high}])`,
    );
  }
}

/**
 * Runs two trajectories from fresh environments with the same seed and throws an
 * EnvCheckError at the first difference; also checks spaces, finiteness and flag types.
 * Returns the first trajectory.
 */
export function checkEnv(makeEnv: () => Env, options: CheckOptions = {}): Trajectory {
  const seed = options.seed ?? 0;
  const steps = options.steps ?? 200;
  const a = rollout(makeEnv(), seed, steps);
  const b = rollout(makeEnv(), seed, steps);
  compareTrajectories(a, b, seed, steps);
  return a;
}

/** rollout() for an AsyncEnv. */
export async function rolloutAsync(env: AsyncEnv, seed: number, steps: number): Promise<Trajectory> {
  const rng = seedrandom(`checker-${seed}`);
  const t: Trajectory = { observations: [], actions: [], rewards: [], terminated: [], truncated: [] };
  let { observation } = await env.reset({ seed });
  assertObservation(env, observation, 'reset');
  t.observations.push([...observation]);
  for (let i = 0; i < steps; i++) {
    const action = env.actionSpace.sample(rng);
    const r = await env.step(action);
    if (recordStep(env, t, i, action, r)) {
      observation = (await env.reset()).observation;
      assertObservation(env, observation, `reset after step ${i}`);
    } else observation = r.observation;
    t.observations.push([...observation]);
  }
  return t;
}

/** checkEnv() for an AsyncEnv. */
export async function checkEnvAsync(makeEnv: () => AsyncEnv, options: CheckOptions = {}): Promise<Trajectory> {
  const seed = options.seed ?? 0;
  const steps = options.steps ?? 200;
  const a = await rolloutAsync(makeEnv(), seed, steps);
  const b = await rolloutAsync(makeEnv(), seed, steps);
  compareTrajectories(a, b, seed, steps);
  return a;
}

function compareTrajectories(a: Trajectory, b: Trajectory, seed: number, steps: number): void {
  for (let i = 0; i < a.observations.length; i++) {
    const x = a.observations[i]!;
    const y = b.observations[i]!;
    if (x.length !== y.length || x.some((v, j) => !Object.is(v, y[j]))) {
      throw new EnvCheckError(`same seed ${seed}, different observation at step ${i}`);
    }
  }
  for (let i = 0; i < steps; i++) {
    if (a.rewards[i] !== b.rewards[i] || a.terminated[i] !== b.terminated[i] || a.truncated[i] !== b.truncated[i]) {
      throw new EnvCheckError(`same seed ${seed}, different reward or end flags at step ${i}`);
    }
  }
}
