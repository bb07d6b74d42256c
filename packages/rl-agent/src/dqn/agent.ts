/**
 * The DQN learner: online and target Q-networks, Adam, Double-DQN targets, Huber loss,
 * global-norm gradient clipping. Every tensor operation of a step runs inside tf.tidy, so the
 * number of live tensors stays flat however long training runs. Acting (ε-greedy) uses the pure
 * TypeScript forward pass, refreshed from the online network after every gradient step.
 */
import * as tf from '@tensorflow/tfjs';
import type { PRNG } from 'seedrandom';
import type { DqnConfig } from './config.js';
import { QForward, type DenseWeights } from './forward.js';
import { batchShape, buildQNetwork, type QNetworkSpec } from './network.js';
import type { ReplayBatch } from './replay-buffer.js';

/** Adam's state (see `DqnAgent.optimizerState`). */
export interface OptimizerState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  moments: { shape: number[]; values: Float32Array }[];
}

/** tfjs's AdamOptimizer keeps β₁ᵗ and β₂ᵗ in these (protected) variables. */
interface AdamAccumulators {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

export interface UpdateStats {
  tdLoss: number;
  qValues: number;
  gradNorm: number;
}

export class DqnAgent {
  readonly online: tf.Sequential;
  readonly target: tf.Sequential;
  readonly forward: QForward;
  private readonly optimizer: tf.AdamOptimizer;

  constructor(
    readonly spec: QNetworkSpec,
    readonly config: DqnConfig,
  ) {
    this.online = buildQNetwork(spec, config.seed);
    this.target = buildQNetwork(spec, config.seed);
    this.target.setWeights(this.online.getWeights());
    this.optimizer = tf.train.adam(config.learningRate);
    this.forward = new QForward(spec, readDenseWeights(this.online));
  }

  /** ε-greedy: a random action with probability ε, else the greedy one. */
  act(obs: Float32Array, epsilon: number, rng: PRNG): number {
    if (rng() < epsilon) return Math.floor(rng() * this.spec.actions);
    return this.forward.argmax(obs);
  }

  /** One gradient step on `batch`. */
  update(batch: ReplayBatch): UpdateStats {
    const { gamma, doubleDqn, huberDelta, maxGradNorm } = this.config;
    const n = batch.size;
    const actions = this.spec.actions;
    const stats = tf.tidy(() => {
      const obs = tf.tensor(batch.obs, batchShape(this.spec, n));
      const nextObs = tf.tensor(batch.nextObs, batchShape(this.spec, n));
      const actionMask = tf.oneHot(tf.tensor1d(batch.actions, 'int32'), actions);
      const rewards = tf.tensor1d(batch.rewards);
      const notDone = tf.sub(1, tf.tensor1d(batch.dones));

      // y = r + γ (1 − terminated) Q_target(s', a*), a* from the online net (Double DQN) or the target net.
      const nextTarget = this.target.apply(nextObs) as tf.Tensor2D;
      const nextValue = doubleDqn
        ? tf.sum(tf.mul(nextTarget, tf.oneHot(tf.argMax(this.online.apply(nextObs) as tf.Tensor2D, 1), actions)), 1)
        : tf.max(nextTarget, 1);
      const y = tf.add(rewards, tf.mul(gamma, tf.mul(notDone, nextValue)));

      let qMean: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const q = tf.sum(tf.mul(this.online.apply(obs, { training: true }) as tf.Tensor2D, actionMask), 1);
        qMean = tf.keep(tf.mean(q)) as tf.Scalar;
        return tf.losses.huberLoss(y, q, undefined, huberDelta) as tf.Scalar;
      });
      const norm = globalNorm(Object.values(grads));
      const scale = tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6)));
      const clipped = Object.entries(grads).map(([name, g]) => ({ name, tensor: tf.mul(g, scale) }));
      this.optimizer.applyGradients(clipped);
      const out = tf.stack([value, qMean!, norm]).dataSync();
      qMean!.dispose(); // kept out of variableGrads' scope, so tidy does not own it
      return { tdLoss: out[0]!, qValues: out[1]!, gradNorm: out[2]! };
    });
    this.refreshForward();
    return stats;
  }

  /** target ← τ·online + (1 − τ)·target. */
  updateTarget(tau: number): void {
    const src = this.online.getWeights();
    const dst = this.target.getWeights();
    if (tau >= 1) {
      this.target.setWeights(src);
      return;
    }
    const mixed = tf.tidy(() => src.map((w, i) => tf.add(tf.mul(tau, w), tf.mul(1 - tau, dst[i]!))));
    this.target.setWeights(mixed);
    tf.dispose(mixed);
  }

  /** Copies the online weights into the pure-TS forward pass. */
  refreshForward(): void {
    const fresh = readDenseWeights(this.online);
    this.forward.layers.forEach((layer, i) => {
      layer.kernel.set(fresh[i]!.kernel);
      layer.bias.set(fresh[i]!.bias);
    });
    this.forward.reload();
  }

  /**
   * Adam's state: its step count, the running β₁ᵗ and β₂ᵗ (saved as they are: tfjs recomputes them
   * with pow() on setWeights, which can differ in the last bit from the running product) and the
   * first and second moments of every variable, in gradient order.
   */
  async optimizerState(): Promise<OptimizerState> {
    const named = await this.optimizer.getWeights();
    const moments = named.slice(1).map(({ tensor }) => ({ shape: tensor.shape.slice(), values: new Float32Array(tensor.dataSync()) }));
    tf.dispose(named[0]!.tensor); // the iteration scalar saveIterations made
    const accumulators = this.optimizer as unknown as AdamAccumulators;
    return {
      iterations: this.optimizer.iterations,
      accBeta1: accumulators.accBeta1.dataSync()[0]!,
      accBeta2: accumulators.accBeta2.dataSync()[0]!,
      moments,
    };
  }

  /** Puts back what `optimizerState` returned (same network architecture). */
  async restoreOptimizer(state: OptimizerState): Promise<void> {
    const names = ['iter', ...state.moments.map((_, i) => `moment${i}`)];
    const tensors = [tf.scalar(state.iterations, 'int32'), ...state.moments.map((m) => tf.tensor(m.values, m.shape))];
    // setWeights keeps the moment tensors (as variables); only the iteration scalar is ours to free.
    await this.optimizer.setWeights(tensors.map((tensor, i) => ({ name: names[i]!, tensor })));
    tf.dispose(tensors);
    const accumulators = this.optimizer as unknown as AdamAccumulators;
    tf.tidy(() => {
      accumulators.accBeta1.assign(tf.scalar(state.accBeta1));
      accumulators.accBeta2.assign(tf.scalar(state.accBeta2));
    });
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }
}

function globalNorm(tensors: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))) as tf.Scalar;
}

/** Reads every dense layer's kernel and bias (reshape layers carry no weights). */
export function readDenseWeights(model: tf.LayersModel): DenseWeights[] {
  const layers: DenseWeights[] = [];
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const [kernel, bias] = weights as [tf.Tensor, tf.Tensor];
    const [inputs, units] = kernel.shape as [number, number];
    layers.push({ kernel: new Float32Array(kernel.dataSync()), bias: new Float32Array(bias.dataSync()), inputs, units });
  }
  return layers;
}
