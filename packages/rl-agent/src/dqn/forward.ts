/**
 * The Q-network's forward pass in plain TypeScript, from the trained weights: no tensors, no
 * allocation per call. This is what picks actions on the hot path (a learned eviction policy
 * decides at every eviction), where a tfjs call would cost far more than the arithmetic.
 */
import type { QNetworkSpec } from './network.js';

export interface DenseWeights {
  /** Kernel, row-major [inputs × units] (tfjs's layout). */
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  units: number;
}

export class QForward {
  /** Per layer: the kernel transposed to [units × inputs] in float64, so each unit is one contiguous dot product. */
  private readonly transposed: Float64Array[];
  private readonly biases: Float64Array[];
  private readonly scratch: Float64Array[];
  readonly q: Float64Array;

  constructor(
    readonly spec: QNetworkSpec,
    readonly layers: DenseWeights[],
  ) {
    let inputs = spec.features;
    for (const layer of layers) {
      if (layer.inputs !== inputs || layer.kernel.length !== layer.inputs * layer.units || layer.bias.length !== layer.units) {
        throw new RangeError(`layer shapes do not chain: expected ${inputs} inputs, got ${layer.inputs}`);
      }
      inputs = layer.units;
    }
    const outUnits = spec.layout === 'flat' ? spec.actions : 1;
    if (inputs !== outUnits) throw new RangeError(`the last layer has ${inputs} units, expected ${outUnits}`);
    const widest = Math.max(...layers.map((l) => l.units));
    this.scratch = [new Float64Array(widest), new Float64Array(widest)];
    this.transposed = layers.map((l) => new Float64Array(l.inputs * l.units));
    this.biases = layers.map((l) => new Float64Array(l.units));
    this.q = new Float64Array(spec.actions);
    this.reload();
  }

  /** Re-reads `layers` (after their kernels and biases were overwritten in place). */
  reload(): void {
    this.layers.forEach((l, n) => {
      const t = this.transposed[n]!;
      for (let i = 0; i < l.inputs; i++) for (let u = 0; u < l.units; u++) t[u * l.inputs + i] = l.kernel[i * l.units + u]!;
      this.biases[n]!.set(l.bias);
    });
  }

  /** Q-values of every action for `obs`, written into (and returned as) `this.q`. */
  evaluate(obs: Float32Array): Float64Array {
    if (this.spec.layout === 'flat') {
      const out = this.mlp(obs, 0);
      for (let a = 0; a < this.spec.actions; a++) this.q[a] = out[a]!;
    } else if (this.layers.length === 2) {
      this.scoreRowsOneHidden(obs);
    } else {
      const f = this.spec.features;
      for (let a = 0; a < this.spec.actions; a++) this.q[a] = this.mlp(obs, a * f)[0]!;
    }
    return this.q;
  }

  /** The greedy action (lowest index on ties) among the first `validCount` actions. */
  argmax(obs: Float32Array, validCount = this.spec.actions): number {
    const q = this.evaluate(obs);
    let best = 0;
    for (let a = 1; a < validCount; a++) if (q[a]! > q[best]!) best = a;
    return best;
  }

  /**
   * The hot case fused: per-action rows, one hidden ReLU layer, a scalar output per row.
   * Walks input rows and skips zeros (most vote and flag features are 0), so a row costs
   * about (non-zero features + 1) × hidden multiply-adds.
   */
  private scoreRowsOneHidden(obs: Float32Array): void {
    const w1 = this.layers[0]!.kernel;
    const b1 = this.biases[0]!;
    const w2 = this.transposed[1]!;
    const b2 = this.biases[1]![0]!;
    const features = this.spec.features;
    const hidden = b1.length;
    const h = this.scratch[0]!;
    const q = this.q;
    for (let a = 0, off = 0; a < q.length; a++, off += features) {
      for (let u = 0; u < hidden; u++) h[u] = b1[u]!;
      for (let i = 0, row = 0; i < features; i++, row += hidden) {
        const x = obs[off + i]!;
        if (x === 0) continue;
        for (let u = 0; u < hidden; u++) h[u] = h[u]! + x * w1[row + u]!;
      }
      let score = b2;
      for (let u = 0; u < hidden; u++) {
        const v = h[u]!;
        if (v > 0) score += v * w2[u]!;
      }
      q[a] = score;
    }
  }

  /**
   * Runs the layers on `obs[offset … offset + features)`; returns the scratch holding the output.
   * The first layer walks input rows and skips zero inputs (most vote and flag features are 0);
   * later layers are contiguous dot products.
   */
  private mlp(obs: Float32Array, offset: number): Float64Array {
    const first = this.layers[0]!;
    const kernel0 = first.kernel;
    const units0 = first.units;
    const features = first.inputs;
    let out = this.scratch[0]!;
    const bias0 = this.biases[0]!;
    for (let u = 0; u < units0; u++) out[u] = bias0[u]!;
    for (let i = 0; i < features; i++) {
      const x = obs[offset + i]!;
      if (x === 0) continue;
      const row = i * units0;
      for (let u = 0; u < units0; u++) out[u] = out[u]! + x * kernel0[row + u]!;
    }
    const last = this.transposed.length - 1;
    if (last > 0) for (let u = 0; u < units0; u++) if (out[u]! < 0) out[u] = 0;
    let src = out;
    let inputs = units0;
    for (let l = 1; l <= last; l++) {
      const w = this.transposed[l]!;
      const bias = this.biases[l]!;
      const units = bias.length;
      out = this.scratch[l & 1]!;
      for (let u = 0; u < units; u++) {
        let acc = bias[u]!;
        const base = u * inputs;
        for (let i = 0; i < inputs; i++) acc += src[i]! * w[base + i]!;
        out[u] = l < last && acc < 0 ? 0 : acc;
      }
      src = out;
      inputs = units;
    }
    return src;
  }
}
