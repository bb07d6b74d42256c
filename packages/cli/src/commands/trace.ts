/** `cachelab trace stats|convert|generate`: inspect, convert and synthesize traces. */
import {
  GENERATOR_KINDS,
  CsvColumnError,
  WRITABLE_FORMATS,
  computeNextAccess,
  createTraceWriter,
  ensureNextAccess,
  formatFromPath,
  generateTrace,
  loadTrace,
  readTrace,
  relabelledKeyCount,
  sessionMatrixJson,
  traceStats,
  writeTrace,
  type GenerateOptions,
  type GeneratorKind,
  type SessionTrace,
  type TraceStats,
  type WritableFormat,
} from '@cachelab/cache-core';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { CliUsageError } from '../util/cli-error.js';
import { writeFileAtomic } from '../util/json.js';
import { parseNonNegativeInt, parsePositiveInt } from '../util/options.js';
import { addTraceOptions, formatCount, traceReadOptions, type TraceFlags } from '../util/trace-options.js';
import { loadTraceNoting, notePartialRecords } from '../util/load-trace.js';

export function register(program: Command): void {
  const trace = program.command('trace').description('inspect, convert and generate request traces');

  addTraceOptions(
    trace
      .command('stats')
      .description('requests, distinct objects, bytes, one-hit wonders, reuse distances')
      .argument('<file>', 'trace file'),
  )
    .option('--json', 'print the statistics as JSON')
    .addHelpText(
      'after',
      `
Examples:
  cachelab trace stats traces/cache2k-web07.txt
  cachelab trace stats ../shared/traces/cloudPhysicsIO.csv --csv time=2,key=5,size=4 --json
  cachelab trace stats access.log --skip-invalid`,
    )
    .action(async (file: string, flags: TraceFlags & { json?: boolean }) => {
      const loaded = await loadTraceNoting(file, traceReadOptions(flags));
      const stats = traceStats(loaded.batch);
      // Without sizes every request counts 1 byte: a byte count would only repeat the request count.
      const sized = loaded.hasSizes;
      const result = { trace: file, format: loaded.format, skipped: loaded.skipped, hasSizes: sized, ...stats, ...(sized ? {} : { bytes: null, distinctBytes: null }) };
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(describeStats(file, loaded.format, loaded.skipped, stats, sized));
    });

  addTraceOptions(
    trace
      .command('convert')
      .description('convert a trace to oracleGeneral, csv or txt')
      .argument('<input>', 'trace to read')
      .argument('<output>', 'file to write'),
  )
    .addOption(new Option('--to <format>', 'output format (default: from the output extension)').choices([...WRITABLE_FORMATS]))
    .option('--json', 'print a JSON summary')
    .addHelpText(
      'after',
      `
Examples:
  cachelab trace convert ../shared/traces/cloudPhysicsIO.csv cloud.bin --csv time=2,key=5,size=4
  cachelab trace convert traces/cache2k-web07.txt web07.csv
  cachelab trace convert access.log requests.txt --skip-invalid

Converting to oracleGeneral reads the whole trace first (it stores next-access positions);
the other formats stream.`,
    )
    .action(async (input: string, output: string, flags: TraceFlags & { to?: WritableFormat; json?: boolean }) => {
      const to = flags.to ?? writableFromPath(output);
      const options = traceReadOptions(flags);
      // Writing over the input would replace the trace with its (possibly lossy) conversion.
      if (sameFile(input, output)) throw new CliUsageError(`${output} is the input trace itself; write the conversion to another file`);
      let requests: number;
      let read: { keyCount: number; skipped: number; partial: number; partialExample: string | undefined; sessionCount: number; opCount: number; referrerCount: number; hasSizes: boolean | null };
      let relabelled = 0;
      if (to === 'oracleGeneral') {
        // oracleGeneral stores next-access positions, which need the whole trace.
        const loaded = await loadTrace(input, options);
        ensureNextAccess(loaded.batch, loaded.keyCount);
        requests = await writeTrace(output, to, loaded.batch, loaded);
        read = loaded;
        relabelled = relabelledKeyCount(loaded.batch, loaded, loaded.keyCount);
      } else {
        const reader = readTrace(input, options);
        const writer = createTraceWriter(output, to, reader);
        try {
          for await (const batch of reader) await writer.write(batch);
          requests = await writer.close();
          read = reader;
        } catch (error) {
          // A malformed record halfway: leave no shorter, valid-looking trace behind.
          await writer.abort();
          if (!(error instanceof CsvColumnError)) throw error;
          // The first batch decided the csv header and a later request has a field it lacked:
          // read the whole trace, whose counts decide the header, and write it again.
          process.stderr.write(`note: ${input}: request ${formatCount(error.request)} is the first with a ${error.column}; reading the whole trace to write the csv with a ${error.column} column\n`);
          const loaded = await loadTrace(input, options);
          requests = await writeTrace(output, to, loaded.batch, loaded);
          read = loaded;
        }
      }
      notePartialRecords(input, read);
      const keys = read.keyCount;
      const dropped = droppedFields(to, read, relabelled);
      const summary = {
        input, output, format: to, requests, objects: keys,
        ...(flags.skipInvalid ? { skipped: read.skipped } : {}),
        ...(dropped.length > 0 ? { dropped: dropped.map((d) => d.field) } : {}),
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        const skipped = read.skipped > 0 ? `; ${formatCount(read.skipped)} invalid records skipped` : '';
        process.stdout.write(`wrote ${formatCount(requests)} requests (${formatCount(keys)} objects${skipped}) to ${output} as ${to}\n`);
        if (dropped.length > 0) process.stdout.write(`${to} cannot hold ${dropped.map((d) => d.what).join(', ')}: dropped (use csv to keep them)\n`);
      }
    });

  /** The generator options each workload kind reads (--requests, --seed and the output apply to all). */
  const KIND_OPTIONS: Record<string, readonly GeneratorKind[]> = {
    objects: ['zipf', 'loop', 'shift'],
    alpha: ['zipf'],
    shiftEvery: ['shift'],
    shiftBy: ['shift'],
    endpoints: ['sessions'],
    users: ['sessions'],
    fanout: ['sessions'],
  };
  trace
    .command('generate')
    .description('write a seeded synthetic trace')
    .addOption(new Option('--kind <kind>', 'workload').choices([...GENERATOR_KINDS]).makeOptionMandatory())
    .option('--requests <n>', 'number of requests', parsePositiveInt('--requests'), 100_000)
    .option('--seed <n>', 'random seed', parseNonNegativeInt('--seed'), 0)
    .requiredOption('--out <file>', 'output file (.txt, .csv, .bin)')
    .addOption(new Option('--to <format>', 'output format (default: from the extension)').choices([...WRITABLE_FORMATS]))
    .option('--objects <n>', 'zipf: population; loop: loop length; shift: working-set size', parsePositiveInt('--objects'), 10_000)
    .option('--alpha <a>', 'zipf skew', parseAlpha, 0.8)
    .option('--shift-every <n>', 'shift: requests between shifts', parsePositiveInt('--shift-every'), 10_000)
    .option('--shift-by <n>', 'shift: keys the working set slides per shift', parsePositiveInt('--shift-by'), 1_000)
    .option('--endpoints <n>', 'sessions: API endpoints', parsePositiveInt('--endpoints'), 200)
    .option('--users <n>', 'sessions: concurrent users', parsePositiveInt('--users'), 50)
    .option('--fanout <n>', 'sessions: successors per endpoint', parsePositiveInt('--fanout'), 3)
    .option('--matrix <file>', 'sessions: also write the true transition matrix as JSON')
    .option('--json', 'print a JSON summary')
    .addHelpText(
      'after',
      `
Examples:
  cachelab trace generate --kind zipf --alpha 0.9 --objects 50000 --requests 1000000 --seed 1 --out zipf.bin
  cachelab trace generate --kind sessions --endpoints 100 --users 20 --seed 7 --out api.csv --matrix api-matrix.json

Same options and seed → byte-identical file. The sessions csv starts with a header row
(time,key,size,session) that every cachelab command recognises, so its session column is read
with no option. Rows and columns of the --matrix file are endpoint indices; its "keys" array gives the
key label (/api/eN) of each, which is how a trace read back from the file maps to them.`,
    )
    .action(async (flags: GenerateFlags, command: Command) => {
      const to = flags.to ?? writableFromPath(flags.out);
      if (flags.matrix && flags.kind !== 'sessions') throw new CliUsageError('--matrix needs --kind sessions');
      // A workload option typed for another kind (`--kind sessions --objects 500`) would be
      // ignored and the file written without it; each kind reads only its own.
      const ignored = Object.entries(KIND_OPTIONS)
        .filter(([option, kinds]) => command.getOptionValueSource(option) === 'cli' && !kinds.includes(flags.kind))
        .map(([option, kinds]) => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} (${kinds.join(', ')})`);
      if (ignored.length > 0) throw new CliUsageError(`--kind ${flags.kind} does not use ${ignored.join(', ')}; drop ${ignored.length === 1 ? 'it' : 'them'} or pick the kind ${ignored.length === 1 ? 'it is' : 'they are'} for`);
      const generated = generateTrace(generateOptions(flags));
      if (to === 'oracleGeneral') computeNextAccess(generated.batch, generated.keyCount);
      // Only the sessions workload has sizes (response bytes) and sessions; others have size 1.
      const hasSizes = flags.kind === 'sessions';
      const labels = {
        keyLabel: generated.keyLabel,
        sessionLabel: (id: number) => String(id),
        hasSizes,
      };
      const requests = await writeTrace(flags.out, to, generated.batch, labels);
      if (flags.matrix) {
        writeFileAtomic(flags.matrix, `${JSON.stringify(sessionMatrixJson(generated as SessionTrace))}\n`);
      }
      // A sessions trace's key ids are its endpoints, requested or not: count the objects written.
      const objects = distinctKeys(generated.batch, generated.keyCount);
      const relabelled = to === 'oracleGeneral' ? relabelledKeyCount(generated.batch, generated, generated.keyCount) : 0;
      const dropped = droppedFields(to, { sessionCount: generated.sessionCount, opCount: 0, referrerCount: 0, hasSizes }, relabelled);
      const summary = {
        out: flags.out, format: to, kind: flags.kind, seed: flags.seed, requests, objects, sessions: generated.sessionCount,
        ...(dropped.length > 0 ? { dropped: dropped.map((d) => d.field) } : {}),
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        process.stdout.write(`wrote ${formatCount(requests)} ${flags.kind} requests (${formatCount(objects)} objects, seed ${flags.seed}) to ${flags.out}\n`);
        if (dropped.length > 0) process.stdout.write(`${to} cannot hold ${dropped.map((d) => d.what).join(', ')}: dropped (use csv to keep them)\n`);
      }
    });
}

interface GenerateFlags {
  kind: GeneratorKind;
  requests: number;
  seed: number;
  out: string;
  to?: WritableFormat;
  objects: number;
  alpha: number;
  shiftEvery: number;
  shiftBy: number;
  endpoints: number;
  users: number;
  fanout: number;
  matrix?: string;
  json?: boolean;
}

function generateOptions(f: GenerateFlags): GenerateOptions {
  switch (f.kind) {
    case 'zipf':
      return { kind: 'zipf', requests: f.requests, objects: f.objects, alpha: f.alpha, seed: f.seed };
    case 'loop':
      return { kind: 'loop', requests: f.requests, objects: f.objects };
    case 'shift':
      return { kind: 'shift', requests: f.requests, objects: f.objects, shiftEvery: f.shiftEvery, shiftBy: f.shiftBy, seed: f.seed };
    case 'sessions':
      return { kind: 'sessions', requests: f.requests, endpoints: f.endpoints, users: f.users, fanout: f.fanout, seed: f.seed };
  }
}

function parseAlpha(value: string): number {
  const alpha = Number(value);
  if (value.trim() === '' || !(alpha >= 0 && Number.isFinite(alpha))) throw new CliUsageError(`--alpha must be a finite number ≥ 0, got "${value}"`);
  return alpha;
}

/** Whether `output` already exists and is the same file as `input` (also through a link). */
function sameFile(input: string, output: string): boolean {
  if (resolve(input) === resolve(output)) return true;
  try {
    const a = statSync(input);
    const b = statSync(output);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

/** Distinct key ids among a batch's requests (ids below keyCount). */
function distinctKeys(batch: { length: number; key: Uint32Array }, keyCount: number): number {
  const seen = new Uint8Array(keyCount);
  let distinct = 0;
  for (let i = 0; i < batch.length; i++) {
    const key = batch.key[i]!;
    if (seen[key] === 0) {
      seen[key] = 1;
      distinct++;
    }
  }
  return distinct;
}

/** Fields of the input that the output format has no place for (only csv keeps op, session, referrer). */
function droppedFields(
  to: WritableFormat,
  read: { sessionCount: number; opCount: number; referrerCount: number; hasSizes: boolean | null },
  relabelledKeys = 0,
): { field: string; what: string }[] {
  if (to === 'csv') return [];
  const dropped: { field: string; what: string }[] = [];
  if (relabelledKeys > 0) dropped.push({ field: 'key', what: `key labels (${formatCount(relabelledKeys)} keys are not integers; written as 2^52 + their index)` });
  if (to === 'txt' && read.hasSizes !== false) dropped.push({ field: 'size', what: 'sizes' });
  if (read.opCount > 0) dropped.push({ field: 'op', what: `operations (${formatCount(read.opCount)})` });
  if (read.sessionCount > 0) dropped.push({ field: 'session', what: `sessions (${formatCount(read.sessionCount)})` });
  if (read.referrerCount > 0) dropped.push({ field: 'referrer', what: `referrers (${formatCount(read.referrerCount)})` });
  return dropped;
}

function writableFromPath(path: string): WritableFormat {
  const format = formatFromPath(path);
  if (format && (WRITABLE_FORMATS as readonly string[]).includes(format)) return format as WritableFormat;
  throw new CliUsageError(`cannot tell the output format of ${path}; pass --to ${WRITABLE_FORMATS.join('|')}`);
}

function describeStats(file: string, format: string, skipped: number, s: TraceStats, sized: boolean): string {
  const r = s.reuseDistance;
  const lines = [
    `trace             ${file} (${format})`,
    `requests          ${formatCount(s.requests)}${skipped > 0 ? ` (${formatCount(skipped)} invalid records skipped)` : ''}`,
    `distinct objects  ${formatCount(s.distinctObjects)}`,
    sized
      ? `bytes requested   ${formatCount(s.bytes)} (distinct objects: ${formatCount(s.distinctBytes)})`
      : 'bytes requested   n/a (the trace has no object sizes)',
    `one-hit wonders   ${formatCount(s.oneHitWonders)} (${(100 * s.oneHitWonderRatio).toFixed(1)}% of objects)`,
  ];
  if (s.sessions > 0) lines.push(`sessions          ${formatCount(s.sessions)}`);
  lines.push(
    `reuse distance    ${formatCount(r.reuses)} reuses; mean ${r.mean.toFixed(1)}, median ${formatCount(r.median)}, p90 ${formatCount(r.p90)}, p99 ${formatCount(r.p99)}, max ${formatCount(r.max)} distinct keys`,
    '',
  );
  return lines.join('\n');
}
