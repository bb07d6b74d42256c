/**
 * Streams a text file as chunks of whole lines (decoded as UTF-8), so a reader can scan lines
 * with indexOf instead of allocating a string per line through readline.
 */
import { createReadStream } from 'node:fs';

const NEWLINE = 0x0a;

/** Yields strings that each end at a line boundary (the last one may lack a final newline). */
export async function* lineChunks(path: string, highWaterMark = 1 << 20): AsyncGenerator<string> {
  let carry: Buffer | null = null;
  for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) {
    const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const last = data.lastIndexOf(NEWLINE);
    if (last < 0) {
      carry = data;
      continue;
    }
    yield data.toString('utf8', 0, last + 1);
    carry = last + 1 < data.length ? data.subarray(last + 1) : null;
  }
  if (carry && carry.length > 0) yield carry.toString('utf8');
}
