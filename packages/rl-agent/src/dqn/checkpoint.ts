/**
 * Checkpoints on disk without tfjs-node. A tfjs IO handler (`fileHandler`) writes the standard
 * Layers format — `model.json` (topology + weights manifest) and `weights.bin` — with node:fs,
 * so `tf.loadLayersModel(fileHandler(dir))` reads it back. A checkpoint directory holds:
 *   model.json, weights.bin   the online Q-network (what a learned policy runs)
 *   target/                   the target network (for resuming)
 *   agent.json                network spec, environment settings, DQN config, training state,
 *                             and the SHA-256 of both weights files
 * `loadForward` reads the online weights straight into the pure-TS forward pass: loading a
 * learned policy needs no TensorFlow at all.
 *
 * A checkpoint is written in one synchronous stretch (`prepareCheckpoint` does the async tfjs part
 * first: nothing else in the process runs until the files are whole), each file through a
 * temporary file and a rename, agent.json last. Before it overwrites anything, the weights the
 * current agent.json describes are hard-linked into `previous/` (no bytes copied), removed again
 * once the new agent.json is in place. A process killed outright in that stretch (SIGKILL, an
 * out-of-memory kill; files are not fsynced, so a power cut is not covered) leaves weights newer
 * than agent.json: `restoreWeightsOfMeta` puts the linked ones back on resume, and refuses
 * instead of continuing from the wrong point when they are not there.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CachelabError, sha256Hex, writeFileAtomic } from '@cachelab/cache-core';
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
  /** SHA-256 of weights.bin and target/weights.bin as this checkpoint wrote them (absent before it existed). */
  weightsSha256?: { online: string; target: string };
  /** What it was trained on, as the caller fingerprints it (`cachelab train`: each member's requests, objects, capacity); a resume must match it. */
  data?: unknown;
}

/** tfjs IO handler that saves/loads `model.json` + `weights.bin` in `dir` with node:fs. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      writeModelFiles(dir, artifacts);
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

/**
 * Writes `weights.bin` then `model.json` (which holds the weights' SHA-256) into `dir`, each
 * through a temporary file and a rename; returns that SHA-256. Synchronous.
 */
function writeModelFiles(dir: string, artifacts: tf.io.ModelArtifacts): string {
  const data = new Uint8Array(artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0));
  const sha256 = sha256Hex(data);
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
    // Not part of the tfjs format (its loaders ignore it): lets a load refuse a damaged weights.bin.
    weightsSha256: sha256,
  };
  writeFileAtomic(path.join(dir, 'weights.bin'), data);
  writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  return sha256;
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
    throw new CheckpointError(dir, 'weights.bin does not match the SHA-256 in model.json (damaged or replaced): if `cachelab train` was stopped while writing a checkpoint here, run it again with --resume; else restore the checkpoint or train it again');
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
  const object = (v: unknown): boolean => typeof v === 'object' && v !== null;
  if (!object(meta) || meta.format !== CHECKPOINT_FORMAT || meta.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(dir, `agent.json is not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} checkpoint`);
  }
  const missing = (['spec', 'env', 'config', 'state'] as const).filter((field) => !object(meta[field]));
  if (missing.length > 0 || !object(meta.env.settings)) {
    throw new CheckpointError(dir, `agent.json lacks ${missing.length > 0 ? missing.join(', ') : 'env.settings'}; pass a directory written by \`cachelab train\` as it left it`);
  }
  return meta;
}

/**
 * The online network of a checkpoint as a pure-TS forward pass (synchronous, no tfjs). Refuses
 * online weights that are not the ones agent.json names (a training run killed while writing a
 * checkpoint): a replay would otherwise report a model of another step than agent.json's.
 */
export function loadForward(dir: string): { forward: QForward; meta: CheckpointMeta } {
  const meta = readMeta(dir);
  const layers = readDenseLayers(dir);
  if (meta.weightsSha256 !== undefined && !filesMatch(modelFilesIn(dir), meta.weightsSha256.online)) {
    throw new CheckpointError(
      dir,
      `the weights are not the ones agent.json (step ${meta.state.step}) was written with: \`cachelab train\` was stopped while writing a checkpoint here; run it again with --resume (it puts agent.json's weights back from ${PREVIOUS}/ and continues), or train into a new --out`,
    );
  }
  let forward: QForward;
  try {
    forward = new QForward(meta.spec, layers);
  } catch (error) {
    throw new CheckpointError(
      dir,
      `agent.json's network spec ${JSON.stringify(meta.spec)} does not describe the weights in model.json (${(error as Error).message}); pass a directory written by \`cachelab train\` as it left it`,
    );
  }
  return { forward, meta };
}

/** Both networks serialized, ready for `writeCheckpoint` (the asynchronous half of a checkpoint). */
export interface PreparedCheckpoint {
  online: tf.io.ModelArtifacts;
  target: tf.io.ModelArtifacts;
}

async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return captured!;
}

export async function prepareCheckpoint(online: tf.LayersModel, target: tf.LayersModel): Promise<PreparedCheckpoint> {
  return { online: await artifactsOf(online), target: await artifactsOf(target) };
}

/** Where a checkpoint being written keeps the previous one's weights (hard links). */
const PREVIOUS = 'previous';
/** Each network's folder in a checkpoint, and its files. */
const NETWORKS = [
  ['online', '.'],
  ['target', 'target'],
] as const;
const MODEL_FILES = ['weights.bin', 'model.json'] as const;
/** linkSync errors of file systems without hard links (or out of them): the files are copied instead. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EXDEV']);

/**
 * Links the weights the current agent.json describes into previous/ (a copy where the file system
 * has no hard links). A fresh run (no agent.json) has nothing to keep.
 */
function keepPrevious(dir: string): void {
  const previous = path.join(dir, PREVIOUS);
  fs.rmSync(previous, { recursive: true, force: true });
  if (!fs.existsSync(path.join(dir, 'agent.json'))) return;
  for (const [, folder] of NETWORKS) {
    fs.mkdirSync(path.join(previous, folder), { recursive: true });
    for (const name of MODEL_FILES) {
      const from = path.join(dir, folder, name);
      const to = path.join(previous, folder, name);
      try {
        fs.linkSync(from, to);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue; // no such file: nothing to keep
        if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
        fs.copyFileSync(from, to);
      }
    }
  }
}

/**
 * Writes online + target networks, then agent.json (with both weights' SHA-256), synchronously:
 * no signal handler or IPC message runs until the checkpoint is whole. The weights it replaces
 * stay in previous/ until then (see `restoreWeightsOfMeta`).
 */
export function writeCheckpoint(dir: string, prepared: PreparedCheckpoint, meta: CheckpointMeta): void {
  keepPrevious(dir);
  const online = writeModelFiles(dir, prepared.online);
  const target = writeModelFiles(path.join(dir, 'target'), prepared.target);
  writeFileAtomic(path.join(dir, 'agent.json'), `${JSON.stringify({ ...meta, weightsSha256: { online, target } }, null, 2)}\n`);
  removePrevious(dir);
}

/** Removes previous/ (what a fresh run, and every finished checkpoint, does). */
export function removePrevious(dir: string): void {
  fs.rmSync(path.join(dir, PREVIOUS), { recursive: true, force: true });
}

/** Writes online + target networks and agent.json. */
export async function saveCheckpoint(dir: string, online: tf.LayersModel, target: tf.LayersModel, meta: CheckpointMeta): Promise<void> {
  writeCheckpoint(dir, await prepareCheckpoint(online, target), meta);
}

/** SHA-256 of the online and target weights.bin in a checkpoint directory. */
export function weightsSha256(dir: string): { online: string; target: string } {
  return { online: sha256Hex(readModelFiles(dir).weights), target: sha256Hex(readModelFiles(path.join(dir, 'target')).weights) };
}

/** A network's weights.bin and model.json as they are on disk (null: missing). */
function modelFilesIn(folder: string): { weights: Buffer; model: Buffer } | null {
  try {
    return { weights: fs.readFileSync(path.join(folder, 'weights.bin')), model: fs.readFileSync(path.join(folder, 'model.json')) };
  } catch {
    return null;
  }
}

/**
 * Whether `files` are the network whose weights have SHA-256 `sha256`: weights.bin hashes to it,
 * and model.json names it (or, written before model.json held a SHA-256, names none).
 */
function filesMatch(files: { weights: Buffer; model: Buffer } | null, sha256: string): boolean {
  if (files === null || sha256Hex(files.weights) !== sha256) return false;
  try {
    const named = (JSON.parse(files.model.toString('utf8')) as ModelJson).weightsSha256;
    return named === undefined || named === sha256;
  } catch {
    return false;
  }
}

/**
 * Makes the weights in `dir` the ones agent.json was written with, or refuses. A process killed
 * while writing a checkpoint (after the first weights file, before agent.json) leaves weights of
 * a later step than agent.json's, which a resume must not continue from. The checkpoint kept
 * agent.json's own weights in previous/: they are written back (each file atomically; previous/
 * stays until the next checkpoint, so a kill here is repaired by the next resume). Returns
 * whether anything was restored; a CheckpointError when the right weights are not there.
 */
export function restoreWeightsOfMeta(dir: string, meta: CheckpointMeta): boolean {
  if (meta.weightsSha256 === undefined) return false; // written before the field existed: see recordWeights
  let restored = false;
  for (const [which, folder] of NETWORKS) {
    const expected = meta.weightsSha256[which];
    if (filesMatch(modelFilesIn(path.join(dir, folder)), expected)) continue;
    const kept = modelFilesIn(path.join(dir, PREVIOUS, folder));
    if (kept === null || !filesMatch(kept, expected)) {
      throw new CheckpointError(
        dir,
        `the ${which} network's weights are not the ones agent.json (step ${meta.state.step}) was written with, and no copy of those is left in ${PREVIOUS}/: the process was stopped while writing a checkpoint; train again into a new --out (or delete this one)`,
      );
    }
    writeFileAtomic(path.join(dir, folder, 'weights.bin'), kept.weights);
    writeFileAtomic(path.join(dir, folder, 'model.json'), kept.model);
    restored = true;
  }
  return restored;
}

/**
 * Writes into an agent.json from before `weightsSha256` existed the SHA-256 of the weights beside
 * it, before a resumed run's first checkpoint overwrites them: a kill in that checkpoint is then
 * repaired (or refused) like any other.
 */
export function recordWeights(dir: string, meta: CheckpointMeta): CheckpointMeta {
  if (meta.weightsSha256 !== undefined) return meta;
  const recorded = { ...meta, weightsSha256: weightsSha256(dir) };
  writeFileAtomic(path.join(dir, 'agent.json'), `${JSON.stringify(recorded, null, 2)}\n`);
  return recorded;
}

/** Temporary files a killed checkpoint left (`NAME.PID.tmp`, see writeFileAtomic): removed when a run starts. */
const STALE_TEMPORARY = /^(resume(-\d+)?\.(json|bin)|weights\.bin|model\.json|agent\.json|metrics\.jsonl)\.\d+\.tmp$/;

export function removeStaleTemporaries(dir: string): void {
  for (const folder of [dir, path.join(dir, 'target')]) {
    let names: string[];
    try {
      names = fs.readdirSync(folder);
    } catch {
      continue; // no such folder yet
    }
    for (const name of names) if (STALE_TEMPORARY.test(name)) fs.rmSync(path.join(folder, name), { force: true });
  }
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
