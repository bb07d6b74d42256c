/**
 * The DQN training loop, top to bottom (CleanRL's dqn.py): one seed is set once and handed to
 * everything random; ε decays linearly; after `learningStarts` steps a gradient step runs every
 * `trainFrequency` steps and the target network follows every `targetUpdateInterval` steps.
 * A `terminated` transition does not bootstrap; a `truncated` one does (it is stored as not done).
 * Episode `e` starts with `env.reset({ seed: config.seed + e })`, so a resumed run replays the
 * interrupted episode from its start with the same randomness.
 * Metrics go to `metrics.jsonl` with namespaced keys (charts/…, losses/…).
 */
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson, writeFileAtomic } from '@cachelab/cache-core';
import seedrandom from 'seedrandom';
import { initBackend } from '../backend.js';
import type { AnyEnv, StepResult } from '../env/env.js';
import { MixtureEnv } from '../env/mixture-env.js';
import { DqnAgent, type UpdateStats } from './agent.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  loadWeightsInto,
  prepareCheckpoint,
  readMeta,
  recordWeights,
  removePrevious,
  removeStaleTemporaries,
  restoreWeightsOfMeta,
  writeCheckpoint,
  type CheckpointMeta,
} from './checkpoint.js';
import { DqnConfigError, epsilonAt, type DqnConfig } from './config.js';
import type { QNetworkSpec } from './network.js';
import { ReplayBuffer } from './replay-buffer.js';
import { pruneResumeFiles } from './resume-files.js';
import { loadResumeState, removeResumeState, saveResumeState, type ResumeState } from './resume-state.js';

export type MetricRecord = { global_step: number } & Record<string, number>;

export interface TrainOptions {
  /** A sync Env (EvictionEnv) or an AsyncEnv (CacheEnv). */
  env: AnyEnv;
  config: DqnConfig;
  /** Checkpoints and metrics.jsonl go here; without it nothing is written. */
  outDir?: string;
  /** Written to agent.json so a policy can rebuild the environment's observation. */
  envMeta?: CheckpointMeta['env'];
  /** Continue from the checkpoint in outDir (weights, step counter, generator state). */
  resume?: boolean;
  /**
   * A fingerprint of the training data, saved in agent.json; a resume must present the same one
   * (the environment settings do not include the trace or the cache size).
   */
  data?: unknown;
  /** Called with every metrics record (also written to metrics.jsonl). */
  onMetrics?: (record: MetricRecord) => void;
  /** Called every 1,000 steps and at the end with (step, totalSteps). */
  onProgress?: (step: number, total: number) => void;
  /**
   * Stops training early (Ctrl-C): seen every 1,000 steps, where the loop yields to the event
   * loop; training ends with a checkpoint at the step reached (with outDir) and `interrupted`.
   */
  signal?: AbortSignal;
}

export interface TrainResult {
  agent: DqnAgent;
  /** The checkpoint's step when this run resumed one. */
  resumedAt?: number;
  /**
   * With `resumedAt`: whether the checkpoint held its resume state (replay buffer, optimizer,
   * episode in progress), so the run continued exactly as if uninterrupted; false for a checkpoint
   * without it (a finished run extended, an older checkpoint), where learning restarted
   * `learningStarts` steps after the resume point with an empty buffer and fresh Adam moments.
   */
  exactResume?: boolean;
  /**
   * With `resumedAt`: the checkpoint's weights had been half-overwritten by a process killed while
   * writing the next checkpoint, and were put back from the copy that checkpoint kept.
   */
  restoredWeights?: boolean;
  steps: number;
  /** Gradient steps in total (a resumed checkpoint's included). */
  updates: number;
  /** Gradient steps done by this call: what `seconds` measured. */
  updatesThisRun: number;
  episodes: number;
  seconds: number;
  last?: UpdateStats;
  /** `signal` stopped training before `totalSteps` (`steps` says where; the checkpoint holds it). */
  interrupted?: boolean;
}

/** Steps between two yields to the event loop, where a Ctrl-C (a signal handler) can run. */
const YIELD_EVERY = 1000;

/** Q-network layout from the observation space: `[K, F]` → per-action rows, `[D]` → flat. */
export function specFor(env: AnyEnv, hiddenLayers: number[]): QNetworkSpec {
  const shape = env.observationSpace.shape;
  const actions = env.actionSpace.n;
  if (shape.length === 2 && shape[0] === actions) return { layout: 'per-action', features: shape[1]!, actions, hiddenLayers };
  return { layout: 'flat', features: env.observationSpace.size, actions, hiddenLayers };
}

const CUSTOM_ENV: CheckpointMeta['env'] = { kind: 'custom', settings: {} };

/** Settings that only say how long to train or how often to write: free to change on a resume. */
const RESUME_FREE: ReadonlySet<keyof DqnConfig> = new Set(['totalSteps', 'checkpointInterval', 'logInterval']);

/** ` (differs in: a, b)`: the settings two environments of one kind disagree on (a missing one is its default); '' otherwise. */
function settingsNamed(before: CheckpointMeta['env'], after: CheckpointMeta['env']): string {
  if (before.kind !== after.kind) return '';
  const keys = [...new Set([...Object.keys(before.settings), ...Object.keys(after.settings)])].sort();
  const named = keys.filter((key) => canonicalJson(before.settings[key]) !== canonicalJson(after.settings[key]));
  return named.length > 0 ? ` (differs in: ${named.join(', ')})` : '';
}

/**
 * A resume continues the checkpoint's training, so everything that shapes it (the seed, every
 * hyperparameter, the environment and its settings) must be what the checkpoint was trained
 * with; only the step budget and the logging cadence may change. Anything else would silently
 * mix two experiments in one model.
 */
function assertResumable(meta: CheckpointMeta, config: DqnConfig, env: CheckpointMeta['env'], data: unknown, outDir: string): void {
  const differs: string[] = [];
  for (const key of Object.keys(config) as (keyof DqnConfig)[]) {
    if (!RESUME_FREE.has(key) && canonicalJson(config[key]) !== canonicalJson(meta.config[key])) {
      differs.push(`${key} ${canonicalJson(meta.config[key])} → ${canonicalJson(config[key])}`);
    }
  }
  if (canonicalJson(env) !== canonicalJson(meta.env)) differs.push(`environment ${canonicalJson(meta.env)} → ${canonicalJson(env)}${settingsNamed(meta.env, env)}`);
  if (canonicalJson(data) !== canonicalJson(meta.data)) differs.push(`training data ${canonicalJson(meta.data) ?? 'unrecorded'} → ${canonicalJson(data) ?? 'unrecorded'}`);
  if (differs.length > 0) {
    throw new DqnConfigError(
      `cannot resume ${outDir}: it was trained with other settings (checkpoint → this run: ${differs.join('; ')}); resume with the checkpoint's settings (only the step budget may change) or train into a new --out`,
    );
  }
  if (config.totalSteps <= meta.state.step) {
    throw new DqnConfigError(`cannot resume ${outDir}: it already has ${meta.state.step} steps; ask for more (--steps > ${meta.state.step})`);
  }
}

export async function trainDqn(options: TrainOptions): Promise<TrainResult> {
  const { env, config, outDir } = options;
  await initBackend();
  const spec = specFor(env, config.hiddenLayers);
  const agent = new DqnAgent(spec, config);
  let rng: seedrandom.StatefulPRNG<seedrandom.State.Arc4> = seedrandom(`dqn-${config.seed}`, { state: true });
  let step = 0;
  let episode = 0;
  let updates = 0;
  let saved: ResumeState | null = null;
  let restoredWeights = false;
  if (outDir) removeStaleTemporaries(outDir);
  const resuming = options.resume === true && outDir !== undefined && fs.existsSync(path.join(outDir, 'agent.json'));
  if (resuming && outDir) {
    const meta = readMeta(outDir);
    assertResumable(meta, config, options.envMeta ?? CUSTOM_ENV, options.data, outDir);
    restoredWeights = restoreWeightsOfMeta(outDir, meta);
    recordWeights(outDir, meta);
    // The weights on disk are agent.json's now: a copy left by an earlier kill is not needed.
    removePrevious(outDir);
    loadWeightsInto(agent.online, outDir);
    loadWeightsInto(agent.target, path.join(outDir, 'target'));
    agent.refreshForward();
    ({ step, episode, updates } = meta.state);
    if (meta.state.rngState) rng = seedrandom('', { state: meta.state.rngState as seedrandom.State.Arc4 });
    saved = loadResumeState(outDir, env.observationSpace.size, step);
  }
  const firstStep = step;
  const firstUpdates = updates;
  const metricsFile = outDir ? path.join(outDir, 'metrics.jsonl') : undefined;
  /**
   * Makes `outDir` this run's, once its environment has reset (a run that fails before that, e.g.
   * on a cache size its trace never fills, leaves an earlier model there as it was).
   */
  const claimOutDir = (): void => {
    if (!outDir || !metricsFile) return;
    if (!resuming) {
      // A fresh run: an earlier run's checkpoint must not be resumed into it, nor its agent.json
      // paired with this run's resume files if this run is killed before its first agent.json.
      fs.rmSync(path.join(outDir, 'agent.json'), { force: true });
      removeResumeState(outDir);
      removePrevious(outDir);
    }
    fs.mkdirSync(outDir, { recursive: true });
    // Without a checkpoint to continue (none, or a run killed before its first), training starts over.
    if (firstStep === 0) fs.writeFileSync(metricsFile, '');
    else dropRecordsAfter(metricsFile, firstStep);
  };
  const pending: string[] = [];
  const emit = (record: MetricRecord): void => {
    options.onMetrics?.(record);
    if (metricsFile) pending.push(JSON.stringify(record));
  };
  const flush = (): void => {
    if (metricsFile && pending.length > 0) fs.appendFileSync(metricsFile, `${pending.join('\n')}\n`);
    pending.length = 0;
  };

  const buffer = new ReplayBuffer(config.bufferSize, env.observationSpace.size);
  const batch = buffer.allocateBatch(config.batchSize);
  // A MixtureEnv continues its members across episodes (segments): a fresh one rebuilds an
  // episode only by retracing the whole run, so its actions are kept from the run's start.
  const retraceRun = env instanceof MixtureEnv;
  // The episode the replayed actions start at: the interrupted one, or where a retraced run's log starts.
  const fromEpisode = saved ? (saved.fromEpisode ?? episode) : episode;
  const obs = new Float32Array(env.observationSpace.size);
  obs.set((await env.reset({ seed: config.seed + fromEpisode })).observation);
  claimOutDir();
  let episodeReturn = 0;
  let episodeLength = 0;
  // The actions since episode `fromEpisode`'s reset (a resume replays them to rebuild the environment's state).
  let episodeActions: Int32Array = new Int32Array(1024);
  let actionCount = 0;
  let last: UpdateStats | undefined;
  let interrupted = false;
  if (saved) {
    buffer.restore(saved.buffer);
    await agent.restoreOptimizer(saved.optimizer);
    if (saved.last) last = saved.last;
    let replaying = fromEpisode;
    for (const action of saved.episodeActions) {
      const replayed = env.step(action);
      const result: StepResult = replayed instanceof Promise ? await replayed : replayed;
      episodeReturn += result.reward;
      episodeLength++;
      if (actionCount === episodeActions.length) episodeActions = grown(episodeActions);
      episodeActions[actionCount++] = action;
      if (result.terminated || result.truncated) {
        if (++replaying > episode) throw notRetraced(outDir!, 'the episode ended early');
        episodeReturn = 0;
        episodeLength = 0;
        obs.set((await env.reset({ seed: config.seed + replaying })).observation);
      } else {
        obs.set(result.observation);
      }
    }
    if (replaying !== episode || episodeReturn !== saved.episodeReturn || !sameFloats(obs, saved.observation)) {
      throw notRetraced(outDir!, 'it reached another observation or return');
    }
  }
  // With the buffer restored, learning goes on from where the interrupted run had it (which may
  // itself have resumed from the weights alone); without it (a finished run extended, an older
  // checkpoint), it starts again `learningStarts` steps after the resume point.
  const learningFrom = saved ? (saved.learningFrom ?? config.learningStarts) : firstStep === 0 ? config.learningStarts : firstStep + config.learningStarts;

  const checkpoint = async (stepsDone: number, finished: boolean): Promise<void> => {
    if (!outDir) return;
    flush();
    // The asynchronous part first; then everything is written without an await (see checkpoint.ts):
    // this step's resume files, the weights, agent.json, and only then the older step's resume
    // files go. A process killed in that stretch leaves agent.json's step with its resume state,
    // and weights that are either its own or newer ones that a resume replaces with its own, kept
    // in previous/ (or refuses, when those are gone).
    const optimizer = finished ? null : await agent.optimizerState();
    const prepared = await prepareCheckpoint(agent.online, agent.target);
    if (optimizer) {
      saveResumeState(outDir, {
        step: stepsDone,
        buffer: buffer.snapshot(),
        optimizer,
        episodeActions: episodeActions.subarray(0, actionCount),
        // A retraced run's actions start where this run's log started: episode 0 for a fresh
        // run, the checkpoint's episode for one resumed from the weights alone (a finished run extended).
        ...(retraceRun ? { fromEpisode } : {}),
        observation: obs,
        episodeReturn,
        ...(last ? { last } : {}),
        learningFrom,
      });
    }
    writeCheckpoint(outDir, prepared, {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      spec,
      env: options.envMeta ?? CUSTOM_ENV,
      config,
      state: { step: stepsDone, episode, updates, rngState: rng.state() },
      ...(options.data === undefined ? {} : { data: options.data }),
    });
    pruneResumeFiles(outDir, finished ? null : stepsDone);
  };
  const started = performance.now();

  for (; step < config.totalSteps; step++) {
    const epsilon = epsilonAt(config, step);
    const action = agent.act(obs, epsilon, rng);
    const pending = env.step(action);
    // Only an AsyncEnv pays for an await; a sync env's step stays a plain call.
    const result: StepResult = pending instanceof Promise ? await pending : pending;
    buffer.add(obs, action, result.reward, result.observation, result.terminated);
    episodeReturn += result.reward;
    if (actionCount === episodeActions.length) episodeActions = grown(episodeActions);
    episodeActions[actionCount++] = action;
    episodeLength++;

    if (result.terminated || result.truncated) {
      emit({ global_step: step, 'charts/episodic_return': episodeReturn, 'charts/episodic_length': episodeLength, ...prefixed(result.info) });
      episode++;
      episodeReturn = 0;
      episodeLength = 0;
      if (!retraceRun) actionCount = 0;
      obs.set((await env.reset({ seed: config.seed + episode })).observation);
    } else {
      obs.set(result.observation);
    }

    const learning = step >= learningFrom;
    if (learning && step % config.trainFrequency === 0) {
      last = agent.update(buffer.sample(rng, batch));
      updates++;
    }
    if (learning && step % config.targetUpdateInterval === 0) agent.updateTarget(config.tau);

    if ((step + 1) % config.logInterval === 0) {
      const seconds = (performance.now() - started) / 1000;
      emit({
        global_step: step + 1,
        'charts/epsilon': epsilon,
        'charts/SPS': Math.round((step + 1 - firstStep) / seconds),
        ...(last ? { 'losses/td_loss': last.tdLoss, 'losses/q_values': last.qValues, 'losses/grad_norm': last.gradNorm } : {}),
        ...prefixed(result.info),
      });
      flush();
    }
    if ((step + 1) % YIELD_EVERY === 0) {
      options.onProgress?.(step + 1, config.totalSteps);
      if (options.signal) {
        // A sync env never awaits: without this yield a SIGINT handler could not run until the end.
        await new Promise((resolve) => setImmediate(resolve));
        // At the last step the run is finished: it ends as one, with nothing left to resume.
        if (options.signal.aborted && step + 1 < config.totalSteps) {
          interrupted = true;
          step++; // this step is done; the loop's own increment is skipped by the break
          break;
        }
      }
    }
    if (config.checkpointInterval > 0 && (step + 1) % config.checkpointInterval === 0) await checkpoint(step + 1, step + 1 >= config.totalSteps);
  }
  options.onProgress?.(step, config.totalSteps);
  await checkpoint(step, !interrupted);
  flush();
  const resumed = firstStep > 0 ? { resumedAt: firstStep, exactResume: saved !== null, ...(restoredWeights ? { restoredWeights } : {}) } : {};
  return {
    agent,
    ...resumed,
    steps: step,
    updates,
    updatesThisRun: updates - firstUpdates,
    episodes: episode,
    seconds: (performance.now() - started) / 1000,
    ...(last ? { last } : {}),
    ...(interrupted ? { interrupted } : {}),
  };
}

/**
 * A resumed run replays from its checkpoint's step, so records the interrupted run wrote after
 * that step (it logs more often than it checkpoints) would appear twice: drop them. An episode
 * record's global_step is the index of its last step (< `step` when it is in the checkpoint);
 * every other record's is the number of steps done (<= `step`). A line torn by the interruption
 * goes too.
 */
export function dropRecordsAfter(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const kept = lines.filter((line) => {
    let record: MetricRecord;
    try {
      record = JSON.parse(line) as MetricRecord;
    } catch {
      return false; // a line torn by the interruption
    }
    return record['charts/episodic_return'] !== undefined ? record.global_step < step : record.global_step <= step;
  });
  // Written aside and renamed: a kill during the rewrite must not cut the records already kept.
  if (kept.length !== lines.length) writeFileAtomic(file, kept.map((line) => `${line}\n`).join(''));
}

/** Environment info as `charts/<key>` records (numbers only). */
function prefixed(info: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(info)) if (typeof v === 'number' && Number.isFinite(v)) out[`charts/${k}`] = v;
  return out;
}

/** A copy of `actions` with twice the room. */
function grown(actions: Int32Array): Int32Array {
  const bigger = new Int32Array(actions.length * 2);
  bigger.set(actions);
  return bigger;
}

function sameFloats(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function notRetraced(dir: string, what: string): CheckpointError {
  return new CheckpointError(
    dir,
    `replaying the interrupted episode's actions from reset did not retrace it (${what}): the environment is not deterministic under its seed, so this checkpoint cannot be resumed exactly; delete its resume-*.json and resume-*.bin files to resume from the weights alone`,
  );
}
