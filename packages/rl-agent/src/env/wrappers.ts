/**
 * Wrappers change one thing each about an environment (Gymnasium's design).
 */
import type { AsyncEnv, Env, ResetResult, StepResult } from './env.js';

/** Base: forwards everything. */
export class Wrapper implements Env {
  constructor(readonly env: Env) {}
  get actionSpace() {
    return this.env.actionSpace;
  }
  get observationSpace() {
    return this.env.observationSpace;
  }
  reset(options?: { seed?: number }): ResetResult {
    return this.env.reset(options);
  }
  step(action: number): StepResult {
    return this.env.step(action);
  }
}

/** Truncates an episode after `maxSteps` steps (`truncated: true`, unless it terminated on that step). */
export class TimeLimit extends Wrapper {
  private elapsed = 0;
  constructor(
    env: Env,
    readonly maxSteps: number,
  ) {
    super(env);
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`TimeLimit needs maxSteps >= 1, got ${maxSteps}`);
  }
  override reset(options?: { seed?: number }): ResetResult {
    this.elapsed = 0;
    return this.env.reset(options);
  }
  override step(action: number): StepResult {
    const result = this.env.step(action);
    this.elapsed++;
    if (!result.terminated && this.elapsed >= this.maxSteps) result.truncated = true;
    return result;
  }
}

/**
 * Adds `episode_return` and `episode_length` to the info of the step that ends an episode
 * (CleanRL's RecordEpisodeStatistics).
 */
export class RecordEpisodeStatistics extends Wrapper {
  private episodeReturn = 0;
  private episodeLength = 0;
  override reset(options?: { seed?: number }): ResetResult {
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return this.env.reset(options);
  }
  override step(action: number): StepResult {
    const result = this.env.step(action);
    this.episodeReturn += result.reward;
    this.episodeLength++;
    if (result.terminated || result.truncated) {
      result.info.episode_return = this.episodeReturn;
      result.info.episode_length = this.episodeLength;
    }
    return result;
  }
}

/** TimeLimit for an AsyncEnv. */
export class AsyncTimeLimit implements AsyncEnv {
  private elapsed = 0;
  constructor(
    readonly env: AsyncEnv,
    readonly maxSteps: number,
  ) {
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`TimeLimit needs maxSteps >= 1, got ${maxSteps}`);
  }
  get actionSpace() {
    return this.env.actionSpace;
  }
  get observationSpace() {
    return this.env.observationSpace;
  }
  reset(options?: { seed?: number }): Promise<ResetResult> {
    this.elapsed = 0;
    return this.env.reset(options);
  }
  async step(action: number): Promise<StepResult> {
    const result = await this.env.step(action);
    this.elapsed++;
    if (!result.terminated && this.elapsed >= this.maxSteps) result.truncated = true;
    return result;
  }
}
