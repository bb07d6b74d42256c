/**
 * Checkpoints on disk without tfjs-node. A tfjs IO handler (`fileHandler`) writes the standard
 * Layers format — `model.json` (topology + weights manifest) and `weights.bin` — with node:fs,
 * so `tf.loadLayersModel(fileHandler(dir))` reads it back. A checkpoint directory holds:
 *   model.json, weights.bin   the online Q-network (what a learned policy runs)
 *   target/                   the target network (for resuming)
 *   agent.json                network spec, environment settings, DQN config, training state
 * `loadForward` reads the online weights straight into the pure-TS forward pass: loading a
 * learned policy needs no TensorFlow at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CachelabError, sha256Hex } from '@cachelab/cache-core';
import type { DqnConfig } from './config.js';
import { QForward, type DenseWeights } from './forward.js';
import type { QNetworkSpec } from './network.js';

export const CHECKPOINT_FORMAT = 'cachelab-dqn';
export const CHECKPOINT_VERSION = 1;

export class CheckpointError extends CachelabError {
  constructor(dir: string, message: string) {
    super('CHECKPOINT', `${dir}: ${message}`);
  }
}

/** Everything about a run besides the weights (agent.json). */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  spec: QNetworkSpec;
  /** Which environment and its settings, so a policy can rebuild the same observation. */
  env: { kind: string; settings: Record<string, unknown> };
  config: DqnConfig;
  state: { step: number; episode: number; updates: number; rngState?: unknown };
  /** What it was trained on, as the caller fingerprints it (`cachelab train`: each member's requests, objects, capacity); a resume must match it. */
  data?: unknown;
}

/** tfjs IO handler that saves/loads `model.json` + `weights.bin` in `dir` with node:fs. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        // Not part of the tfjs format (its loaders ignore it): lets a load refuse a damaged weights.bin.
        weightsSha256: sha256Hex(new Uint8Array(data)),
      };
      fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(data));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const { json, weights } = readModelFiles(dir);
      return {
        modelTopology: json.modelTopology as object,
        weightSpecs: json.weightsManifest[0]!.weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
      };
    },
  };
}

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  /** SHA-256 (hex) of weights.bin; absent in checkpoints written before it existed. */
  weightsSha256?: string;
}


function readModelFiles(dir: string): { json: ModelJson; weights: Uint8Array } {
  let json: ModelJson;
  let weights: Uint8Array;
  try {
    json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
    weights = fs.readFileSync(path.join(dir, 'weights.bin'));
  } catch (error) {
    throw new CheckpointError(dir, `cannot read model.json/weights.bin (${(error as Error).message}); pass a directory written by \`cachelab train\``);
  }
  if (!Array.isArray(json.weightsManifest) || json.weightsManifest.length !== 1 || !Array.isArray(json.weightsManifest[0]!.weights)) {
    throw new CheckpointError(dir, 'model.json has no single weightsManifest entry');
  }
  if (json.weightsSha256 !== undefined && json.weightsSha256 !== sha256Hex(weights)) {
    throw new CheckpointError(dir, 'weights.bin does not match the SHA-256 in model.json (damaged or replaced); restore the checkpoint or train it again');
  }
  return { json, weights };
}

/** Decodes float32 kernel/bias pairs, in layer order, from model.json + weights.bin (pure TS). */
export function readDenseLayers(dir: string): DenseWeights[] {
  const { json, weights } = readModelFiles(dir);
  const specs = json.weightsManifest[0]!.weights;
  const layers: DenseWeights[] = [];
  let offset = 0;
  const take = (spec: tf.io.WeightsManifestEntry): Float32Array => {
    if (spec.dtype !== 'float32') throw new CheckpointError(dir, `weight ${spec.name} has dtype ${spec.dtype}; only float32 is supported`);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + n * 4 > weights.byteLength) throw new CheckpointError(dir, `weights.bin is too short for ${spec.name}`);
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(weights.subarray(offset, offset + n * 4));
    offset += n * 4;
    return out;
  };
  for (let i = 0; i < specs.length; i += 2) {
    const k = specs[i]!;
    const b = specs[i + 1];
    if (k.shape.length !== 2 || !b || b.shape.length !== 1 || b.shape[0] !== k.shape[1]) {
      throw new CheckpointError(dir, `expected dense kernel/bias pairs, found ${k.name} [${k.shape.join(',')}]`);
    }
    layers.push({ kernel: take(k), bias: take(b), inputs: k.shape[0]!, units: k.shape[1]! });
  }
  if (offset !== weights.byteLength) throw new CheckpointError(dir, `weights.bin has ${weights.byteLength - offset} unexpected trailing bytes`);
  return layers;
}

export function readMeta(dir: string): CheckpointMeta {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(fs.readFileSync(path.join(dir, 'agent.json'), 'utf8')) as CheckpointMeta;
  } catch (error) {
    throw new CheckpointError(dir, `cannot read agent.json (${(error as Error).message}); pass a directory written by \`cachelab train\``);
  }
  if (meta.format !== CHECKPOINT_FORMAT || meta.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(dir, `agent.json is not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} checkpoint`);
  }
  return meta;
}

/** The online network of a checkpoint as a pure-TS forward pass (synchronous, no tfjs). */
export function loadForward(dir: string): { forward: QForward; meta: CheckpointMeta } {
  const meta = readMeta(dir);
  return { forward: new QForward(meta.spec, readDenseLayers(dir)), meta };
}

/** Writes online + target networks and agent.json. */
export async function saveCheckpoint(dir: string, online: tf.LayersModel, target: tf.LayersModel, meta: CheckpointMeta): Promise<void> {
  await online.save(fileHandler(dir));
  await target.save(fileHandler(path.join(dir, 'target')));
  fs.writeFileSync(path.join(dir, 'agent.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Loads saved weights (pure-TS decode) into a model of the same architecture. */
export function loadWeightsInto(model: tf.LayersModel, dir: string): void {
  const layers = readDenseLayers(dir);
  const tensors = layers.flatMap((l) => [tf.tensor2d(l.kernel, [l.inputs, l.units]), tf.tensor1d(l.bias)]);
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}
