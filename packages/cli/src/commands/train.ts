/**
 * `cachelab train`: trains a DQN eviction (or cache-control) agent on a trace and writes the
 * checkpoint directory (model.json, weights.bin, target/, agent.json, metrics.jsonl).
 * Every DQN hyperparameter is a flag derived from @cachelab/rl-agent's DQN_DEFAULTS and DQN_DOCS.
 */
import { distinctBytes, parseCapacities, type CapacityUnit, type RequestBatch } from '@cachelab/cache-core';
import type { AnyEnv, DqnConfig } from '@cachelab/rl-agent';
import { Option, type Command } from 'commander';
import { CliUsageError } from '../util/cli-error.js';
import { evictionEnvOptions, type EvictionEnvSettings } from '../util/eviction-env-options.js';
import { collect, parseNonNegativeInt, parsePositiveInt } from '../util/options.js';
import { InterruptedError, interruptSignal } from '../util/interrupt.js';
import { createProgress, type Progress } from '../util/progress.js';
import { addTraceOptions, traceReadOptions, type TraceFlags } from '../util/trace-options.js';
import { loadTraceNoting } from '../util/load-trace.js';

/** DQN settings that have flags of their own (--seed, --steps) rather than derived ones. */
const OWN_FLAGS = new Set<keyof DqnConfig>(['seed', 'totalSteps']);

export const TRAIN_ENVS = ['eviction', 'cache'] as const;
export type TrainEnvKind = (typeof TRAIN_ENVS)[number];

export interface TrainFlags extends TraceFlags, EvictionEnvSettings {
  /** One or more trace files (--trace is repeatable; eviction env only for more than one). */
  trace: string[];
  /** One or more sizes, comma-separated (eviction env only for more than one). */
  size: string;
  env: TrainEnvKind;
  seed: number;
  out: string;
  steps?: number;
  unit?: CapacityUnit;
  window?: number;
  markov?: boolean;
  segmentSteps?: number;
  maxEpisodeSteps?: number;
  resume?: boolean;
  json?: boolean;
  quiet?: boolean;
  /** Derived DQN flags, by DqnConfig field name. */
  [dqnField: string]: unknown;
}

/** One (trace, size) pair the agent trained on. */
export interface TrainMember {
  trace: string;
  size: string;
  capacity: number;
}

export interface TrainSummary {
  out: string;
  env: TrainEnvKind;
  /** The first member's trace and capacity (what agent.json records). */
  trace: string;
  capacity: number;
  capacityUnit: CapacityUnit;
  /** Every (trace, size) pair, trace-major, in the order the mixture takes them. */
  members: TrainMember[];
  /** The checkpoint's step when --resume continued one; absent for a fresh run. */
  resumedAt?: number;
  /** With resumedAt: the checkpoint held its resume state, so the run continued exactly (see TrainResult.exactResume). */
  exactResume?: boolean;
  /** With resumedAt: the checkpoint's weights, half-overwritten by a killed checkpoint, were put back first (TrainResult.restoredWeights). */
  restoredWeights?: boolean;
  steps: number;
  updates: number;
  episodes: number;
  seconds: number;
  updatesPerSecond: number;
  backend: string;
  lastTdLoss: number | null;
  /** Ctrl-C stopped training at `steps` (the checkpoint holds it; `--resume` continues). */
  interrupted?: boolean;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function parseNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new CliUsageError(`${flag} must be a number, got "${value}"`);
    return n;
  };
}

function parseBoolean(flag: string) {
  return (value: string): boolean => {
    if (value !== 'true' && value !== 'false') throw new CliUsageError(`${flag} must be true or false, got "${value}"`);
    return value === 'true';
  };
}

function parseIntList(flag: string) {
  return (value: string): number[] => {
    const list = value.split(',').map((s) => s.trim());
    if (list.some((s) => !/^\d+$/.test(s) || Number(s) === 0)) throw new CliUsageError(`${flag} must be positive whole numbers separated by commas, got "${value}"`);
    return list.map(Number);
  };
}

export function register(program: Command): void {
  const command = program
    .command('train')
    .description('train a DQN agent on a trace: eviction decisions (--env eviction) or cache-manager control (--env cache)')
    .requiredOption('--trace <file>', 'trace file (oracleGeneral .bin, .csv, .txt, access .log); repeat it to train on several (eviction env)', collect);
  addTraceOptions(command)
    .requiredOption('--size <size>', 'cache size: objects (4897), share of distinct objects (10%) or bytes (128MiB); a comma list trains at several sizes (eviction env)')
    .addOption(new Option('--env <env>', 'environment').choices([...TRAIN_ENVS]).default('eviction'))
    .option('--seed <n>', 'seed for everything random', parseNonNegativeInt('--seed'), 1)
    .requiredOption('--out <dir>', 'checkpoint directory (created; metrics.jsonl is written there)')
    .option('--steps <n>', 'environment steps to train for (default 100000)', parsePositiveInt('--steps'))
    .addOption(new Option('--unit <unit>', 'unit of a plain number or % size').choices(['objects', 'bytes']))
    .option('--candidates <k>', 'eviction env: candidates per decision (default 8)', parsePositiveInt('--candidates'))
    .option('--horizon-factor <x>', 'eviction env: reward horizon as a multiple of the resident count (default 4)', parseNumber('--horizon-factor'))
    .addOption(new Option('--reward-shape <shape>', 'eviction env: hindsight cost as the victim\'s next request gets farther: linear (0 at the horizon), hyperbolic (halved at the horizon, never 0 for a returning object) or rank (no horizon: the share of the other candidates needed later than the victim)').choices(['linear', 'hyperbolic', 'rank']))
    .option('--markov', 'eviction env: fill the access-probability feature from a Markov predictor (slower replay)')
    .option('--recent-candidates <n>', 'eviction env: newest admissions among the candidates, after the LRU tail and FIFO head (default 0)', parseNonNegativeInt('--recent-candidates'))
    .option('--regime-features', 'eviction env: append the whole-cache regime features (quick-return ratio, LRU share of quick returns)')
    .option('--reuse-features', 'eviction env: append the per-candidate reuse-interval features (gap between its last two requests, and how overdue its return is)')
    .option('--decay-features', 'eviction env: append the per-candidate decayed request counts (time constants 1, 4, 16 and 64 resident counts)')
    .option('--segment-steps <n>', 'eviction env with several traces or sizes: decisions per turn before the next (trace, size) (default: whole episodes)', parsePositiveInt('--segment-steps'))
    .option('--window <w>', 'cache env: requests per step (default 1000)', parsePositiveInt('--window'))
    .option('--max-episode-steps <n>', 'truncate episodes after n steps (TimeLimit)', parsePositiveInt('--max-episode-steps'))
    .option('--resume', 'continue from the checkpoint in --out')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Every DQN hyperparameter (--learning-rate, --gamma, --batch-size, ...) is a flag too; they are
listed above when @cachelab/rl-agent loads.

Examples:
  cachelab train --trace traces/cache2k-web07.txt --size 10% --env eviction --seed 1 --out runs/dqn-web07
  cachelab train --trace lirs-2_pools.txt --size 1% --steps 200000 --learning-rate 0.0005 --out runs/m
  cachelab train --trace a.txt --trace b.txt --size 1%,10% --segment-steps 2000 --out runs/mix
  cachelab evaluate --model runs/dqn-web07 --trace traces/cache2k-web07.txt --size 10% --json

The model directory is a simulator policy: cachelab replay --policy dqn:runs/dqn-web07 ...`,
    )
    .action(async (flags: TrainFlags) => {
      const summary = await runTrain(flags);
      // A mistyped --out, or a run killed before its first checkpoint: the run is a fresh one, which
      // the summary alone would not show (it has no "resumed" line either way).
      if (flags.resume && summary.resumedAt === undefined) {
        process.stderr.write(`note: --resume: ${summary.out} held no checkpoint to continue, so training started at step 0\n`);
      }
      // A tiny --steps below learningStarts trains nothing: the model is its random initial network.
      if (summary.updates === 0 && !summary.interrupted) {
        process.stderr.write(
          `note: no gradient update was made: the first comes --learning-starts environment steps into a run (after a resume without resume state, into the resumed part); ${summary.out} holds the untrained initial network (raise --steps or lower --learning-starts)\n`,
        );
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(describe(summary));
      if (summary.interrupted) {
        throw new InterruptedError(
          `training stopped at step ${summary.steps}; the checkpoint in ${summary.out} holds it: run the same command with --resume to continue`,
        );
      }
    });
  // The DQN flags come from the agent's config object; TensorFlow loads only when `train` runs.
  program.hook('preSubcommand', async (_program, sub) => {
    if (sub === command) await addDqnFlags(command);
  });
}

const withDqnFlags = new WeakSet<Command>();

/** One flag per DqnConfig field (--learning-rate, --gamma, ...), with its documented default. */
export async function addDqnFlags(command: Command): Promise<void> {
  if (withDqnFlags.has(command)) return;
  withDqnFlags.add(command);
  const { DQN_DEFAULTS, DQN_DOCS } = await import('@cachelab/rl-agent');
  for (const [field, def] of Object.entries(DQN_DEFAULTS) as [keyof DqnConfig, unknown][]) {
    if (OWN_FLAGS.has(field)) continue;
    const flag = `--${kebab(field)}`;
    const doc = `${DQN_DOCS[field]} (default ${Array.isArray(def) ? def.join(',') : String(def)})`;
    const parser: (value: string) => unknown = Array.isArray(def) ? parseIntList(flag) : typeof def === 'boolean' ? parseBoolean(flag) : parseNumber(flag);
    command.addOption(new Option(`${flag} <value>`, doc).argParser(parser as (value: string) => number));
  }
}

export async function runTrain(flags: TrainFlags): Promise<TrainSummary> {
  const agent = await import('@cachelab/rl-agent');
  const overrides: Partial<DqnConfig> = { seed: flags.seed ?? 1 };
  if (flags.steps !== undefined) overrides.totalSteps = flags.steps;
  for (const field of Object.keys(agent.DQN_DEFAULTS) as (keyof DqnConfig)[]) {
    if (!OWN_FLAGS.has(field) && flags[field] !== undefined) (overrides as Record<string, unknown>)[field] = flags[field];
  }
  let config: DqnConfig;
  try {
    config = agent.resolveDqnConfig(overrides);
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  // parseCapacities reads the same comma list the same way (empty entries dropped; one unit for all).
  const sizes = flags.size.split(',').map((size) => size.trim()).filter((size) => size !== '');
  const relativeBytes = flags.unit === 'bytes' && sizes.some((size) => size.endsWith('%'));
  const loaded: { trace: string; size: string; batch: RequestBatch; objects: number; capacity: number }[] = [];
  let unit: CapacityUnit = 'objects';
  for (const path of flags.trace) {
    const trace = await loadTraceNoting(path, traceReadOptions(flags));
    const capacities = parseCapacities(flags.size, {
      distinctObjects: trace.keyCount,
      hasSizes: trace.hasSizes,
      ...(relativeBytes ? { distinctBytes: distinctBytes(trace.batch, trace.keyCount) } : {}),
      ...(flags.unit ? { unit: flags.unit } : {}),
    });
    capacities.forEach(({ capacity }, i) => loaded.push({ trace: path, size: sizes[i]!, batch: trace.batch, objects: trace.keyCount, capacity }));
    unit = capacities[0]!.unit;
  }
  const first = loaded[0]!;
  const { env, envMeta } = buildEnv(agent, flags, loaded, unit);
  const backend = await agent.initBackend();
  // Made at the first step, which is where a resumed run starts: the steps before it took no
  // time here and stay out of the time-left estimate.
  let progress: Progress | null = null;
  const result = await agent.trainDqn({
    env,
    config,
    outDir: flags.out,
    envMeta,
    // Paths may move; the requests, objects and capacity of each member identify the data.
    data: { members: loaded.map(({ batch, objects, capacity }) => ({ requests: batch.length, objects, capacity })) },
    resume: flags.resume ?? false,
    onProgress: (step) => {
      progress ??= createProgress('train', config.totalSteps, { quiet: flags.quiet ?? false, alreadyDone: step - 1 });
      progress.update(step);
    },
    signal: interruptSignal(),
  });
  (progress as Progress | null)?.stop();
  result.agent.dispose();
  return {
    out: flags.out,
    env: flags.env,
    trace: first.trace,
    capacity: first.capacity,
    capacityUnit: unit,
    members: loaded.map(({ trace, size, capacity }) => ({ trace, size, capacity })),
    ...(result.resumedAt === undefined ? {} : { resumedAt: result.resumedAt, exactResume: result.exactResume ?? false }),
    ...(result.restoredWeights ? { restoredWeights: true } : {}),
    steps: result.steps,
    updates: result.updates,
    episodes: result.episodes,
    seconds: result.seconds,
    updatesPerSecond: result.seconds > 0 ? result.updatesThisRun / result.seconds : 0,
    backend: backend.name,
    lastTdLoss: result.last?.tdLoss ?? null,
    ...(result.interrupted ? { interrupted: true } : {}),
  };
}

/** Flags that shape only one environment: given for the other, they would be silently ignored. */
const EVICTION_ONLY_FLAGS: readonly [keyof TrainFlags, string][] = [
  ['candidates', '--candidates'],
  ['horizonFactor', '--horizon-factor'],
  ['rewardShape', '--reward-shape'],
  ['markov', '--markov'],
  ['recentCandidates', '--recent-candidates'],
  ['regimeFeatures', '--regime-features'],
  ['reuseFeatures', '--reuse-features'],
  ['decayFeatures', '--decay-features'],
];

function buildEnv(
  agent: typeof import('@cachelab/rl-agent'),
  flags: TrainFlags,
  members: readonly { batch: RequestBatch; capacity: number }[],
  unit: CapacityUnit,
): { env: AnyEnv; envMeta: { kind: string; settings: Record<string, unknown> } } {
  if (flags.env === 'eviction') {
    if (flags.window !== undefined) throw new CliUsageError('--window applies to --env cache (requests per step); the eviction env decides at every eviction');
    if (flags.segmentSteps !== undefined && members.length === 1) {
      throw new CliUsageError('--segment-steps applies only when training on several traces or sizes (repeat --trace, or give --size a comma list)');
    }
    const built = agent.evictionTrainingEnv(members, {
      unit,
      ...evictionEnvOptions(flags),
      scorer: flags.markov ? 'markov' : 'none',
      ...(flags.maxEpisodeSteps !== undefined ? { maxEpisodeSteps: flags.maxEpisodeSteps } : {}),
      ...(flags.segmentSteps !== undefined ? { segmentSteps: flags.segmentSteps } : {}),
    });
    return { env: built.env, envMeta: { kind: 'eviction', settings: { ...built.first.settings(), ...episodeLimits(flags) } } };
  }
  if (members.length > 1) throw new CliUsageError('--env cache trains on one trace at one size; several --trace or --size values need --env eviction');
  if (flags.segmentSteps !== undefined) throw new CliUsageError('--segment-steps applies to --env eviction with several traces or sizes');
  const ignored = EVICTION_ONLY_FLAGS.filter(([field]) => flags[field] !== undefined).map(([, flag]) => flag);
  if (ignored.length > 0) throw new CliUsageError(`${ignored.join(', ')} ${ignored.length === 1 ? 'applies' : 'apply'} to --env eviction only; drop ${ignored.length === 1 ? 'it' : 'them'} for --env cache`);
  if (unit !== 'objects') throw new CliUsageError('--env cache runs in object mode: give --size as an object count or a share (10%)');
  const e = new agent.CacheEnv(members[0]!.batch, {
    capacity: members[0]!.capacity,
    ...(flags.window !== undefined ? { window: flags.window } : {}),
    predictor: () => agent.markovNextRequestPredictor(),
  });
  const env = flags.maxEpisodeSteps !== undefined ? new agent.AsyncTimeLimit(e, flags.maxEpisodeSteps) : e;
  return { env, envMeta: { kind: 'cache', settings: { ...e.settings(), capacity: members[0]!.capacity, ...episodeLimits(flags) } } };
}

/**
 * Where episodes are cut (--max-episode-steps, --segment-steps): recorded in agent.json with the
 * environment settings, only when given (so other runs' agent.json is unchanged), because they
 * shape the training a --resume continues and must not change there.
 */
function episodeLimits(flags: TrainFlags): { maxEpisodeSteps?: number; segmentSteps?: number } {
  return {
    ...(flags.maxEpisodeSteps !== undefined ? { maxEpisodeSteps: flags.maxEpisodeSteps } : {}),
    ...(flags.segmentSteps !== undefined ? { segmentSteps: flags.segmentSteps } : {}),
  };
}

function describe(s: TrainSummary): string {
  return [
    ...s.members.map((m, i) => `${i === 0 ? 'trained    ' : '           '} ${i === 0 ? `${s.env} agent on ` : ''}${m.trace} at ${m.size} = ${m.capacity} ${s.capacityUnit}`),
    ...(s.resumedAt === undefined
      ? []
      : s.exactResume
        ? [`resumed     at step ${s.resumedAt}, exactly: replay buffer, optimizer and the episode in progress restored (same result as an uninterrupted run with the same --steps)`]
        : [`resumed     at step ${s.resumedAt} from the weights alone (the checkpoint has no resume state: a finished run or an older checkpoint), so learning restarted after learningStarts new steps`]),
    ...(s.restoredWeights ? [`            (the step-${s.resumedAt} weights were put back first: a process killed while writing the next checkpoint had half-overwritten them)`] : []),
    `steps       ${s.steps} (${s.episodes} episodes finished), ${s.updates} updates`,
    `time        ${s.seconds.toFixed(1)} s, ${s.updatesPerSecond.toFixed(0)} updates/s on ${s.backend}`,
    // Only an eviction model is a replay policy; a cache-env model drives a live CacheManager.
    s.env === 'eviction'
      ? `model       ${s.out}  (use as policy dqn:${s.out})`
      : `model       ${s.out}  (run it live: AgentController.fromCheckpoint('${s.out}', manager, options); it is not an eviction policy)`,
    '',
  ].join('\n');
}
