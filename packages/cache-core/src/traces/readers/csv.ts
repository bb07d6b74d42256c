/**
 * CSV traces through csv-parse with a column mapping (1-based columns or header names), e.g.
 * `time=2,key=5,size=4` for libCacheSim's `version,time,op,size,lbn`. Missing time → the request
 * index; missing size → 1; op, session and referrer columns are interned to dense ids (an empty
 * field → ABSENT).
 */
import { Parser } from 'csv-parse';
import { ConfigError } from '../../errors.js';
import { BatchBuilder } from '../batch-builder.js';
import { TraceFormatError } from '../errors.js';
import { parseCsvColumns, type CsvColumns } from '../format.js';
import { ABSENT, UNKNOWN_NEXT_ACCESS, type RequestBatch } from '../request.js';
import type { ReaderContext } from './context.js';
import { MAX_LINE_BYTES, lineBuffers } from './lines.js';
import { clip } from './txt.js';

export interface CsvReadOptions {
  columns?: string | CsvColumns;
  /** 'auto': the first row is a header when its mapped time or size column is not a number. */
  header: boolean | 'auto';
  delimiter: string;
}

/** 0-based column indices; -1 where the trace has no such column. */
interface ColumnIndex {
  key: number;
  time: number;
  size: number;
  op: number;
  session: number;
  referrer: number;
}

/** Default mapping for a header row: well-known column names (libCacheSim, common exports). */
const DEFAULT_NAMES: Record<keyof ColumnIndex, string[]> = {
  key: ['key', 'obj_id', 'id', 'lbn', 'object', 'url'],
  time: ['time', 'timestamp', 'ts', 'clock_time'],
  size: ['size', 'obj_size', 'bytes'],
  op: ['op', 'operation', 'method'],
  session: ['session', 'client', 'user', 'tenant'],
  referrer: ['referrer', 'referer'],
};

export async function* readCsv(ctx: ReaderContext, options: CsvReadOptions): AsyncGenerator<RequestBatch> {
  const builder = new BatchBuilder(ctx.batchSize, ctx.limit);
  const mapping = typeof options.columns === 'string' ? parseCsvColumns(options.columns) : options.columns;
  const needsMapping = `${ctx.path}: a CSV trace needs a column mapping such as --csv time=2,key=5,size=4 (1-based columns), or --header with named columns`;
  if (!mapping && options.header === false) throw new ConfigError('csv', needsMapping);
  // With 'auto' and no mapping, a first row naming a well-known key column (e.g. the
  // `time,key,size` that `trace convert` writes) is the header; any other first row is an error.
  const sniffHeader = !mapping && options.header === 'auto';
  // With 'auto' and a mapping of column numbers, the first record decides (see consume).
  let detect = options.header === 'auto' && mapping !== undefined && isNumericMapping(mapping);
  const columnsOf = (header: string[] | null): ColumnIndex => {
    const resolved = resolveColumns(mapping, header, ctx.path);
    ctx.noteSizes(resolved.size >= 0);
    return resolved;
  };
  let index: ColumnIndex | null = mapping && (options.header === false || detect) ? columnsOf(null) : null;
  const parser = new Parser({
    delimiter: options.delimiter,
    // A UTF-8 byte-order mark (spreadsheet exports) would otherwise glue itself to the first name.
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    // An unclosed quote in a large file must not swallow it whole into memory.
    max_record_size: MAX_LINE_BYTES,
  });
  const api = parserApi(parser);
  // Records of the current file chunk with the line each ends on (csv-parse's running line count).
  const records: string[][] = [];
  const lines: number[] = [];
  // The line the last complete record (header included) ended on, and the blank lines skipped by
  // then: a broken quote opens on the first line after it that is not blank.
  let lastRecordLine = 0;
  let emptyLinesThen = 0;
  const push = (record: string[]): void => {
    records.push(record);
    lastRecordLine = api.info.lines;
    emptyLinesThen = api.info.empty_lines;
    lines.push(lastRecordLine);
  };
  let position = 0;

  /** Adds one record to the batch (or reads the header); false when it was skipped. */
  const consume = (record: string[], line: number): void => {
    if (detect) {
      detect = false;
      if (looksLikeHeader(record, index!)) return;
    }
    if (index === null) {
      if (sniffHeader && !namesKeyColumn(record)) throw new ConfigError('csv', needsMapping);
      index = columnsOf(record);
      return;
    }
    const keyText = record[index.key];
    if (keyText === undefined || keyText === '') {
      ctx.invalid({ line }, `no key in column ${index.key + 1} (the row has ${record.length} column${record.length === 1 ? '' : 's'})${otherDelimiterHint(record, options.delimiter)}`);
      return;
    }
    let time = position;
    if (index.time >= 0) {
      time = parseNumber(record[index.time]);
      if (!Number.isFinite(time)) {
        ctx.invalid({ line }, `time in column ${index.time + 1} is not a ${Number.isNaN(time) ? '' : 'finite '}number: "${clip(record[index.time] ?? '')}"`);
        return;
      }
    }
    let size = 1;
    if (index.size >= 0) {
      size = parseNumber(record[index.size]);
      // Above 2^53 a size is no longer exact (and 1e400 is Infinity): byte counts would be wrong.
      if (!(size >= 0 && size <= Number.MAX_SAFE_INTEGER)) {
        const what = size > Number.MAX_SAFE_INTEGER ? 'above 2^53 (not exact)' : 'not a non-negative number';
        ctx.invalid({ line }, `size in column ${index.size + 1} is ${what}: "${clip(record[index.size] ?? '')}"`);
        return;
      }
    }
    const op = index.op >= 0 ? internOptional(ctx.ops, record[index.op]) : ABSENT;
    const session = index.session >= 0 ? internOptional(ctx.sessions, record[index.session]) : ABSENT;
    const referrer = index.referrer >= 0 ? internOptional(ctx.referrers, record[index.referrer]) : ABSENT;
    builder.push(time, ctx.keys.internString(keyText), size, session, op, UNKNOWN_NEXT_ACCESS, referrer);
    position++;
  };

  const parseChunk = (chunk: Buffer | undefined): void => {
    const error = api.parse(chunk, chunk === undefined, push, () => undefined);
    if (error) {
      const line = (error as { lines?: number }).lines;
      // A quote left open is only noticed at the end of the file (or after a 1 MiB record): point at
      // the line after the last complete record (and the blank lines after it, which csv-parse
      // skipped), where the broken record starts, not at the end.
      const start = lastRecordLine + 1 + (api.info.empty_lines - emptyLinesThen);
      const opened = line !== undefined && start < line;
      const after = lastRecordLine === 0 ? `on line ${start}, the first record` : `after line ${lastRecordLine}, the last complete record`;
      const where = opened ? ` (the broken record starts ${after})` : '';
      // csv-parse cannot resynchronise after a broken quote (it swallows the lines up to the next
      // quote), so skipping the record would lose an unknown number of others: always an error.
      throw new TraceFormatError(
        ctx.path,
        opened ? { line: start } : line ? { line } : null,
        `malformed CSV: ${error.message}${where} (--skip-invalid cannot skip a broken quote or an overlong record: fix the file)`,
      );
    }
  };

  // Whole lines, UTF-8 checked: csv-parse would decode a Latin-1 byte to U+FFFD and merge keys.
  // Chunks end at line breaks. csv-parse's info.lines starts at 1 and counts a line break once it
  // has looked past it, which for a chunk's last one is in the next chunk: after one or more
  // chunks it equals the line breaks read so far, so the next chunk starts on line info.lines + 1.
  let chunksParsed = 0;
  const nextLine = (): number => (chunksParsed === 0 ? 1 : api.info.lines + 1);
  const chunks = lineBuffers(ctx.path, { nextLine, invalid: (location, problem) => ctx.invalid(location, problem) });
  let ended = false;
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    while (!ended) {
      const next = await iterator.next();
      ended = next.done === true;
      parseChunk(ended ? undefined : next.value);
      chunksParsed++;
      for (let r = 0; r < records.length; r++) {
        consume(records[r]!, lines[r]!);
        if (builder.full) {
          yield builder.batch;
          builder.reset();
        }
      }
      records.length = 0;
      lines.length = 0;
    }
  } finally {
    // The consumer may stop early (limit, error): close the file.
    if (!ended) await iterator.return(undefined);
  }
  if (builder.batch.length > 0) yield builder.batch;
}

interface ParserApi {
  parse(chunk: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  /** empty_lines: blank lines skipped (skip_empty_lines), counted as csv-parse passes them. */
  info: { lines: number; empty_lines: number };
}

/**
 * csv-parse's chunk parser behind its stream class. Driving it directly hands records over
 * synchronously with their line numbers, without a stream hop per record or an info object per
 * record (4× faster than `info: true` through the stream).
 */
function parserApi(parser: Parser): ParserApi {
  const api = (parser as unknown as { api?: Partial<ParserApi> }).api;
  if (!api || typeof api.parse !== 'function' || typeof api.info?.lines !== 'number' || typeof api.info.empty_lines !== 'number') {
    throw new Error('csv-parse changed: Parser.api.parse is missing (cachelab needs csv-parse 6.x)');
  }
  return api as ParserApi;
}

function isNumericMapping(mapping: CsvColumns): boolean {
  return Object.values(mapping).every((column) => column === undefined || typeof column === 'number');
}

/**
 * A first row is a header when a column that must hold numbers (time, size) holds text. With no
 * such column mapped (`key=1` alone), when its key cell is a well-known key column name (`url`,
 * `key`, `obj_id`…): read as data, the header would be one more request of a key named "url".
 */
function looksLikeHeader(record: string[], index: ColumnIndex): boolean {
  const text = (column: number) => column >= 0 && column < record.length && record[column] !== '' && Number.isNaN(Number(record[column]));
  if (index.time < 0 && index.size < 0) return namesKeyColumn([record[index.key] ?? '']);
  return text(index.time) || text(index.size);
}

function namesKeyColumn(record: string[]): boolean {
  return record.some((cell) => DEFAULT_NAMES.key.includes(cell.trim().toLowerCase()));
}

function internOptional(interner: ReaderContext['ops'], text: string | undefined): number {
  return text === undefined || text === '' ? ABSENT : interner.internString(text);
}

/** Number() also reads 0x1F, 0b101 and 0o17: no trace means those, and a size of 0x10 read as 16 would pass unnoticed. */
const NON_DECIMAL = /^\s*0[xXbBoO]/;

/** A decimal number (exponents allowed), NaN for anything else. */
function parseNumber(text: string | undefined): number {
  if (text === undefined || text === '' || NON_DECIMAL.test(text)) return NaN;
  return Number(text);
}

function resolveColumns(mapping: CsvColumns | undefined, header: string[] | null, path: string): ColumnIndex {
  const names = header?.map((h) => h.trim().toLowerCase()) ?? null;
  const resolve = (field: keyof ColumnIndex, value: number | string | undefined): number => {
    if (value === undefined) {
      if (mapping || !names) return -1;
      // Two candidates (`id` and `url`, `key` twice) are ambiguous: taking the first silently
      // could key a trace by its row number.
      const found = names.flatMap((n, at) => (DEFAULT_NAMES[field].includes(n) ? [at] : []));
      if (found.length > 1) {
        throw new ConfigError('csv', `${path}: the header has several ${field} columns (${found.map((at) => header![at]!.trim()).join(', ')}); pass --csv ${field}=N (a column number or name) to say which`);
      }
      return found[0] ?? -1;
    }
    if (typeof value === 'number') {
      if (names && value > names.length) throw new ConfigError('csv', `${path}: ${field}=${value} but the header has ${names.length} columns`);
      return value - 1;
    }
    if (!names) throw new ConfigError('csv', `${path}: ${field}=${value} names a column, which needs --header`);
    const at = names.indexOf(value.toLowerCase());
    if (at < 0) throw new ConfigError('csv', `${path}: no column "${value}" in the header (${header!.join(', ')})`);
    const times = names.filter((n) => n === value.toLowerCase()).length;
    if (times > 1) throw new ConfigError('csv', `${path}: column "${value}" appears ${times} times in the header; map ${field} by its number (--csv ${field}=N)`);
    return at;
  };
  const index: ColumnIndex = {
    key: resolve('key', mapping?.key),
    time: resolve('time', mapping?.time),
    size: resolve('size', mapping?.size),
    op: resolve('op', mapping?.op),
    session: resolve('session', mapping?.session),
    referrer: resolve('referrer', mapping?.referrer),
  };
  if (mapping) {
    // parseCsvColumns compares the mapping as written; `size=01`, `session=URL` or a number and
    // a name can still land on one column, known only here.
    const mapped = (Object.keys(index) as (keyof ColumnIndex)[]).filter((field) => index[field] >= 0);
    for (const [i, field] of mapped.entries()) {
      const other = mapped.slice(0, i).find((f) => index[f] === index[field]);
      if (other) {
        const at = index[field];
        throw new ConfigError('csv', `${path}: ${other} and ${field} both read column ${at + 1}${header ? ` ("${header[at]!.trim()}")` : ''}; give each field its own column`);
      }
    }
  }
  if (index.key < 0) {
    throw new ConfigError('csv', `${path}: cannot find a key column in the header (${header?.join(', ')}); pass --csv key=N`);
  }
  return index;
}

/**
 * A row read as one column whose text holds another usual separator (a semicolon-separated export
 * read with the default ","): name it, and how to set it, instead of only "the row has 1 column".
 */
function otherDelimiterHint(record: readonly string[], delimiter: string): string {
  if (record.length !== 1) return '';
  const found = [';', '\t', '|'].find((d) => d !== delimiter && record[0]!.includes(d));
  if (found === undefined) return '';
  const shown = found === '\t' ? 'tab' : `"${found}"`;
  return `; its fields look separated by ${shown}: set the CSV delimiter (--delimiter ${found === '\t' ? 'tab' : `'${found}'`}, or "delimiter" in an experiment's trace entry)`;
}
