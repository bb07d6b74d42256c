/**
 * `cachelab evaluate`: replays a trace with a trained eviction model (`dqn:DIR`; with several
 * `--model`s, `dqn-select:DIR1+DIR2+…`) and with the classical baselines, and reports how much of
 * the gap between LRU and Belady's optimum the model closes: gapClosed = (LRU − learned) /
 * (LRU − Belady), in miss ratio. The model's misses against LRU's and against the best other
 * baseline's come with paired bootstrap intervals over the replays' metric windows (as in the
 * report's scoreboard), so a win of a few misses reads as what it is.
 */
import {
  ensureNextAccess,
  createPolicy,
  distinctBytes,
  parseCapacity,
  Replayer,
  sliceBatch,
  type CapacityUnit,
  type EvictionPolicy,
  type RequestBatch,
} from '@cachelab/cache-core';
import { Option, type Command } from 'commander';
import { CliUsageError } from '../util/cli-error.js';
import { isLearnedPolicyName } from '../experiment/learned-names.js';
import { collect, parseList, parseNonNegativeInt } from '../util/options.js';
import { metricWindows } from '../util/metric-windows.js';
import { pairedMissDifference } from '../util/paired-bootstrap.js';
import { createProgress } from '../util/progress.js';
import { noteTrainingUnits } from '../util/training-unit-notice.js';
import { addTraceOptions, traceReadOptions, type TraceFlags } from '../util/trace-options.js';
import { loadTraceNoting } from '../util/load-trace.js';

export const EVALUATE_BASELINES = ['lru', 'arc', 's3fifo', 'sieve', 'wtinylfu', 'lecar', 'cacheus', 'belady'] as const;

interface EvaluateFlags extends TraceFlags {
  model: string[];
  trace: string;
  size: string;
  unit?: CapacityUnit;
  baselines?: string[];
  seed?: number;
  json?: boolean;
  quiet?: boolean;
}

/** The `--json` result: the three fields the issue names first, then context. */
export interface EvaluateResult {
  missRatio: number;
  baselines: Record<string, number>;
  /** (LRU − learned) / (LRU − Belady); null when LRU already equals Belady (no gap to close). */
  gapClosed: number | null;
  /** The model directory; with several, the directories joined by `+`. */
  model: string;
  /** The learned policy replayed: `dqn:DIR` or `dqn-select:DIR1+DIR2+…`. */
  policy: string;
  trace: string;
  capacity: number;
  capacityUnit: CapacityUnit;
  requests: number;
  /** The model's misses minus LRU's, with a 95 % paired bootstrap interval. */
  vsLru: MissDifference;
  /** The same against the baseline (other than LRU and Belady) that missed least; null when there is none. */
  vsBest: (MissDifference & { policy: string }) | null;
}

export interface MissDifference {
  misses: number;
  low: number;
  high: number;
  /** The interval excludes 0. */
  significant: boolean;
}

interface WindowedReplay {
  missRatio: number;
  /** Misses after each metric window. */
  cumulativeMisses: number[];
}

function replayInWindows(policy: EvictionPolicy, batch: RequestBatch, unit: CapacityUnit): WindowedReplay {
  const replayer = new Replayer(policy, { unit });
  const cumulativeMisses: number[] = [];
  for (const [start, end] of metricWindows(batch.length)) {
    replayer.feed(sliceBatch(batch, start, end));
    cumulativeMisses.push(replayer.result().misses);
  }
  return { missRatio: replayer.result().missRatio, cumulativeMisses };
}

function missDifference(model: WindowedReplay, other: WindowedReplay, seed: string): MissDifference {
  const d = pairedMissDifference(model.cumulativeMisses, other.cumulativeMisses, { confidence: 0.95, resamples: 2000, seed });
  return { misses: d.total, low: d.low, high: d.high, significant: d.significant };
}

export function register(program: Command): void {
  const command = program
    .command('evaluate')
    .description('replay a trace with a trained DQN eviction model and with the baselines; report the gap to Belady it closes')
    .requiredOption('--model <dir>', 'checkpoint directory written by `cachelab train --env eviction`; repeat it to evaluate several models behind the dqn-select selector', collect)
    .requiredOption('--trace <file>', 'trace file (oracleGeneral .bin, .csv, .txt, access .log)');
  addTraceOptions(command)
    .requiredOption('--size <size>', 'cache size: objects (4897), share of distinct objects (10%) or bytes (128MiB)')
    .addOption(new Option('--unit <unit>', 'unit of a plain number or % size').choices(['objects', 'bytes']))
    .option('--baselines <list>', `baseline policies, comma-separated (default ${EVALUATE_BASELINES.join(',')}; lru and belady are always run)`, parseList)
    .option('--seed <n>', 'seed for candidate sampling and randomized baselines', parseNonNegativeInt('--seed'))
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Examples:
  cachelab evaluate --model runs/dqn-web07 --trace traces/cache2k-web07.txt --size 10% --json
  cachelab evaluate --model runs/m --trace cloudPhysicsIO.oracleGeneral.bin --size 1% --baselines lru,s3fifo
  cachelab evaluate --model models/web07 --model models/reuse --model models/scan --trace t.txt --size 1%`,
    )
    .action(async (flags: EvaluateFlags) => {
      const result = await runEvaluate(flags);
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(describe(result));
    });
}

export async function runEvaluate(flags: EvaluateFlags): Promise<EvaluateResult> {
  await import('@cachelab/rl-agent'); // registers the dqn: and dqn-select: resolvers
  const dirs = flags.model.join('+');
  const model = flags.model.length === 1 ? `dqn:${dirs}` : `dqn-select:${dirs}`;
  const names = [...new Set(['lru', ...(flags.baselines ?? EVALUATE_BASELINES), 'belady'])];
  const seed = flags.seed ?? 0;
  // Fail on a bad model or baseline name before reading the trace.
  createPolicy(model, { capacity: 1, keySpace: 1, seed });
  for (const name of names) {
    if (isLearnedPolicyName(name)) throw new CliUsageError(`--baselines takes classical policies; the model is --model`);
    createPolicy(name, { capacity: 1, keySpace: 1, seed });
  }
  const trace = await loadTraceNoting(flags.trace, traceReadOptions(flags));
  const batch = trace.batch;
  ensureNextAccess(batch, trace.keyCount);
  const relativeBytes = flags.size.trim().endsWith('%') && flags.unit === 'bytes';
  const { capacity, unit } = parseCapacity(flags.size, {
    distinctObjects: trace.keyCount,
    hasSizes: trace.hasSizes,
    ...(relativeBytes ? { distinctBytes: distinctBytes(batch, trace.keyCount) } : {}),
    ...(flags.unit ? { unit: flags.unit } : {}),
  });
  noteTrainingUnits([model], unit);
  const progress = createProgress('evaluate', names.length + 1, { quiet: flags.quiet ?? false });
  const run = (name: string) => replayInWindows(createPolicy(name, { capacity, keySpace: trace.keyCount, seed }), batch, unit);
  const learned = run(model);
  progress.update(1);
  const replays = new Map<string, WindowedReplay>();
  names.forEach((name, i) => {
    replays.set(name, run(name));
    progress.update(i + 2);
  });
  progress.stop();
  const baselines = Object.fromEntries([...replays].map(([name, r]) => [name, r.missRatio]));
  const missRatio = learned.missRatio;
  const gap = baselines.lru! - baselines.belady!;
  // Ties go to the first listed, so the choice does not depend on anything but the figures.
  const best = names.filter((n) => n !== 'lru' && n !== 'belady').reduce<string | null>((a, b) => (a === null || replays.get(b)!.missRatio < replays.get(a)!.missRatio ? b : a), null);
  return {
    missRatio,
    baselines,
    gapClosed: gap > 0 ? (baselines.lru! - missRatio) / gap : null,
    model: dirs,
    policy: model,
    trace: flags.trace,
    capacity,
    capacityUnit: unit,
    requests: batch.length,
    vsLru: missDifference(learned, replays.get('lru')!, `evaluate:${seed}:lru`),
    vsBest: best === null ? null : { policy: best, ...missDifference(learned, replays.get(best)!, `evaluate:${seed}:${best}`) },
  };
}

function differenceLine(label: string, d: MissDifference): string {
  const signed = (n: number) => (n > 0 ? `+${n.toLocaleString('en-US')}` : n.toLocaleString('en-US'));
  const verdict = d.misses === 0 ? 'tie' : `${d.misses < 0 ? 'fewer' : 'more'} misses${d.significant ? '' : ', within noise'}`;
  return `${label.padEnd(11)} ${signed(d.misses)} misses [${signed(d.low)}, ${signed(d.high)}] (${verdict}; 95 %, paired over the replays' metric windows)`;
}

function describe(r: EvaluateResult): string {
  const rows = [[r.policy.startsWith('dqn-select:') ? 'dqn-select' : 'dqn (model)', r.missRatio] as const, ...Object.entries(r.baselines)];
  return [
    `trace       ${r.trace} at ${r.capacity} ${r.capacityUnit} (${r.requests} requests)`,
    `model       ${r.model}`,
    ...rows.map(([name, m]) => `  ${name.padEnd(14)} miss ratio ${m.toFixed(4)}`),
    `gap closed  ${r.gapClosed === null ? 'n/a (LRU equals Belady)' : `${(r.gapClosed * 100).toFixed(1)}% of LRU → Belady`}`,
    differenceLine('vs lru', r.vsLru),
    ...(r.vsBest ? [differenceLine(`vs ${r.vsBest.policy}`, r.vsBest)] : []),
    '',
  ].join('\n');
}
