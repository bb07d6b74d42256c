/**
 * Opening traces: `readTrace` streams a file of any format as reused RequestBatch chunks;
 * `loadTrace` reads a whole trace into one batch. Both intern keys (and sessions, ops, referrers)
 * to dense ids once, in order of first appearance, each in its own id space.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TraceAccumulator } from './batch-builder.js';
import { TraceFileError, TraceFormatError } from './errors.js';
import { ConfigError } from '../errors.js';
import { LOG_SESSIONS, resolveFormat, type LogSession, type TraceFormat, type TraceReadOptions } from './format.js';
import { KeyInterner } from './interner.js';
import { computeNextAccess, ensureNextAccess, repairNextAccess } from './next-access.js';
import type { ReaderContext } from './readers/context.js';
import { readCsv } from './readers/csv.js';
import { readLog } from './readers/log.js';
import { ORACLE_GENERAL_RECORD_BYTES, readOracleGeneral } from './readers/oracle-general.js';
import { readTxt } from './readers/txt.js';
import type { RequestBatch } from './request.js';

const DEFAULT_BATCH_SIZE = 1 << 16;

/**
 * A streaming trace reader. Iterate it once (`for await (const batch of reader)`); each batch is
 * the same reused object, valid until the next iteration step. Afterwards `keyCount`,
 * `sessionCount`, `referrerCount`, `skipped` and `keyLabel` describe what was read.
 */
export class TraceReader implements AsyncIterable<RequestBatch> {
  readonly format: TraceFormat;
  /** Requests handed out so far. */
  requests = 0;
  /** Malformed records skipped (only with skipInvalid). */
  skipped = 0;
  /**
   * Records kept without an optional field that could not be read (an access-log line whose
   * referrer and user agent have an unterminated quote); `partialExample` says the first.
   */
  partial = 0;
  partialExample: string | undefined;
  private readonly keys = new KeyInterner();
  private readonly sessions = new KeyInterner();
  private readonly ops = new KeyInterner();
  private readonly referrers = new KeyInterner();
  private started = false;
  private sizesKnown: boolean | null;

  constructor(
    readonly path: string,
    private readonly options: TraceReadOptions = {},
  ) {
    assertReadableFile(path);
    this.format = resolveFormat(path, options.format);
    // oracleGeneral and access logs always carry sizes, txt never; CSV says once its columns are known.
    this.sizesKnown = this.format === 'txt' ? false : this.format === 'csv' ? null : true;
  }

  /**
   * Whether requests carry real object sizes: false for txt traces and CSV traces without a size
   * column (every request then has size 1, so a byte-sized cache would count objects), null for a
   * CSV whose columns are not read yet (known once the first batch has been handed out).
   */
  get hasSizes(): boolean | null {
    return this.sizesKnown;
  }

  /** Distinct keys so far; ids are 0 .. keyCount-1. */
  get keyCount(): number {
    return this.keys.size;
  }

  /** Distinct sessions (clients) so far; 0 when the format has none. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Distinct operations so far (HTTP methods, SCSI opcodes); 0 when the format has none. */
  get opCount(): number {
    return this.ops.size;
  }

  /** Distinct referrers so far; 0 when the format has none or no request had one. */
  get referrerCount(): number {
    return this.referrers.size;
  }

  /** The original key of an id, as text. */
  keyLabel = (id: number): string => this.keys.label(id);
  /** The original client/session of a session id. */
  sessionLabel = (id: number): string => this.sessions.label(id);
  /** The original operation of an op id (e.g. `GET`, `2a`). */
  opLabel = (id: number): string => this.ops.label(id);
  /** The original referrer of a referrer id (e.g. `http://example.com/page/`). */
  referrerLabel = (id: number): string => this.referrers.label(id);

  async *[Symbol.asyncIterator](): AsyncGenerator<RequestBatch> {
    if (this.started) throw new Error(`trace reader for ${this.path} can be iterated only once; open a new one`);
    this.started = true;
    const limit = this.options.limit ?? Infinity;
    for await (const batch of this.formatBatches()) {
      if (this.requests + batch.length >= limit) {
        batch.length = limit - this.requests;
        this.requests = limit;
        if (batch.length > 0) yield batch;
        return;
      }
      this.requests += batch.length;
      yield batch;
    }
    if (this.requests === 0) {
      const why = this.skipped > 0 ? `all ${this.skipped} records were invalid and skipped` : 'the file holds no requests';
      throw new TraceFormatError(this.path, null, `empty trace: ${why}`);
    }
  }

  private logSession(): LogSession {
    const value = this.options.logSession ?? 'client';
    if (!LOG_SESSIONS.includes(value)) throw new ConfigError('logSession', `must be one of ${LOG_SESSIONS.join(', ')}, got "${String(value)}"`);
    return value;
  }

  private formatBatches(): AsyncGenerator<RequestBatch> {
    const path = this.path;
    const skipInvalid = this.options.skipInvalid ?? false;
    const context: ReaderContext = {
      path,
      keys: this.keys,
      sessions: this.sessions,
      ops: this.ops,
      referrers: this.referrers,
      batchSize: Math.max(1, this.options.batchSize ?? DEFAULT_BATCH_SIZE),
      limit: this.options.limit ?? Infinity,
      logSession: this.logSession(),
      noteSizes: (hasSizes) => {
        this.sizesKnown = hasSizes;
      },
      invalid: (location, problem) => {
        if (!skipInvalid) throw new TraceFormatError(path, location, `${problem} (use --skip-invalid to skip such records)`);
        this.skipped++;
      },
      partial: (location, problem) => {
        if (this.partial++ === 0) this.partialExample = `${location === null ? '' : 'line' in location ? `line ${location.line}: ` : `byte ${location.byte}: `}${problem}`;
      },
    };
    switch (this.format) {
      case 'oracleGeneral':
        return readOracleGeneral(context);
      case 'txt':
        return readTxt(context);
      case 'log':
        return readLog(context);
      case 'csv':
        return readCsv(context, {
          header: this.options.header ?? 'auto',
          delimiter: this.options.delimiter ?? ',',
          ...(this.options.csv !== undefined ? { columns: this.options.csv } : {}),
        });
    }
  }
}

/**
 * Fails early, with the path and what to do, when a trace cannot be opened: otherwise a missing
 * file surfaced as a bare ENOENT from deep inside a reader, or as "cannot tell the format".
 */
function assertReadableFile(path: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
    if (!isDirectory) accessSync(path, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TraceFileError(path, 'no such trace file; check the path (shipped traces are in traces/, `cachelab trace generate` writes synthetic ones)', { cause: error });
    if (code === 'EACCES' || code === 'EPERM') throw new TraceFileError(path, 'permission denied; make the file readable', { cause: error });
    throw new TraceFileError(path, `cannot open: ${(error as Error).message}`, { cause: error });
  }
  if (isDirectory) throw new TraceFileError(path, 'is a directory; pass a trace file');
}

/** Opens a trace for streaming (see TraceReader). Nothing is read until it is iterated. */
export function readTrace(path: string, options: TraceReadOptions = {}): TraceReader {
  return new TraceReader(path, options);
}

/** A whole trace in memory. */
export interface LoadedTrace {
  path: string;
  format: TraceFormat;
  /** Every request; `batch.length` is the request count and the columns have exactly that length. */
  batch: RequestBatch;
  /** Distinct keys; ids are 0 .. keyCount-1 in order of first appearance. */
  keyCount: number;
  /** Distinct sessions (clients); 0 when the format has none. */
  sessionCount: number;
  /** Distinct operations (HTTP methods, SCSI opcodes); 0 when the format has none. */
  opCount: number;
  /** Distinct referrers; 0 when the format has none or no request had one. */
  referrerCount: number;
  /** Malformed records skipped (only with skipInvalid). */
  skipped: number;
  /** Records kept without an optional field that could not be read (see TraceReader.partial). */
  partial: number;
  partialExample: string | undefined;
  /**
   * oracleGeneral: records whose next_access_vtime disagreed with the trace itself (it must point
   * at the object's next request); the loaded trace carries the recomputed positions. 0 otherwise.
   */
  nextAccessRepaired: number;
  /**
   * Whether requests carry real object sizes (false: a txt trace or a CSV without a size column,
   * where every size is 1). Byte-sized caches need it: see CapacityContext.hasSizes.
   */
  hasSizes: boolean;
  /** The original key of an id, as text. */
  keyLabel(id: number): string;
  sessionLabel(id: number): string;
  opLabel(id: number): string;
  /** The original referrer of a referrer id. */
  referrerLabel(id: number): string;
}

/**
 * Reads a whole trace into one batch. oracleGeneral traces keep their next-access column
 * (recomputed if records were skipped, since positions shift); other formats have
 * UNKNOWN_NEXT_ACCESS until `computeNextAccess` runs (see `withNextAccess`).
 */
export async function loadTrace(path: string, options: TraceReadOptions = {}): Promise<LoadedTrace> {
  const reader = readTrace(path, options);
  let expected = 1 << 16;
  if (reader.format === 'oracleGeneral') {
    expected = Math.max(1, Math.floor((await stat(path)).size / ORACLE_GENERAL_RECORD_BYTES));
    if (options.limit !== undefined) expected = Math.min(expected, Math.max(1, options.limit));
  }
  const all = new TraceAccumulator(expected);
  for await (const batch of reader) all.append(batch);
  const batch = all.finish();
  let nextAccessRepaired = 0;
  if (reader.format === 'oracleGeneral' && (reader.skipped > 0 || options.limit !== undefined)) {
    computeNextAccess(batch, reader.keyCount); // positions shifted: recomputed, not checked
  } else if (reader.format === 'oracleGeneral') {
    nextAccessRepaired = repairNextAccess(batch, reader.keyCount);
  }
  return {
    path,
    format: reader.format,
    batch,
    keyCount: reader.keyCount,
    sessionCount: reader.sessionCount,
    opCount: reader.opCount,
    referrerCount: reader.referrerCount,
    skipped: reader.skipped,
    partial: reader.partial,
    partialExample: reader.partialExample,
    nextAccessRepaired,
    hasSizes: reader.hasSizes ?? true,
    keyLabel: reader.keyLabel,
    sessionLabel: reader.sessionLabel,
    opLabel: reader.opLabel,
    referrerLabel: reader.referrerLabel,
  };
}

/**
 * Whether a trace file carries object sizes (see TraceReader.hasSizes) without loading it: a CSV
 * is read up to its first request to learn its columns; other formats are known from the format.
 */
export async function traceHasSizes(path: string, options: TraceReadOptions = {}): Promise<boolean> {
  const reader = readTrace(path, { ...options, limit: 1 });
  if (reader.hasSizes !== null) return reader.hasSizes;
  for await (const _batch of reader) break;
  return reader.hasSizes ?? true;
}

/** Fills next-access positions when the trace lacks them (for policies with needsOracle). */
export function withNextAccess(trace: LoadedTrace): LoadedTrace {
  ensureNextAccess(trace.batch, trace.keyCount);
  return trace;
}
