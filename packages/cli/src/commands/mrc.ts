/** `cachelab mrc`: miss-ratio curves, many policies × many sizes, on all cores. */
import {
  distinctBytes,
  missRatioCurve,
  MrcWorkerPool,
  parseCapacities,
  type CapacityUnit,
  type MissRatioCurve,
} from '@cachelab/cache-core';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Option, type Command } from 'commander';
import { isLearnedPolicyName } from '../experiment/learned-names.js';
import { loadPoliciesFor } from '../experiment/optional-packages.js';
import { interruptSignal } from '../util/interrupt.js';
import { parseList, parseNonNegativeInt } from '../util/options.js';
import { createProgress } from '../util/progress.js';
import { noteTrainingUnits } from '../util/training-unit-notice.js';
import { formatRatio, formatTextTable } from '../util/table.js';
import { addTraceOptions, formatCount, traceReadOptions, type TraceFlags } from '../util/trace-options.js';
import { loadTraceNoting } from '../util/load-trace.js';

interface MrcFlags extends TraceFlags {
  trace: string;
  policies: string[];
  sizes: string;
  unit?: CapacityUnit;
  warmup?: number;
  seed?: number;
  workers?: number;
  bytes?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** The `--json` result. */
export interface MrcResult {
  trace: string;
  unit: CapacityUnit;
  requests: number;
  distinctObjects: number;
  sizes: { spec: string; capacity: number }[];
  policies: string[];
  points: {
    policy: string;
    size: string;
    capacity: number;
    requests: number;
    hits: number;
    misses: number;
    missRatio: number;
    bytesRequested: number;
    bytesMissed: number;
    byteMissRatio: number;
  }[];
  workers: number;
  seconds: number;
}

export function register(program: Command): void {
  const command = program
    .command('mrc')
    .description('miss-ratio curves: miss ratio of every policy at every cache size, from one read of the trace')
    .requiredOption('--trace <file>', 'trace file (oracleGeneral .bin, .csv, .txt, access .log)');
  addTraceOptions(command)
    .requiredOption('--policies <list>', 'comma-separated policies, e.g. lru,fifo,s3fifo', parseList)
    .requiredOption('--sizes <list>', 'comma-separated sizes: 1%,5%,10% | 489,4897 | 128MiB,1GiB')
    .addOption(new Option('--unit <unit>', 'unit of plain numbers and % sizes (byte suffixes always mean bytes)').choices(['objects', 'bytes']))
    .option('--warmup <n>', 'requests that warm the cache without being counted', parseNonNegativeInt('--warmup'))
    .option('--seed <n>', 'seed for randomized policies', parseNonNegativeInt('--seed'))
    .option('--workers <n>', 'worker threads (default: all cores; 0 = this thread)', parseNonNegativeInt('--workers'))
    .option('--bytes', 'show the byte miss ratio in the table instead of the request miss ratio')
    .option('--json', 'print the curve as JSON')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Examples:
  cachelab mrc --trace traces/cache2k-web07.txt --policies lru,fifo,arc,s3fifo --sizes 1%,5%,10%,20%
  cachelab mrc --trace cloudPhysicsIO.oracleGeneral.bin --policies lru,belady --sizes 128MiB,256MiB,512MiB --json`,
    )
    .action(async (flags: MrcFlags) => {
      const result = await runMrc(flags);
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(describe(result, flags.bytes ?? false));
    });
}

export async function runMrc(flags: MrcFlags): Promise<MrcResult> {
  await loadPoliciesFor(flags.policies); // this process checks the names and runs --workers 0
  // Start the worker threads first: their start-up overlaps reading the trace.
  const jobs = flags.policies.length * parseList(flags.sizes).length;
  const threads = Math.min(flags.workers ?? availableParallelism(), jobs);
  const pool = threads > 0 ? new MrcWorkerPool(threads, policyModules(flags.policies)) : undefined;
  try {
    return await curveOf(flags, pool);
  } finally {
    await pool?.close();
  }
}

/**
 * Modules each worker thread imports so that it knows the same policies as this process: `markov`
 * (@cachelab/markov) and, when asked for, `dqn:DIR` (@cachelab/rl-agent). Resolved here, because
 * the worker's own package (cache-core) does not depend on them.
 */
function policyModules(policies: readonly string[]): string[] {
  const require = createRequire(import.meta.url);
  const resolve = (name: string) => pathToFileURL(require.resolve(name)).href;
  const modules = [resolve('@cachelab/markov')];
  if (policies.some(isLearnedPolicyName)) modules.push(resolve('@cachelab/rl-agent'));
  return modules;
}

async function curveOf(flags: MrcFlags, pool: MrcWorkerPool | undefined): Promise<MrcResult> {
  const trace = await loadTraceNoting(flags.trace, traceReadOptions(flags));
  const batch = trace.batch;
  const specs = parseList(flags.sizes);
  const bytes = flags.unit === 'bytes' ? distinctBytes(batch, trace.keyCount) : 0;
  const capacities = parseCapacities(flags.sizes, { distinctObjects: trace.keyCount, distinctBytes: bytes, hasSizes: trace.hasSizes, ...(flags.unit ? { unit: flags.unit } : {}) });
  const unit = capacities[0]!.unit;
  noteTrainingUnits(flags.policies, unit);
  const values = [...new Set(capacities.map((c) => c.capacity))];
  const progress = createProgress('mrc', flags.policies.length * values.length * batch.length, { quiet: flags.quiet ?? false, timer: true });
  let curve: MissRatioCurve;
  try {
    curve = await missRatioCurve(batch, trace.keyCount, {
      policies: flags.policies,
      capacities: values,
      unit,
      warmup: flags.warmup ?? 0,
      seed: flags.seed ?? 0,
      ...(pool ? { pool } : { workers: 0 }),
      onProgress: (done) => progress.update(done),
      signal: interruptSignal(),
    });
  } finally {
    progress.stop();
  }
  const specOf = new Map<number, string>();
  capacities.forEach((c, i) => {
    const first = specOf.get(c.capacity);
    if (first === undefined) specOf.set(c.capacity, specs[i]!);
    // Said, not silently merged: the curve has one point fewer than the sizes typed.
    else process.stderr.write(`cachelab: --sizes ${specs[i]} is the same cache as ${first} (${c.capacity} ${unit === 'bytes' ? 'bytes' : 'objects'}); replayed once, listed as ${first}\n`);
  });
  return {
    trace: flags.trace,
    unit,
    requests: curve.requests,
    distinctObjects: trace.keyCount,
    sizes: values.map((capacity) => ({ spec: specOf.get(capacity)!, capacity })),
    policies: curve.policies,
    points: curve.points.map((p) => ({
      policy: p.policy,
      size: specOf.get(p.capacity)!,
      capacity: p.capacity,
      requests: p.stats.requests,
      hits: p.stats.hits,
      misses: p.stats.misses,
      missRatio: p.stats.missRatio,
      bytesRequested: p.stats.bytesRequested,
      bytesMissed: p.stats.bytesMissed,
      byteMissRatio: p.stats.byteMissRatio,
    })),
    workers: curve.workers,
    seconds: curve.seconds,
  };
}

function describe(result: MrcResult, bytes: boolean): string {
  const header = ['policy', ...result.sizes.map((s) => (s.spec === String(s.capacity) ? s.spec : `${s.spec} (${formatCount(s.capacity)})`))];
  const rows = result.policies.map((policy) => [
    policy,
    ...result.sizes.map((s) => {
      const point = result.points.find((p) => p.policy === policy && p.capacity === s.capacity)!;
      return formatRatio(bytes ? point.byteMissRatio : point.missRatio);
    }),
  ]);
  const what = bytes ? 'byte miss ratio' : 'miss ratio';
  return [
    `${what}, ${result.trace}: ${formatCount(result.requests)} requests, ${formatCount(result.distinctObjects)} objects, sizes in ${result.unit}`,
    formatTextTable(header, rows),
    `${result.points.length} replay${result.points.length === 1 ? '' : 's'} on ${result.workers || 1} thread${result.workers > 1 ? 's' : ''} in ${result.seconds.toFixed(2)} s`,
    '',
  ].join('\n');
}
