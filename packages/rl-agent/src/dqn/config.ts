/**
 * Every DQN hyperparameter in one typed object, with its default and meaning (CleanRL's `Args`).
 * The CLI's `train` flags are derived from DQN_DEFAULTS and DQN_DOCS.
 */
import { CachelabError } from '@cachelab/cache-core';

export interface DqnConfig {
  /** Seed for network initialisation, replay sampling and exploration. */
  seed: number;
  /** Total environment steps to train for. */
  totalSteps: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Replay buffer capacity in transitions. */
  bufferSize: number;
  /** Discount factor γ. */
  gamma: number;
  /** Soft target update coefficient τ (1 = hard copy). */
  tau: number;
  /** Environment steps between target network updates. */
  targetUpdateInterval: number;
  /** Transitions per gradient step. */
  batchSize: number;
  /** Initial exploration ε. */
  startEpsilon: number;
  /** Final exploration ε. */
  endEpsilon: number;
  /** Fraction of totalSteps over which ε decays linearly from start to end. */
  explorationFraction: number;
  /**
   * Environment steps before the first gradient step. Actions follow the ε schedule from step 0
   * (CleanRL's learning_starts): random only as far as ε is 1, as it nearly is at the defaults.
   */
  learningStarts: number;
  /** Environment steps between gradient steps. */
  trainFrequency: number;
  /** Global-norm gradient clipping threshold. */
  maxGradNorm: number;
  /** Huber loss δ: quadratic below, linear above. */
  huberDelta: number;
  /** Hidden layer widths of the Q-network (ReLU). */
  hiddenLayers: number[];
  /** Double DQN: the online network picks the next action, the target network values it. */
  doubleDqn: boolean;
  /** Environment steps between checkpoints (0: only at the end). */
  checkpointInterval: number;
  /** Environment steps between `metrics.jsonl` records of the training charts. */
  logInterval: number;
}

export const DQN_DEFAULTS: Readonly<DqnConfig> = Object.freeze({
  seed: 1,
  totalSteps: 100_000,
  learningRate: 1e-3,
  bufferSize: 50_000,
  gamma: 0.9,
  tau: 1,
  targetUpdateInterval: 1_000,
  batchSize: 64,
  startEpsilon: 1,
  endEpsilon: 0.05,
  explorationFraction: 0.3,
  learningStarts: 1_000,
  trainFrequency: 4,
  maxGradNorm: 10,
  huberDelta: 1,
  hiddenLayers: [8],
  doubleDqn: true,
  checkpointInterval: 0,
  logInterval: 1_000,
});

/** One line per field, for `--help` and the README. */
export const DQN_DOCS: Readonly<Record<keyof DqnConfig, string>> = {
  seed: 'seed for network initialisation, replay sampling and exploration',
  totalSteps: 'total environment steps to train for',
  learningRate: 'Adam learning rate',
  bufferSize: 'replay buffer capacity (transitions)',
  gamma: 'discount factor',
  tau: 'target network update rate (1 = hard copy)',
  targetUpdateInterval: 'environment steps between target network updates',
  batchSize: 'transitions per gradient step',
  startEpsilon: 'initial exploration epsilon',
  endEpsilon: 'final exploration epsilon',
  explorationFraction: 'fraction of totalSteps over which epsilon decays linearly',
  learningStarts: 'environment steps before the first gradient step (actions follow the epsilon schedule meanwhile)',
  trainFrequency: 'environment steps between gradient steps',
  maxGradNorm: 'global-norm gradient clipping threshold',
  huberDelta: 'Huber loss delta',
  hiddenLayers: 'hidden layer widths of the Q-network, comma-separated',
  doubleDqn: 'Double DQN targets (online network picks, target network values)',
  checkpointInterval: 'environment steps between checkpoints (0: only at the end)',
  logInterval: 'environment steps between metrics.jsonl chart records',
};

/** A DQN setting out of range, or a resume whose settings or data differ from the checkpoint's. */
export class DqnConfigError extends CachelabError {
  constructor(message: string) {
    super('DQN_CONFIG', message);
  }
}

/** Defaults overlaid with `overrides`; throws DqnConfigError naming the first bad field. */
export function resolveDqnConfig(overrides: Partial<DqnConfig> = {}): DqnConfig {
  for (const key of Object.keys(overrides)) {
    if (!(key in DQN_DEFAULTS)) throw new DqnConfigError(`unknown DQN setting "${key}"; known: ${Object.keys(DQN_DEFAULTS).join(', ')}`);
  }
  const c: DqnConfig = { ...DQN_DEFAULTS, hiddenLayers: [...DQN_DEFAULTS.hiddenLayers], ...overrides };
  const positiveInt: (keyof DqnConfig)[] = ['totalSteps', 'bufferSize', 'targetUpdateInterval', 'batchSize', 'trainFrequency', 'logInterval'];
  for (const k of positiveInt) {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new DqnConfigError(`${k} must be a positive integer, got ${v}`);
  }
  const unit: (keyof DqnConfig)[] = ['gamma', 'tau', 'startEpsilon', 'endEpsilon', 'explorationFraction'];
  for (const k of unit) {
    const v = c[k] as number;
    if (!(v >= 0 && v <= 1)) throw new DqnConfigError(`${k} must be in [0, 1], got ${v}`);
  }
  if (!(c.tau > 0)) throw new DqnConfigError(`tau must be > 0, got ${c.tau}`);
  if (!(c.learningRate > 0)) throw new DqnConfigError(`learningRate must be > 0, got ${c.learningRate}`);
  if (!(c.maxGradNorm > 0)) throw new DqnConfigError(`maxGradNorm must be > 0, got ${c.maxGradNorm}`);
  if (!(c.huberDelta > 0)) throw new DqnConfigError(`huberDelta must be > 0, got ${c.huberDelta}`);
  if (!Number.isInteger(c.learningStarts) || c.learningStarts < 0) throw new DqnConfigError(`learningStarts must be an integer >= 0`);
  if (!Number.isInteger(c.checkpointInterval) || c.checkpointInterval < 0) throw new DqnConfigError(`checkpointInterval must be an integer >= 0`);
  if (!Number.isInteger(c.seed)) throw new DqnConfigError(`seed must be an integer, got ${c.seed}`);
  if (c.hiddenLayers.length === 0 || c.hiddenLayers.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new DqnConfigError(`hiddenLayers must be a non-empty list of positive integers, got [${c.hiddenLayers.join(',')}]`);
  }
  return c;
}

/**
 * ε at environment step `step`: linear from startEpsilon to endEpsilon over explorationFraction ×
 * totalSteps, then flat at endEpsilon (either way round: a rising schedule stops at endEpsilon too).
 */
export function epsilonAt(c: DqnConfig, step: number): number {
  const duration = c.explorationFraction * c.totalSteps;
  if (duration <= 0) return c.endEpsilon;
  const slope = (c.endEpsilon - c.startEpsilon) / duration;
  const low = Math.min(c.startEpsilon, c.endEpsilon);
  const high = Math.max(c.startEpsilon, c.endEpsilon);
  return Math.min(high, Math.max(slope * step + c.startEpsilon, low));
}
