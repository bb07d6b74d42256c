/**
 * A toy environment whose optimal policy is known: a chain of `length` cells, start at cell 0,
 * action 1 moves right, action 0 moves left (or stays at 0). Reaching the last cell gives +1 and
 * terminates; every other step costs −0.01; after `limit` steps the episode is truncated.
 * Optimal: always move right, return 1 − 0.01·(length − 2) (e.g. 0.97 for length 5).
 * The observation is the one-hot cell. The start cell is random in the first half (seeded) so
 * that the environment's generator matters to the checker.
 */
import seedrandom from 'seedrandom';
import type { Env, ResetResult, StepResult } from '../../src/env/env.js';
import { Box, Discrete } from '../../src/env/spaces.js';

export class ChainEnv implements Env {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace: Box;
  private rng = seedrandom('0');
  private cell = 0;
  private steps = 0;

  constructor(
    readonly length = 5,
    readonly limit = 20,
    readonly randomStart = false,
  ) {
    this.observationSpace = new Box(0, 1, [length]);
  }

  reset(options: { seed?: number } = {}): ResetResult {
    if (options.seed !== undefined) this.rng = seedrandom(String(options.seed));
    this.cell = this.randomStart ? Math.floor(this.rng() * Math.floor(this.length / 2)) : 0;
    this.steps = 0;
    return { observation: this.observe(), info: {} };
  }

  step(action: number): StepResult {
    this.cell = action === 1 ? this.cell + 1 : Math.max(0, this.cell - 1);
    this.steps++;
    const terminated = this.cell === this.length - 1;
    const truncated = !terminated && this.steps >= this.limit;
    return { observation: this.observe(), reward: terminated ? 1 : -0.01, terminated, truncated, info: {} };
  }

  private observe(): Float32Array {
    const o = new Float32Array(this.length);
    o[this.cell] = 1;
    return o;
  }
}

/** Greedy return of `act` from the start cell. */
export function greedyReturn(env: ChainEnv, act: (obs: Float32Array) => number): number {
  let { observation } = env.reset({ seed: 0 });
  let total = 0;
  for (;;) {
    const r = env.step(act(observation));
    total += r.reward;
    observation = r.observation;
    if (r.terminated || r.truncated) return total;
  }
}
