/**
 * Streams a text file as chunks of whole lines (decoded as UTF-8), so a reader can scan lines
 * with indexOf instead of allocating a string per line through readline.
 */
import { createReadStream } from 'node:fs';
import { TraceFormatError } from '../errors.js';

const NEWLINE = 0x0a;
/** A longer line means the file is not a line-based trace (binary data, wrong format). */
export const MAX_LINE_BYTES = 1 << 20;

/** Yields strings that each end at a line boundary (the last one may lack a final newline). */
export async function* lineChunks(path: string, highWaterMark = 1 << 20): AsyncGenerator<string> {
  let carry: Buffer | null = null;
  let consumed = 0; // file offset of the first byte of `carry` / the current data
  for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) {
    const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const last = data.lastIndexOf(NEWLINE);
    if (last < 0) {
      if (data.length > MAX_LINE_BYTES) {
        throw new TraceFormatError(path, { byte: consumed }, `a line longer than ${MAX_LINE_BYTES} bytes starts here; is this really a text trace? (pass --format)`);
      }
      carry = data;
      continue;
    }
    yield data.toString('utf8', 0, last + 1);
    consumed += last + 1;
    carry = last + 1 < data.length ? data.subarray(last + 1) : null;
  }
  if (carry && carry.length > 0) yield carry.toString('utf8');
}
