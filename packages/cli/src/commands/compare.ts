/**
 * `cachelab compare`: the default job. With no arguments it replays the main eviction policies
 * on the shipped trace (traces/cache2k-web07.txt) at 1%, 5%, 10% and 20% of its distinct
 * objects, writes a report to reports/compare/ and prints the miss ratios. It is an experiment
 * built from the options, run by the same runner as `cachelab run`, so the report's numbers
 * trace back to run files (reports/compare/runs/...).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError, LOG_SESSIONS, type LogSession, type TraceFormat, knownPolicyNames, listPolicies, readTrace, traceHasSizes } from '@cachelab/cache-core';
import { type Command, Option } from 'commander';
import { traceReadOptionsOf } from '../experiment/cells.js';
import { assertPoliciesValid } from '../experiment/check-policies.js';
import { assertRunFinished } from '../experiment/outcome.js';
import { runExperiment } from '../experiment/runner.js';
import { type Experiment, parseExperiment, policyLabel, sizeLabel } from '../experiment/schema.js';
import type { ReplaySummary } from '../report/load-run.js';
import { loadRun } from '../report/load-run.js';
import { buildReportModel } from '../report/model.js';
import { writeReport } from '../report/render.js';
import { CliUsageError } from '../util/cli-error.js';
import { interruptSignal } from '../util/interrupt.js';
import { printJson } from '../util/json.js';
import { commandLine, parseList, parseNonNegativeInt, parsePositiveInt } from '../util/options.js';
import { repoRoot, shippedTracePath } from '../util/paths.js';
import { formatRatio, formatTextTable } from '../util/table.js';
import { parseDelimiter } from '../util/trace-options.js';

/** The policies compared by default, in report order; those not registered in this build are left out. */
export const MAIN_POLICIES = ['lru', 'fifo', 'clock', 'arc', 's3fifo', 'sieve', 'lirs', 'wtinylfu', 'lfu', 'belady'] as const;
export const DEFAULT_SIZES = ['1%', '5%', '10%', '20%'] as const;
const OUT_DEFAULT = 'reports/compare';

const normalize = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Registry names of the main policies present in this build (`W-TinyLFU` matches `wtinylfu` or `w-tinylfu`). */
export function defaultPolicies(): string[] {
  const registered = listPolicies().map((p) => p.name);
  return MAIN_POLICIES.flatMap((wanted) => registered.filter((name) => normalize(name) === wanted).slice(0, 1));
}

interface CompareOptions {
  trace?: string;
  format?: TraceFormat;
  /** Reading options of the trace entry (as replay's flags and an experiment's trace fields). */
  csv?: string;
  header?: boolean;
  delimiter?: string;
  limit?: number;
  logSession?: LogSession;
  policies?: string[];
  sizes?: string[];
  unit: 'objects' | 'bytes';
  out: string;
  seed: number;
  workers?: number;
  json?: boolean;
  quiet?: boolean;
}

/** Repository-relative when the trace is inside the checkout, so run files do not depend on where it lives. */
function tracePathForExperiment(path: string): string {
  const absolute = resolve(path);
  const inside = relative(repoRoot(), absolute);
  return inside.startsWith('..') || isAbsolute(inside) ? absolute : inside;
}

export function compareExperiment(
  options: Pick<CompareOptions, 'trace' | 'format' | 'csv' | 'header' | 'delimiter' | 'limit' | 'logSession' | 'policies' | 'sizes' | 'unit' | 'seed'>,
): Experiment {
  const policies = options.policies ?? defaultPolicies();
  if (policies.length === 0) throw new CliUsageError(`no policies to compare; known policies: ${knownPolicyNames().join(', ')}`);
  assertPoliciesValid(policies);
  if (options.sizes?.length === 0) throw new CliUsageError(`--sizes: no cache size given; for example --sizes ${DEFAULT_SIZES.join(',')}`);
  const trace = tracePathForExperiment(options.trace ?? shippedTracePath());
  try {
    return parseExperiment(
      {
        description: 'cachelab compare: eviction policies side by side on one trace',
        traces: [Object.keys(traceReadOptionsOf(options)).length > 0 ? { path: trace, ...traceReadOptionsOf(options) } : trace],
        unit: options.unit,
        sizes: (options.sizes ?? [...DEFAULT_SIZES]).map((s) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : s)),
        policies,
        seeds: [options.seed],
      },
      'the compare options',
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const { field } = error;
    const option = field.startsWith('sizes') ? '--sizes' : field.startsWith('policies') ? '--policies' : field.startsWith('traces') ? '--trace/--format' : field.startsWith('seeds') ? '--seed' : field;
    // The experiment's `"unit"` field is the --unit option here.
    const detail = error.detail.replace('set "unit": "bytes"', 'add --unit bytes');
    // The field only where it says which entry (`--sizes: sizes[1]: …`), not the option again (`--sizes: sizes: …`).
    throw new CliUsageError(`${option}: ${/\[\d+\]/.test(field) ? `${field}: ` : ''}${detail}`);
  }
}

function resultRows(cells: readonly ReplaySummary[]) {
  return cells.map((c) => ({
    trace: c.trace.name,
    policy: c.policy.label,
    size: c.size,
    capacity: c.capacity,
    requests: c.stats.requests,
    misses: c.stats.misses,
    missRatio: c.stats.missRatio,
    byteMissRatio: c.stats.byteMissRatio,
  }));
}

function missRatioTable(cells: readonly ReplaySummary[], experiment: Experiment): string {
  const sizes = experiment.sizes.map(String);
  const policies = experiment.policies.map(policyLabel);
  const rows = policies.map((policy) => [
    policy,
    ...sizes.map((size) => {
      const cell = cells.find((c) => c.policy.label === policy && String(c.size) === size);
      return cell ? formatRatio(cell.stats.missRatio) : '';
    }),
  ]);
  const header = ['miss ratio', ...sizes.map((size) => {
    const cell = cells.find((c) => String(c.size) === size);
    return cell && size.endsWith('%') ? `${size} (${cell.capacity})` : sizeLabel(size);
  })];
  return formatTextTable(header, rows);
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare eviction policies on a trace at several cache sizes and write a report (no arguments: the shipped trace)')
    .option('--trace <file>', 'trace file (default: traces/cache2k-web07.txt, shipped with the repository)')
    .option('--format <name>', 'trace format: oracleGeneral, csv, txt, log (default: from the extension)')
    .option('--csv <mapping>', 'CSV column mapping, 1-based columns or header names: time=2,key=5,size=4[,op=3,session=N,referrer=N]')
    .option('--header', 'the CSV trace starts with a header row (default: detected)')
    .option('--no-header', 'the first CSV row is data even if it does not look like it')
    .option('--delimiter <char>', 'CSV field delimiter, e.g. \';\' or tab (default: ",")', parseDelimiter)
    .option('--limit <n>', 'replay only the first n requests', parsePositiveInt('--limit'))
    .addOption(new Option('--log-session <by>', 'access logs: a session is the client address, or the address plus the user agent').choices([...LOG_SESSIONS]))
    .option('--policies <list>', `comma-separated policy names (default: ${MAIN_POLICIES.join(',')}, those registered)`, parseList)
    .option('--sizes <list>', `comma-separated cache sizes: percentages of distinct objects, counts, or byte sizes with --unit bytes (default: ${DEFAULT_SIZES.join(',')})`, parseList)
    .option('--unit <unit>', 'objects (every object counts 1) or bytes', 'objects')
    .option('--out <dir>', 'report folder; the run files go to <dir>/runs/', OUT_DEFAULT)
    .option('--seed <n>', 'seed for policies with random choices', parseNonNegativeInt('--seed'), 0)
    .option('--workers <n>', 'parallel worker processes (default: all cores)', parsePositiveInt('--workers'))
    .option('--json', 'print the results and report paths as JSON')
    .option('--quiet', 'no progress bar and no table; print only where the report is')
    .addHelpText(
      'after',
      `
Examples:
  cachelab compare                                    # main policies on the shipped trace → reports/compare/
  cachelab compare --policies lru,s3fifo,sieve --sizes 2%,8%
  cachelab compare --trace ../shared/traces/cloudPhysicsIO.oracleGeneral.bin --unit bytes --sizes 128MiB,512MiB
  cachelab compare --json > compare.json

Open <out>/index.html in a browser (no network needed); <out>/summary.md has the same tables.`,
    )
    .action(async (options: CompareOptions) => {
      if (options.unit !== 'objects' && options.unit !== 'bytes') throw new CliUsageError(`--unit must be objects or bytes, got "${options.unit}"`);
      const experiment = compareExperiment(options);
      // As replay and mrc do: a path that cannot be opened (missing, a folder) or whose format
      // cannot be told is a TraceFileError naming it, before the runner words it for an
      // experiment file ("trace "nope" not found …: check the path in the experiment").
      readTrace(options.trace ?? shippedTracePath(), traceReadOptionsOf(options));
      await assertSizesForBytes(options);
      const outDir = resolve(options.out);
      const runsDir = join(outDir, 'runs');
      const result = await runExperiment('compare', experiment, {
        runsDir,
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        quiet: options.quiet ?? false,
        signal: interruptSignal(),
        command: commandLine(['compare', ...compareArgs(options)]),
      });
      // The same options resume the run (without them a rerun compares something else).
      assertRunFinished(result, commandLine(['compare', ...compareArgs(options), ...(options.out !== OUT_DEFAULT ? ['--out', options.out] : [])]));
      const run = loadRun(result.runDir);
      const written = await writeReport(buildReportModel(run), outDir);
      if (options.json) {
        printJson({ report: written.html, summary: written.markdown, run: result.runDir, results: resultRows(run.replay) });
        return;
      }
      if (!options.quiet) {
        const trace = run.replay[0]?.trace;
        if (trace) process.stdout.write(`${trace.path}: ${trace.requests} requests, ${trace.objects} objects (${experiment.unit})\n\n`);
        process.stdout.write(`${missRatioTable(run.replay, experiment)}\n\n`);
      }
      process.stdout.write(`report: open ${written.html}\n`);
    });
}

/**
 * `--unit bytes` on a trace without object sizes (txt, CSV without a size column) would count
 * every request as 1 byte: refused before any cell runs, naming `--unit` (every size, a share
 * included, fails the same way in bytes). The file was checked to open by then.
 */
async function assertSizesForBytes(options: Pick<CompareOptions, 'trace' | 'format' | 'csv' | 'header' | 'delimiter' | 'limit' | 'logSession' | 'unit'>): Promise<void> {
  if (options.unit !== 'bytes') return;
  const path = resolve(options.trace ?? shippedTracePath());
  if (!existsSync(path)) return;
  const hasSizes = await traceHasSizes(path, traceReadOptionsOf(options));
  if (hasSizes === false) {
    throw new CliUsageError(
      '--unit bytes: this trace has no object sizes (a txt trace, or a CSV without a size column: every request would count as 1 byte); ' +
        'compare it in objects (--unit objects, the default)',
    );
  }
}

/** The options that shape the result, as a reproducible command line for manifests. */
function compareArgs(options: CompareOptions): string[] {
  const args: string[] = [];
  if (options.trace) args.push('--trace', options.trace);
  if (options.format) args.push('--format', options.format);
  if (options.csv !== undefined) args.push('--csv', options.csv);
  if (options.header !== undefined) args.push(options.header ? '--header' : '--no-header');
  if (options.delimiter !== undefined) args.push('--delimiter', options.delimiter === '\t' ? 'tab' : options.delimiter);
  if (options.limit !== undefined) args.push('--limit', String(options.limit));
  if (options.logSession !== undefined) args.push('--log-session', options.logSession);
  if (options.policies) args.push('--policies', options.policies.join(','));
  if (options.sizes) args.push('--sizes', options.sizes.join(','));
  if (options.unit !== 'objects') args.push('--unit', options.unit);
  if (options.seed !== 0) args.push('--seed', String(options.seed));
  return args;
}
