/**
 * What a checkpoint needs, beyond the weights and agent.json, for a resumed run to continue exactly
 * as if it had never stopped: the replay buffer, Adam's state, the last update's statistics and the
 * actions of the episode in progress (an environment is deterministic under its seed, so replaying
 * those actions from `reset` rebuilds its state; the observation and return it reached are stored
 * to check that). Two files in the checkpoint directory, named after the checkpoint step (see
 * resume-files.ts):
 *   resume-STEP.json   sizes, scalars, shapes and the SHA-256 of resume-STEP.bin
 *   resume-STEP.bin    the arrays, each section 4-byte aligned
 * Written at every checkpoint of an unfinished run (an interruption, a checkpoint interval) and
 * removed when a run completes: about 2 × bufferSize × observation floats, tens of MB at the
 * defaults, only while a resume can need them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex, writeFileAtomic } from '@cachelab/cache-core';
import type { OptimizerState, UpdateStats } from './agent.js';
import { CheckpointError } from './checkpoint.js';
import type { ReplayBufferSnapshot } from './replay-buffer.js';
import { pruneResumeFiles, resumeBinName, resumeFilesOf, resumeJsonName } from './resume-files.js';

const FORMAT = 'cachelab-dqn-resume';
const VERSION = 1;

export interface ResumeState {
  /** The checkpoint step this state belongs to (agent.json's `state.step`). */
  step: number;
  buffer: ReplayBufferSnapshot;
  optimizer: OptimizerState;
  /** Actions taken since the `reset` of episode `fromEpisode`, in order. */
  episodeActions: Int32Array;
  /**
   * The episode those actions start at: the current one, or, for an environment whose episodes
   * carry state over (a MixtureEnv continues its members across segments), the one the run's action
   * log starts at (0; or the checkpoint's episode when the run resumed from the weights alone, as a
   * finished run extended does), retraced from there. Absent: the current episode.
   */
  fromEpisode?: number;
  /** The observation and return those actions reached (checked after replaying them). */
  observation: Float32Array;
  episodeReturn: number;
  last?: UpdateStats;
  /**
   * The step learning (re)starts at: learningStarts, or, in a run resumed from the weights alone
   * (a finished run extended), the resume point + learningStarts. Absent (older files): learningStarts.
   */
  learningFrom?: number;
}

interface ResumeJson {
  format: typeof FORMAT;
  version: number;
  step: number;
  sha256: string;
  buffer: { position: number; filled: number; obsSize: number };
  optimizer: { iterations: number; accBeta1: number; accBeta2: number; shapes: number[][] };
  episode: { actions: number; return: number; observationSize: number; from?: number };
  last?: UpdateStats;
  learningFrom?: number;
}

const aligned = (bytes: number) => Math.ceil(bytes / 4) * 4;

/**
 * Writes resume-STEP.bin, then resume-STEP.json, into `dir` (each through a temporary file and a
 * rename). Older steps' files stay until `pruneResumeFiles` runs after agent.json is written.
 */
export function saveResumeState(dir: string, state: ResumeState): void {
  const { buffer, optimizer } = state;
  const sections: ArrayBufferView[] = [
    buffer.obs,
    buffer.nextObs,
    buffer.actions,
    buffer.rewards,
    buffer.dones,
    ...optimizer.moments.map((m) => m.values),
    state.episodeActions,
    state.observation,
  ];
  const total = sections.reduce((sum, s) => sum + aligned(s.byteLength), 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const section of sections) {
    bytes.set(new Uint8Array(section.buffer, section.byteOffset, section.byteLength), offset);
    offset += aligned(section.byteLength);
  }
  const json: ResumeJson = {
    format: FORMAT,
    version: VERSION,
    step: state.step,
    sha256: sha256Hex(bytes),
    buffer: { position: buffer.position, filled: buffer.filled, obsSize: buffer.filled > 0 ? buffer.obs.length / buffer.filled : 0 },
    optimizer: { iterations: optimizer.iterations, accBeta1: optimizer.accBeta1, accBeta2: optimizer.accBeta2, shapes: optimizer.moments.map((m) => m.shape) },
    episode: {
      actions: state.episodeActions.length,
      return: state.episodeReturn,
      observationSize: state.observation.length,
      ...(state.fromEpisode === undefined ? {} : { from: state.fromEpisode }),
    },
    ...(state.last ? { last: state.last } : {}),
    ...(state.learningFrom === undefined ? {} : { learningFrom: state.learningFrom }),
  };
  writeFileAtomic(path.join(dir, resumeBinName(state.step)), bytes);
  writeFileAtomic(path.join(dir, resumeJsonName(state.step)), `${JSON.stringify(json)}\n`);
}

/** Removes every resume file (a finished run no longer needs them). */
export function removeResumeState(dir: string): void {
  pruneResumeFiles(dir, null);
}

/**
 * The resume state of checkpoint `step` in `dir`, or null when there is none (a finished run, a
 * checkpoint from before these files existed). A damaged one is a CheckpointError.
 */
export function loadResumeState(dir: string, obsSize: number, step: number): ResumeState | null {
  const files = resumeFilesOf(dir, step);
  if (files === null) return null;
  const { json: jsonName, bin: binName } = files;
  let json: ResumeJson;
  let bytes: Uint8Array;
  try {
    json = JSON.parse(fs.readFileSync(path.join(dir, jsonName), 'utf8')) as ResumeJson;
    bytes = new Uint8Array(fs.readFileSync(path.join(dir, binName)));
  } catch (error) {
    throw new CheckpointError(dir, `cannot read ${jsonName}/${binName} (${(error as Error).message}); delete both to resume without them`);
  }
  if (json.format !== FORMAT || json.version !== VERSION) throw new CheckpointError(dir, `${jsonName} is not a ${FORMAT} v${VERSION} file`);
  if (json.step !== step) throw new CheckpointError(dir, `${jsonName} holds the state of step ${json.step}, not ${step}; delete it and ${binName} to resume without them`);
  if (json.sha256 !== sha256Hex(bytes)) throw new CheckpointError(dir, `${binName} does not match the SHA-256 in ${jsonName} (damaged); delete both to resume without them`);
  const { filled, position } = json.buffer;
  if (filled > 0 && json.buffer.obsSize !== obsSize) {
    throw new CheckpointError(dir, `${jsonName} holds observations of ${json.buffer.obsSize} floats, the environment gives ${obsSize}`);
  }
  let offset = 0;
  const take = <T extends ArrayBufferView>(make: (buffer: ArrayBuffer, offset: number, length: number) => T, length: number, width: number): T => {
    const byteLength = length * width;
    if (offset + byteLength > bytes.byteLength) throw new CheckpointError(dir, `${binName} is shorter than ${jsonName} says`);
    // A copy, so every view is aligned whatever the section's offset.
    const out = make(bytes.slice(offset, offset + byteLength).buffer as ArrayBuffer, 0, length);
    offset += aligned(byteLength);
    return out;
  };
  const f32 = (length: number) => take((b, o, n) => new Float32Array(b, o, n), length, 4);
  const buffer: ReplayBufferSnapshot = {
    position,
    filled,
    obs: f32(filled * obsSize),
    nextObs: f32(filled * obsSize),
    actions: take((b, o, n) => new Int32Array(b, o, n), filled, 4),
    rewards: f32(filled),
    dones: take((b, o, n) => new Uint8Array(b, o, n), filled, 1),
  };
  const moments = json.optimizer.shapes.map((shape) => ({ shape, values: f32(shape.reduce((a, b) => a * b, 1)) }));
  const episodeActions = take((b, o, n) => new Int32Array(b, o, n), json.episode.actions, 4);
  const observation = f32(json.episode.observationSize);
  if (offset !== bytes.byteLength) throw new CheckpointError(dir, `${binName} is longer than ${jsonName} says`);
  return {
    step: json.step,
    buffer,
    optimizer: { iterations: json.optimizer.iterations, accBeta1: json.optimizer.accBeta1, accBeta2: json.optimizer.accBeta2, moments },
    episodeActions,
    ...(json.episode.from === undefined ? {} : { fromEpisode: json.episode.from }),
    observation,
    episodeReturn: json.episode.return,
    ...(json.last ? { last: json.last } : {}),
    ...(typeof json.learningFrom === 'number' ? { learningFrom: json.learningFrom } : {}),
  };
}
