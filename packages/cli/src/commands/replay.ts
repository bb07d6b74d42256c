/** `cachelab replay`: one policy at one cache size over a trace; prints the miss ratios. */
import {
  Replayer,
  assertTraceHasSizes,
  ensureNextAccess,
  createPolicy,
  getPolicyInfo,
  distinctBytes,
  parseCapacity,
  readTrace,
  sliceBatch,
  type CapacityUnit,
  type ReplayStats,
} from '@cachelab/cache-core';
import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadPoliciesFor } from '../experiment/optional-packages.js';
import { parseNonNegativeInt } from '../util/options.js';
import { createProgress } from '../util/progress.js';
import { noteTrainingUnits } from '../util/training-unit-notice.js';
import { addTraceOptions, collectParam, formatCount, traceReadOptions, type TraceFlags } from '../util/trace-options.js';
import { loadTraceNoting } from '../util/load-trace.js';

interface ReplayFlags extends TraceFlags {
  trace: string;
  policy: string;
  size: string;
  unit?: CapacityUnit;
  warmup?: number;
  seed?: number;
  param?: Record<string, number | string | boolean>;
  json?: boolean;
  quiet?: boolean;
}

/** The `--json` result, fields in this order. */
export interface ReplayResult {
  trace: string;
  policy: string;
  capacity: number;
  capacityUnit: CapacityUnit;
  requests: number;
  hits: number;
  misses: number;
  missRatio: number;
  bytesRequested: number;
  bytesMissed: number;
  byteMissRatio: number;
  seconds: number;
}

/** Requests fed between two progress updates. */
const STEP = 1 << 18;

export function register(program: Command): void {
  const command = program
    .command('replay')
    .description('replay a trace through one eviction policy at one cache size')
    .requiredOption('--trace <file>', 'trace file (oracleGeneral .bin, .csv, .txt, access .log)');
  addTraceOptions(command)
    .requiredOption('--policy <name>', 'eviction policy, e.g. lru, s3fifo, belady (an unknown name lists the known ones)')
    .requiredOption('--size <size>', 'cache size: objects (4897), share of distinct objects (10%) or bytes (128MiB, 1GB)')
    .addOption(new Option('--unit <unit>', 'unit of a plain number or % size (byte suffixes always mean bytes)').choices(['objects', 'bytes']))
    .option('--warmup <n>', 'requests that warm the cache without being counted', parseNonNegativeInt('--warmup'))
    .option('--seed <n>', 'seed for randomized policies', parseNonNegativeInt('--seed'))
    .option('--param <name=value>', 'policy parameter (repeatable)', collectParam)
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Examples:
  cachelab replay --trace traces/cache2k-web07.txt --policy lru --size 10%
  cachelab replay --trace cloudPhysicsIO.oracleGeneral.bin --policy s3fifo --size 128MiB --json
  cachelab replay --trace cloudPhysicsIO.csv --csv time=2,key=5,size=4 --header --policy lru --size 4897

A byte size (128MiB) replays in byte mode (object sizes count); a count or % replays in object mode.
Traces are streamed when the size is absolute and the policy needs no next-access pre-pass.`,
    )
    .action(async (flags: ReplayFlags) => {
      const result = await runReplay(flags);
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(describe(result));
    });
}

export async function runReplay(flags: ReplayFlags): Promise<ReplayResult> {
  await loadPoliciesFor([flags.policy]);
  const readOptions = traceReadOptions(flags);
  const needsOracle = getPolicyInfo(flags.policy)?.needsOracle === true;
  const params = flags.param ? { params: flags.param } : {};
  const seed = flags.seed ?? 0;
  const warmup = flags.warmup ?? 0;
  // Fail on an unknown policy, bad parameters or format before reading anything.
  createPolicy(flags.policy, { capacity: 1, keySpace: 1, seed, ...params });
  const reader = readTrace(flags.trace, readOptions);
  const relative = flags.size.trim().endsWith('%');
  let stats: ReplayStats;
  let capacity: number;
  let unit: CapacityUnit;
  let seconds: number;

  // Oracle positions in a stream are usable only as the file has them (no record skipped).
  const streamable = !relative && (!needsOracle || (reader.format === 'oracleGeneral' && !flags.skipInvalid));
  if (streamable) {
    // Absolute size: stream the trace, nothing needs the whole of it.
    ({ capacity, unit } = parseCapacity(flags.size, { distinctObjects: 0, hasSizes: reader.hasSizes, ...(flags.unit ? { unit: flags.unit } : {}) }));
    noteTrainingUnits([flags.policy], unit);
    const replayer = new Replayer(createPolicy(flags.policy, { capacity, seed, ...params }), { unit, warmup });
    // Only oracleGeneral says its length up front (24 bytes a record); other streams show no bar.
    const records = reader.format === 'oracleGeneral' ? Math.floor(statSync(flags.trace).size / 24) : 0;
    const total = flags.limit !== undefined ? Math.min(records, flags.limit) : records;
    const progress = createProgress('replay', total, { quiet: (flags.quiet ?? false) || total === 0 });
    const started = performance.now();
    for await (const batch of reader) {
      // A CSV's size column is known once its first batch is read: refuse bytes before replaying.
      if (unit === 'bytes') assertTraceHasSizes(flags.size, reader.hasSizes);
      replayer.feed(batch);
      progress.update(reader.requests);
    }
    seconds = (performance.now() - started) / 1000;
    progress.stop();
    stats = replayer.finish();
  } else {
    const trace = await loadTraceNoting(flags.trace, readOptions);
    const batch = trace.batch;
    const bytes = relative && flags.unit === 'bytes' ? distinctBytes(batch, trace.keyCount) : 0;
    ({ capacity, unit } = parseCapacity(flags.size, { distinctObjects: trace.keyCount, distinctBytes: bytes, hasSizes: trace.hasSizes, ...(flags.unit ? { unit: flags.unit } : {}) }));
    if (needsOracle) ensureNextAccess(batch, trace.keyCount);
    noteTrainingUnits([flags.policy], unit);
    const policy = createPolicy(flags.policy, { capacity, keySpace: trace.keyCount, seed, ...params });
    const replayer = new Replayer(policy, { unit, warmup });
    const progress = createProgress('replay', batch.length, { quiet: flags.quiet ?? false });
    const started = performance.now();
    for (let at = 0; at < batch.length; at += STEP) {
      const end = Math.min(batch.length, at + STEP);
      replayer.feed(sliceBatch(batch, at, end));
      progress.update(end);
    }
    seconds = (performance.now() - started) / 1000;
    progress.stop();
    stats = replayer.finish();
  }
  return {
    trace: flags.trace,
    policy: flags.policy,
    capacity,
    capacityUnit: unit,
    requests: stats.requests,
    hits: stats.hits,
    misses: stats.misses,
    missRatio: stats.missRatio,
    bytesRequested: stats.bytesRequested,
    bytesMissed: stats.bytesMissed,
    byteMissRatio: stats.byteMissRatio,
    seconds,
  };
}

function describe(r: ReplayResult): string {
  const rate = r.seconds > 0 ? ` (${(r.requests / r.seconds / 1e6).toFixed(2)} M requests/s)` : '';
  return [
    `trace       ${r.trace}`,
    `policy      ${r.policy} at ${formatCount(r.capacity)} ${r.capacityUnit}`,
    `requests    ${formatCount(r.requests)}`,
    `misses      ${formatCount(r.misses)}   miss ratio ${r.missRatio.toFixed(4)}`,
    `bytes       ${formatCount(r.bytesMissed)} of ${formatCount(r.bytesRequested)} missed   byte miss ratio ${r.byteMissRatio.toFixed(4)}`,
    `time        ${r.seconds.toFixed(3)} s${rate}`,
    '',
  ].join('\n');
}
