/** Trace formats, their detection from file names, and the options every reader takes. */
import { extname } from 'node:path';
import { ConfigError } from '../errors.js';

export const TRACE_FORMATS = ['oracleGeneral', 'csv', 'txt', 'log'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Columns of a CSV trace: 1-based column numbers, or header names when the file has a header. */
export interface CsvColumns {
  key: number | string;
  time?: number | string;
  size?: number | string;
  op?: number | string;
  session?: number | string;
  /** The page a request came from (e.g. an access log's Referer); interned apart from keys. */
  referrer?: number | string;
}

export interface TraceReadOptions {
  /** Format; detected from the extension when absent (.bin/.oracleGeneral, .csv, .txt, .log). */
  format?: TraceFormat;
  /** CSV column mapping: `time=2,key=5,size=4` (1-based columns or header names) or an object. */
  csv?: string | CsvColumns;
  /**
   * CSV: the first row is a header. Default: detected — with a numeric column mapping, a first row
   * whose time or size column is not a number is taken as the header (`version,time,op,size,lbn`).
   */
  header?: boolean;
  /** CSV field delimiter. Default `,`. */
  delimiter?: string;
  /** Skip malformed records and count them (`skipped`) instead of failing. Default false. */
  skipInvalid?: boolean;
  /** Requests per batch handed out by the streaming reader. Default 65,536. */
  batchSize?: number;
  /** Read at most this many requests. Default: all. */
  limit?: number;
  /**
   * Access logs: what makes a session (client). `client` (default): the client address, as in the
   * log's first field. `client-agent`: the address and the user agent of the Combined Log Format
   * together, so that users behind one address (a NAT, a proxy) and a crawler sharing an address
   * with a browser become separate sessions; a line without an agent falls back to its address.
   */
  logSession?: LogSession;
}

export const LOG_SESSIONS = ['client', 'client-agent'] as const;
export type LogSession = (typeof LOG_SESSIONS)[number];

/** The format a file name implies, or undefined. `.oracleGeneral.bin`, `.oracleGeneral`, `.bin` → oracleGeneral. */
export function formatFromPath(path: string): TraceFormat | undefined {
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case '.bin':
    case '.oraclegeneral':
      return 'oracleGeneral';
    case '.csv':
      return 'csv';
    case '.txt':
      return 'txt';
    case '.log':
      return 'log';
    default:
      return undefined;
  }
}

export function resolveFormat(path: string, format: string | undefined): TraceFormat {
  if (format !== undefined) {
    const found = TRACE_FORMATS.find((f) => f.toLowerCase() === format.toLowerCase());
    if (!found) throw new ConfigError('format', `unknown trace format "${format}"; use one of ${TRACE_FORMATS.join(', ')}`);
    return found;
  }
  const detected = formatFromPath(path);
  if (detected) return detected;
  const hint = /\.(zst|gz|xz|bz2)$/i.test(path) ? ' (compressed traces must be decompressed first)' : '';
  throw new ConfigError(
    'format',
    `cannot tell the format of ${path} from its extension${hint}; name it with --format ${TRACE_FORMATS.join('|')}`,
  );
}

const CSV_FIELDS = ['key', 'time', 'size', 'op', 'session', 'referrer'] as const;

/** Parses `time=2,key=5,size=4` into CsvColumns; numbers are 1-based, anything else a header name. */
export function parseCsvColumns(spec: string): CsvColumns {
  const columns: Partial<Record<(typeof CSV_FIELDS)[number], number | string>> = {};
  for (const part of spec.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const field = eq > 0 ? item.slice(0, eq).trim() : '';
    const value = eq > 0 ? item.slice(eq + 1).trim() : '';
    if (!(CSV_FIELDS as readonly string[]).includes(field) || value === '') {
      throw new ConfigError('csv', `bad column mapping "${item}" in "${spec}"; expected FIELD=COLUMN with FIELD one of ${CSV_FIELDS.join(', ')}, e.g. time=2,key=5,size=4`);
    }
    if (columns[field as (typeof CSV_FIELDS)[number]] !== undefined) {
      throw new ConfigError('csv', `${field} is mapped twice in "${spec}"; give each field one column`);
    }
    // One column read as two fields (key=1,session=1) is almost surely a typo for another column.
    const other = Object.entries(columns).find(([, v]) => String(v) === value);
    if (other) throw new ConfigError('csv', `${other[0]} and ${field} both read column ${value} in "${spec}"; give each field its own column`);
    if (/^\d+$/.test(value)) {
      const column = Number(value);
      if (column < 1) throw new ConfigError('csv', `column numbers are 1-based; got ${field}=${value}`);
      columns[field as (typeof CSV_FIELDS)[number]] = column;
    } else {
      columns[field as (typeof CSV_FIELDS)[number]] = value;
    }
  }
  if (columns.key === undefined) throw new ConfigError('csv', `column mapping "${spec}" has no key column; add e.g. key=5`);
  return columns as CsvColumns;
}
