/**
 * The trace-reading options shared by `replay`, `mrc` and `trace`: --format, --csv, --header,
 * --delimiter, --skip-invalid, and policy `--param name=value` parsing.
 */
import { LOG_SESSIONS, TRACE_FORMATS, type LogSession, type TraceReadOptions } from '@cachelab/cache-core';
import { Option, type Command } from 'commander';
import { CliUsageError } from './cli-error.js';
import { parsePositiveInt } from './options.js';

export interface TraceFlags {
  format?: string;
  csv?: string;
  header?: boolean;
  delimiter?: string;
  skipInvalid?: boolean;
  limit?: number;
  logSession?: LogSession;
}

export function addTraceOptions(command: Command): Command {
  return command
    .option('--format <format>', `trace format: ${TRACE_FORMATS.join('|')} (default: from the file extension)`)
    .option('--csv <mapping>', 'CSV column mapping, 1-based columns or header names: time=2,key=5,size=4[,op=3,session=N,referrer=N]')
    .option('--header', 'the CSV trace starts with a header row (default: detected from a non-numeric time/size in the first row, or without --csv from a well-known key column name such as key or obj_id)')
    .option('--no-header', 'the first CSV row is data even if it does not look like it')
    .option('--delimiter <char>', 'CSV field delimiter, e.g. \';\' or tab (default: ",")', parseDelimiter)
    .option('--skip-invalid', 'skip malformed records and count them instead of failing')
    .option('--limit <n>', 'read only the first n requests', parsePositiveInt('--limit'))
    .addOption(
      new Option('--log-session <by>', 'access logs: a session is the client address, or the address plus the user agent (users behind one address apart)').choices([
        ...LOG_SESSIONS,
      ]),
    );
}

export function traceReadOptions(flags: TraceFlags): TraceReadOptions {
  const options: TraceReadOptions = {};
  if (flags.format !== undefined) options.format = flags.format as TraceReadOptions['format'] & string;
  if (flags.csv !== undefined) options.csv = flags.csv;
  if (flags.header !== undefined) options.header = flags.header;
  if (flags.delimiter !== undefined) options.delimiter = flags.delimiter;
  if (flags.skipInvalid) options.skipInvalid = true;
  if (flags.limit !== undefined) options.limit = flags.limit;
  if (flags.logSession !== undefined) options.logSession = flags.logSession;
  return options;
}

/**
 * `--delimiter`: the text between CSV fields (an experiment's trace entry calls it `delimiter`).
 * `tab` and a typed `\t` mean a tab, which is awkward to pass through a shell. Quotes and line
 * breaks would make csv-parse misread every record, so they are refused here, naming the flag.
 */
export function parseDelimiter(value: string): string {
  const delimiter = csvDelimiter(value);
  if (delimiter === null) throw new CliUsageError(`--delimiter must be the text between CSV fields, such as ';' or tab, got "${value}"`);
  return delimiter;
}

/** The delimiter a `--delimiter` or an experiment's `delimiter` text means; null when it cannot separate CSV fields. */
export function csvDelimiter(value: string): string | null {
  const delimiter = value === 'tab' || value === '\\t' ? '\t' : value;
  return delimiter === '' || /["\r\n]/.test(delimiter) ? null : delimiter;
}

/** Collects repeated `--param name=value`: numbers and true/false are typed, anything else stays text. */
export function collectParam(value: string, previous: Record<string, number | string | boolean> = {}): Record<string, number | string | boolean> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliUsageError(`--param expects name=value, got "${value}"`);
  const name = value.slice(0, eq).trim();
  const text = value.slice(eq + 1).trim();
  let parsed: number | string | boolean = text;
  if (text === 'true' || text === 'false') parsed = text === 'true';
  else if (text !== '' && Number.isFinite(Number(text))) parsed = Number(text);
  return { ...previous, [name]: parsed };
}

/** 12345678 → "12,345,678". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
