/**
 * MixtureEnv: several environments with the same spaces (e.g. EvictionEnvs over different traces
 * and cache sizes) taken in turn, so that one agent learns from all of them.
 *
 * Each turn ("segment") plays up to `segmentSteps` steps of one member and then ends with
 * `truncated: true` (the member's next state still counts: the trace goes on). The next
 * `reset()` moves to the next member, round-robin, and continues it where its previous segment
 * stopped; a member is reset only before its first segment and after it terminated (its trace ran
 * out, or a wrapper of its own truncated it), with the seed given to that `reset()`. So a long trace is not replayed from its start
 * every turn, and every member contributes about the same number of decisions.
 *
 * With `segmentSteps` = Infinity a segment is the member's whole episode (plain round-robin).
 * `info.member` names the member (its index) a step came from.
 */
import type { Env, Info, ResetResult, StepResult } from './env.js';
import type { Box, Discrete } from './spaces.js';

export interface MixtureEnvOptions {
  /** Steps per turn before the mixture moves to the next member. Default Infinity (whole episodes). */
  segmentSteps?: number;
}

export class MixtureEnv implements Env {
  readonly actionSpace: Discrete;
  readonly observationSpace: Box;
  readonly segmentSteps: number;
  /** The member of the current segment (−1 before the first reset). */
  current = -1;
  private elapsed = 0;
  /** Per member: the observation and info to continue from, or null when it must be reset. */
  private readonly resume: ({ observation: Float32Array; info: Info } | null)[];

  constructor(
    readonly members: readonly Env[],
    options: MixtureEnvOptions = {},
  ) {
    if (members.length === 0) throw new RangeError('MixtureEnv needs at least one environment');
    const first = members[0]!;
    for (const [i, m] of members.entries()) {
      if (m.actionSpace.n !== first.actionSpace.n || m.observationSpace.shape.join('x') !== first.observationSpace.shape.join('x')) {
        throw new RangeError(
          `MixtureEnv member ${i} has spaces Discrete(${m.actionSpace.n}) × [${m.observationSpace.shape.join(', ')}], ` +
            `member 0 has Discrete(${first.actionSpace.n}) × [${first.observationSpace.shape.join(', ')}]`,
        );
      }
    }
    this.actionSpace = first.actionSpace;
    this.observationSpace = first.observationSpace;
    this.segmentSteps = options.segmentSteps ?? Infinity;
    if (!(this.segmentSteps === Infinity || (Number.isInteger(this.segmentSteps) && this.segmentSteps >= 1))) {
      throw new RangeError(`segmentSteps must be a positive integer or Infinity, got ${this.segmentSteps}`);
    }
    this.resume = members.map(() => null);
  }

  /** Starts the next segment: the next member, continued, or reset with `seed` when it has to start over. */
  reset(options: { seed?: number } = {}): ResetResult {
    this.current = (this.current + 1) % this.members.length;
    this.elapsed = 0;
    const saved = this.resume[this.current];
    const start = saved ?? this.members[this.current]!.reset(options);
    this.resume[this.current] = null;
    return { observation: start.observation, info: { ...start.info, member: this.current } };
  }

  step(action: number): StepResult {
    if (this.current < 0) throw new Error('step() before reset()');
    const result = this.members[this.current]!.step(action);
    this.elapsed++;
    // Where the member goes on: after the mixture cut its segment it is continued; after its own
    // episode ended (terminated, or truncated by a wrapper of its own), it is reset.
    const ended = result.terminated || result.truncated;
    this.resume[this.current] = ended ? null : { observation: result.observation, info: result.info };
    if (!result.terminated && this.elapsed >= this.segmentSteps) result.truncated = true;
    result.info = { ...result.info, member: this.current };
    return result;
  }
}
