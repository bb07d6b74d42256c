/**
 * Streams a text file as chunks of whole lines (as bytes, or decoded as UTF-8), so a reader can
 * scan lines with indexOf instead of allocating a string per line through readline, and no line
 * that is not UTF-8 reaches a reader.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { TraceFormatError } from '../errors.js';

const NEWLINE = 0x0a;
const CR = 0x0d;
/** File signatures of compressed files (gzip, zstd, xz, bzip2 with its block magic). */
const COMPRESSED = [
  { kind: 'gzip', magic: Buffer.from([0x1f, 0x8b]), tool: 'gunzip -k FILE' },
  { kind: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: 'zstd -d FILE' },
  { kind: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: 'xz -dk FILE' },
  ...'123456789'.split('').map((level) => ({ kind: 'bzip2', magic: Buffer.from(`BZh${level}1AY&SY`), tool: 'bunzip2 -k FILE' })),
];
/** A longer line means the file is not a line-based trace (binary data, wrong format). */
export const MAX_LINE_BYTES = 1 << 20;

/** How lineChunks reports a line that is not UTF-8: the reader's line count and its error policy. */
export interface LineSource {
  /** 1-based number of the first line of the next chunk (the reader has consumed all before it). */
  nextLine(): number;
  /** Throws, or counts the line as skipped (ReaderContext.invalid). */
  invalid(location: TraceFormatError['location'], problem: string): void;
}

/**
 * Yields buffers that each end at a line boundary (the last one may lack a final newline). A
 * UTF-8 byte-order mark at the start of the file is dropped. A line that is not valid UTF-8 is
 * reported through `source.invalid` and handed on as an empty line: decoding would turn its bad
 * bytes into U+FFFD, so `caf\xe9` and `caf\xe8` (Latin-1) would silently become one key.
 */
export async function* lineBuffers(path: string, source: LineSource, highWaterMark = 1 << 20): AsyncGenerator<Buffer> {
  let carry: Buffer | null = null;
  let consumed = 0; // file offset of the first byte of `carry` / the current data
  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) {
    let data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    if (first && data.length < 3) {
      carry = data; // too short to tell whether it starts with a byte-order mark
      continue;
    }
    if (first) {
      first = false;
      // Read as text, a compressed file's binary lines would be errors (or, with --skip-invalid,
      // keys); none of these signatures can start a UTF-8 text trace.
      const packed = COMPRESSED.find((c) => data.subarray(0, c.magic.length).equals(c.magic));
      if (packed) throw new TraceFormatError(path, { byte: 0 }, `a ${packed.kind}-compressed file; decompress it first (${packed.tool})`);
      // A UTF-16 byte-order mark (neither byte can start UTF-8): every line would be invalid, or
      // with --skip-invalid read as keys full of NUL bytes.
      if ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)) {
        throw new TraceFormatError(path, { byte: 0 }, `UTF-16 text (${data[0] === 0xff ? 'little' : 'big'}-endian byte-order mark); convert it to UTF-8 first (iconv -f utf-16 -t utf-8 FILE)`);
      }
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) {
        data = data.subarray(3);
        consumed = 3;
      }
    }
    const last = data.lastIndexOf(NEWLINE);
    // Only the first line of `data` can span chunks: check it whole, so that a long line is refused
    // wherever it starts (not only when it runs past the end of the next chunk).
    const firstEnd = last < 0 ? data.length : data.indexOf(NEWLINE);
    if (firstEnd > MAX_LINE_BYTES && (firstEnd - 1 > MAX_LINE_BYTES || data[firstEnd - 1] !== CR)) {
      throw new TraceFormatError(path, { byte: consumed }, `a line longer than ${MAX_LINE_BYTES} bytes starts here; is this really a text trace? (pass --format)`);
    }
    if (last < 0) {
      carry = data;
      continue;
    }
    yield* validated(data.subarray(0, last + 1), consumed, source);
    consumed += last + 1;
    carry = last + 1 < data.length ? data.subarray(last + 1) : null;
  }
  if (carry && carry.length > 0) yield* validated(carry, consumed, source);
}

/** `lineBuffers` decoded: strings of whole lines. */
export async function* lineChunks(path: string, source: LineSource, highWaterMark = 1 << 20): AsyncGenerator<string> {
  for await (const lines of lineBuffers(path, source, highWaterMark)) yield lines.toString('utf8');
}

/**
 * Whole lines, with each line that is not UTF-8 reported and emptied (see lineBuffers). The lines
 * before a bad one are handed out first and the bad one is reported only when the reader asks for
 * more, so a reader that stops there (a `limit`) neither fails on nor counts a line it never read.
 */
function* validated(lines: Buffer, offset: number, source: LineSource): Generator<Buffer> {
  if (isUtf8(lines)) {
    yield lines;
    return;
  }
  // Rare path: find the offending lines, report each, and keep the others (and every line break,
  // so that line numbers stay those of the file).
  let parts: Buffer[] = [];
  let line = source.nextLine();
  for (let start = 0; start < lines.length; line++) {
    let end = lines.indexOf(NEWLINE, start);
    if (end < 0) end = lines.length;
    const text = lines.subarray(start, end);
    const good = isUtf8(text);
    if (good) parts.push(text);
    if (end < lines.length) parts.push(LINE_BREAK);
    if (!good) {
      // The lines before, and the bad one's line break (csv-parse hands a record over once it has
      // seen the next line start), go first.
      if (parts.length > 0) yield Buffer.concat(parts);
      parts = [];
      source.invalid({ line }, `not valid UTF-8 (the line starts at byte ${offset + start}); keys are read as UTF-8 text, so convert the file first (e.g. iconv -f latin1 -t utf-8)`);
    }
    start = end + 1;
  }
  if (parts.length > 0) yield Buffer.concat(parts);
}

const LINE_BREAK = Buffer.from('\n');
