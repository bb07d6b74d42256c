/**
 * Trace writers for oracleGeneral, csv and txt (the formats `trace convert` and
 * `trace generate` produce). Writers take batches, so a converted trace streams through;
 * oracleGeneral needs next-access positions, which callers compute on the whole trace first.
 * Only csv keeps op, session and referrer; txt and oracleGeneral hold keys (and times, sizes) alone.
 */
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { TraceFileError } from './errors.js';
import { canonicalInteger } from './interner.js';
import { ORACLE_GENERAL_RECORD_BYTES } from './readers/oracle-general.js';
import { ABSENT, UNKNOWN_NEXT_ACCESS, type RequestBatch } from './request.js';

export const WRITABLE_FORMATS = ['oracleGeneral', 'csv', 'txt'] as const;
export type WritableFormat = (typeof WRITABLE_FORMATS)[number];

/** What a writer needs besides the requests: the original key (and op, session, referrer) labels. */
export interface TraceLabels {
  keyLabel(id: number): string;
  opLabel?(id: number): string;
  sessionLabel?(id: number): string;
  referrerLabel?(id: number): string;
  /**
   * Distinct operations, sessions, referrers: a LoadedTrace's counts for the whole trace, a
   * streaming TraceReader's so far. Above 0 (with the label function), the csv writer writes the
   * column even when the first requests lack the field.
   */
  opCount?: number;
  sessionCount?: number;
  referrerCount?: number;
  /**
   * False when the trace has no object sizes (txt; a TraceReader knows once its first batch is
   * read): the csv then gets no size column, so that it reads back without sizes instead of
   * with a column of 1s that a byte-sized cache would take for real sizes.
   */
  hasSizes?: boolean | null;
}

/**
 * Writes to a temporary file beside `path` (`<path>.<pid>.tmp`) that `close()` renames into place,
 * so a conversion that fails halfway (a malformed record at line 900,000) never leaves a shorter,
 * valid-looking trace at `path`. A `write()` that throws removes the temporary file itself; a caller
 * whose own loop fails (e.g. the reader) calls `abort()`.
 */
export interface TraceWriter {
  write(batch: RequestBatch): Promise<void>;
  /** Flushes and closes the file, moves it to its path; returns the number of requests written. */
  close(): Promise<number>;
  /** Discards what was written: the temporary file is removed and `path` is left as it was. */
  abort(): Promise<void>;
}

/**
 * A streamed csv whose header was decided on the first batch meets a field (op, session, referrer)
 * that batch did not have. Nothing is dropped: the write fails, and the caller writes the csv from
 * the whole trace instead (loadTrace, then writeTrace), whose counts decide the header.
 */
export class CsvColumnError extends ConfigError {
  constructor(
    path: string,
    readonly column: 'op' | 'session' | 'referrer',
    readonly request: number,
  ) {
    super(
      'to',
      `${path}: request ${request} has a ${column}, but none of the ${request - 1} requests before it had one, so the csv header has no ${column} column; write the csv from the whole trace (loadTrace, then writeTrace)`,
    );
  }
}

const TWO_32 = 4294967296;
const MAX_UINT32 = 0xffffffff;

export function createTraceWriter(path: string, format: WritableFormat, labels: TraceLabels): TraceWriter {
  // Like every other output of the toolkit, the file's folder is created when missing.
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new TraceFileError(path, `cannot create its folder: ${(error as Error).message}`, { cause: error });
  }
  const temporary = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  const failed = new Promise<never>((_, reject) =>
    out.once('error', (error) => reject(new TraceFileError(path, `cannot write: ${error.message}`, { cause: error }))),
  );
  failed.catch(() => undefined);
  let written = 0;
  let columns: CsvExtras | null = null;
  const push = async (chunk: string | Buffer): Promise<void> => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  };
  const encode = encoders[format];
  const ids = new ObjectIds(labels, path);
  const discard = async (): Promise<void> => {
    if (!out.destroyed) {
      out.destroy();
      await once(out, 'close').catch(() => undefined);
    }
    rmSync(temporary, { force: true });
  };
  const write = async (batch: RequestBatch): Promise<void> => {
    if (columns === null) {
      // Optional csv columns are decided once, from the trace's counts or the first batch (not
      // its first request: a log's first request often has no referrer), and kept for the file.
      columns = {
        size: labels.hasSizes !== false,
        op: hasColumn('op', batch, labels),
        session: hasColumn('session', batch, labels),
        referrer: hasColumn('referrer', batch, labels),
      };
      if (format === 'csv') {
        await push(`time,key${columns.size ? ',size' : ''}${OPTIONAL_COLUMNS.map((c) => (columns![c] ? `,${c}` : '')).join('')}\n`);
      }
    } else if (format === 'csv') {
      // A stream whose first batch lacked a field that a later one has: fail rather than drop it.
      for (const column of OPTIONAL_COLUMNS) {
        const at = columns[column] || labels[`${column}Label`] === undefined ? -1 : firstPresent(batch[column], batch.length);
        if (at >= 0) throw new CsvColumnError(path, column, written + at + 1);
      }
    }
    await push(encode(batch, labels, written, path, columns, ids));
    written += batch.length;
  };
  return {
    async write(batch) {
      try {
        await write(batch);
      } catch (error) {
        await discard();
        throw error;
      }
    },
    async close() {
      try {
        out.end();
        // 'close' (after 'finish'): the file is flushed and its descriptor closed before the rename.
        await Promise.race([once(out, 'close'), failed]);
        renameSync(temporary, path);
      } catch (error) {
        await discard();
        if (error instanceof TraceFileError) throw error;
        throw new TraceFileError(path, `cannot write: ${(error as Error).message}`, { cause: error });
      }
      return written;
    },
    abort: discard,
  };
}

/** Writes a whole trace; returns the number of requests written. */
export async function writeTrace(path: string, format: WritableFormat, batch: RequestBatch, labels: TraceLabels): Promise<number> {
  const writer = createTraceWriter(path, format, labels);
  const chunk = 1 << 16;
  for (let at = 0; at < batch.length; at += chunk) await writer.write(sliceBatch(batch, at, Math.min(batch.length, at + chunk)));
  return writer.close();
}

/** A view of requests [start, end) of a batch (no copy). */
export function sliceBatch(batch: RequestBatch, start: number, end: number): RequestBatch {
  return {
    length: end - start,
    time: batch.time.subarray(start, end),
    key: batch.key.subarray(start, end),
    size: batch.size.subarray(start, end),
    session: batch.session.subarray(start, end),
    op: batch.op.subarray(start, end),
    referrer: batch.referrer.subarray(start, end),
    nextAccess: batch.nextAccess.subarray(start, end),
  };
}

const OPTIONAL_COLUMNS = ['op', 'session', 'referrer'] as const;
type OptionalColumn = (typeof OPTIONAL_COLUMNS)[number];
type CsvExtras = Record<OptionalColumn | 'size', boolean>;

/** A csv column for `column` when its labels exist and the trace (or this first batch) has one. */
function hasColumn(column: OptionalColumn, batch: RequestBatch, labels: TraceLabels): boolean {
  if (labels[`${column}Label`] === undefined) return false;
  return (labels[`${column}Count`] ?? 0) > 0 || firstPresent(batch[column], batch.length) >= 0;
}

type Encoder = (batch: RequestBatch, labels: TraceLabels, before: number, path: string, columns: CsvExtras, ids: ObjectIds) => string | Buffer;

const encoders: Record<WritableFormat, Encoder> = {
  txt(batch, labels, _before, path) {
    let text = '';
    for (let i = 0; i < batch.length; i++) {
      const label = labels.keyLabel(batch.key[i]!);
      if (/\s/.test(label) || label === '') {
        throw new ConfigError('to', `${path}: key "${label}" cannot be written as txt (one key per line, no whitespace); use csv`);
      }
      text += `${label}\n`;
    }
    return text;
  },

  csv(batch, labels, _before, _path, columns) {
    const withSize = columns.size;
    const withOp = columns.op;
    const withSession = columns.session;
    const withReferrer = columns.referrer;
    let text = '';
    for (let i = 0; i < batch.length; i++) {
      text += `${batch.time[i]},${csvField(labels.keyLabel(batch.key[i]!))}`;
      if (withSize) text += `,${batch.size[i]}`;
      if (withOp) text += `,${csvField(optional(batch.op[i]!, labels.opLabel!))}`;
      if (withSession) text += `,${csvField(optional(batch.session[i]!, labels.sessionLabel!))}`;
      if (withReferrer) text += `,${csvField(optional(batch.referrer[i]!, labels.referrerLabel!))}`;
      text += '\n';
    }
    return text;
  },

  oracleGeneral(batch, _labels, before, path, _columns, ids) {
    const buffer = Buffer.alloc(batch.length * ORACLE_GENERAL_RECORD_BYTES);
    for (let i = 0; i < batch.length; i++) {
      const at = i * ORACLE_GENERAL_RECORD_BYTES;
      const time = batch.time[i]!;
      const size = batch.size[i]!;
      const next = batch.nextAccess[i]!;
      if (next === UNKNOWN_NEXT_ACCESS) throw new Error('oracleGeneral writer: next-access positions are unknown; run computeNextAccess on the trace first');
      const position = before + i + 1;
      if (!(time >= 0 && time <= MAX_UINT32)) throw new ConfigError('to', `${path}: request ${position} has time ${time}, outside oracleGeneral's uint32`);
      // Flooring would silently merge times (1.25 and 1.5 both became 1).
      if (!Number.isInteger(time)) throw new ConfigError('to', `${path}: request ${position} has time ${time}, but oracleGeneral times are whole numbers; use csv`);
      if (!(size >= 0 && size <= MAX_UINT32)) throw new ConfigError('to', `${path}: request ${position} has size ${size}, outside oracleGeneral's uint32`);
      // Rounding would change byte-sized results between the trace and its conversion.
      if (!Number.isInteger(size)) throw new ConfigError('to', `${path}: request ${position} has size ${size}, but oracleGeneral sizes are whole bytes; use csv`);
      buffer.writeUInt32LE(time, at);
      ids.write(buffer, at + 4, batch.key[i]!);
      buffer.writeUInt32LE(size, at + 12);
      buffer.writeBigInt64LE(BigInt(next < 0 ? -1 : next + 1), at + 16);
    }
    return buffer;
  },
};

/** High word of the obj_ids given to keys that are not integers: 2^52 + the key's dense id. */
const SYNTHETIC_HIGH = 0x100000;
const UNKNOWN = 0;
const REAL = 1;
const SYNTHETIC = 2;

/**
 * The obj_id of each key, worked out once per key: the original key when it is a decimal integer
 * below 2^64 (libCacheSim's ids, 64-bit hashes: all of them, not only those below 10^15, so an
 * oracleGeneral trace converts to itself), else 2^52 + its dense id. A key whose own id lies in
 * that range and equals another key's 2^52 + id is refused: the two objects would become one.
 */
/** A decimal integer of 16 to 20 digits below 2^64: a 64-bit obj_id that oracleGeneral keeps as it is. */
function isLargeObjectId(label: string): boolean {
  return /^[1-9][0-9]{15,19}$/.test(label) && BigInt(label) < 2n ** 64n;
}

/**
 * Keys of `batch` whose label oracleGeneral cannot keep (not a decimal integer below 2^64: a URL,
 * a hash): written as 2^52 + their index, so the label is lost. For conversion reports.
 */
export function relabelledKeyCount(batch: RequestBatch, labels: Pick<TraceLabels, 'keyLabel'>, keyCount: number): number {
  const seen = new Uint8Array(keyCount);
  let count = 0;
  for (let i = 0; i < batch.length; i++) {
    const key = batch.key[i]!;
    if (seen[key] === 1) continue;
    seen[key] = 1;
    const label = labels.keyLabel(key);
    if (canonicalInteger(label) < 0 && !isLargeObjectId(label)) count++;
  }
  return count;
}

class ObjectIds {
  private low = new Uint32Array(1024);
  private high = new Uint32Array(1024);
  private kind = new Uint8Array(1024);
  /** Keys whose own id is 2^52 + offset, by offset (the only ones a synthetic id can meet). */
  private readonly inSyntheticRange = new Map<number, number>();

  constructor(
    private readonly labels: TraceLabels,
    private readonly path: string,
  ) {}

  /** Writes the obj_id of `key` as a little-endian uint64 at `at`. */
  write(buffer: Buffer, at: number, key: number): void {
    if (key >= this.kind.length || this.kind[key] === UNKNOWN) this.learn(key);
    buffer.writeUInt32LE(this.low[key]!, at);
    buffer.writeUInt32LE(this.high[key]!, at + 4);
  }

  private learn(key: number): void {
    if (key >= this.kind.length) {
      const grown = Math.max(key + 1, this.kind.length * 2);
      const copy = <T extends Uint32Array | Uint8Array>(from: T, to: T): T => (to.set(from), to);
      this.low = copy(this.low, new Uint32Array(grown));
      this.high = copy(this.high, new Uint32Array(grown));
      this.kind = copy(this.kind, new Uint8Array(grown));
    }
    const label = this.labels.keyLabel(key);
    const small = canonicalInteger(label); // below 10^15: no BigInt needed, never in the synthetic range
    let low: number;
    let high: number;
    let kind = REAL;
    if (small >= 0) {
      low = small % TWO_32;
      high = Math.floor(small / TWO_32);
    } else if (isLargeObjectId(label)) {
      const value = BigInt(label);
      low = Number(value & 0xffffffffn);
      high = Number(value >> 32n);
      if (high === SYNTHETIC_HIGH) {
        if (low < this.kind.length && this.kind[low] === SYNTHETIC) this.clash(low, key);
        this.inSyntheticRange.set(low, key);
      }
    } else {
      low = key;
      high = SYNTHETIC_HIGH;
      kind = SYNTHETIC;
      const owner = this.inSyntheticRange.get(key);
      if (owner !== undefined) this.clash(key, owner);
    }
    this.low[key] = low;
    this.high[key] = high;
    this.kind[key] = kind;
  }

  private clash(synthetic: number, real: number): never {
    throw new ConfigError(
      'to',
      `${this.path}: keys "${this.labels.keyLabel(synthetic)}" and "${this.labels.keyLabel(real)}" would both be obj_id ${2 ** 52 + synthetic} (keys that are not integers are written as 2^52 + their index); use csv`,
    );
  }
}

/** Index of the first of `length` values that is not ABSENT, or -1. */
function firstPresent(values: Int32Array, length: number): number {
  for (let i = 0; i < length; i++) if (values[i] !== ABSENT) return i;
  return -1;
}

function optional(id: number, label: (id: number) => string): string {
  return id === ABSENT ? '' : label(id);
}

/**
 * Quotes a field with a quote, comma or line break, and one with leading or trailing whitespace:
 * the reader trims unquoted fields, so " a" would come back as "a" (another key).
 */
function csvField(text: string): string {
  return /[",\n\r]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
