/**
 * The Q-network: an MLP. Two layouts share one description (QNetworkSpec):
 * - `flat`: the observation is one vector of `features` numbers → Q-values for `actions` actions.
 * - `per-action`: the observation is `actions` rows of `features` numbers (one row per action,
 *   e.g. one per eviction candidate); the same MLP scores every row, giving that action's Q-value.
 *   Weight sharing makes the network indifferent to the order of candidates and small enough for
 *   a microsecond forward pass.
 */
import * as tf from '@tensorflow/tfjs';

export type QLayout = 'flat' | 'per-action';

export interface QNetworkSpec {
  layout: QLayout;
  /** Numbers per row: the whole observation (flat) or one action's features (per-action). */
  features: number;
  actions: number;
  hiddenLayers: number[];
}

export function observationSize(spec: QNetworkSpec): number {
  return spec.layout === 'flat' ? spec.features : spec.features * spec.actions;
}

/** Builds the Q-network with seeded Glorot-uniform initialisation (layer i gets seed · 101 + i). */
export function buildQNetwork(spec: QNetworkSpec, seed: number): tf.Sequential {
  const model = tf.sequential();
  const inputShape = spec.layout === 'flat' ? [spec.features] : [spec.actions, spec.features];
  spec.hiddenLayers.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 101 + i }),
        biasInitializer: 'zeros',
        ...(i === 0 ? { inputShape } : {}),
      }),
    );
  });
  const outUnits = spec.layout === 'flat' ? spec.actions : 1;
  model.add(
    tf.layers.dense({
      units: outUnits,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 101 + spec.hiddenLayers.length }),
      biasInitializer: 'zeros',
    }),
  );
  if (spec.layout === 'per-action') model.add(tf.layers.reshape({ targetShape: [spec.actions] }));
  return model;
}

/** Input shape of a batch of `n` observations. */
export function batchShape(spec: QNetworkSpec, n: number): number[] {
  return spec.layout === 'flat' ? [n, spec.features] : [n, spec.actions, spec.features];
}
