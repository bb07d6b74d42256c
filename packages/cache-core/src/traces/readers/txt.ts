/** One key per line (the cache2k / LIRS trace form); no time (the request index is used), size 1. */
import { BatchBuilder } from '../batch-builder.js';
import type { RequestBatch } from '../request.js';
import type { ReaderContext } from './context.js';
import { lineChunks } from './lines.js';

export async function* readTxt(ctx: ReaderContext): AsyncGenerator<RequestBatch> {
  const builder = new BatchBuilder(ctx.batchSize, ctx.limit);
  let lineNumber = 1;
  let index = 0;
  for await (const text of lineChunks(ctx.path, { nextLine: () => lineNumber, invalid: (location, problem) => ctx.invalid(location, problem) })) {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = lineNumber++;
      const lineStart = start;
      const key = parseKey(text, start, end);
      start = end + 1;
      if (key === BLANK) continue;
      if (key === BAD) {
        ctx.invalid({ line }, `expected one key per line, got "${clip(text.slice(lineStart, end).trim())}"`);
        continue;
      }
      const id = typeof key === 'number' ? ctx.keys.internNumber(key) : ctx.keys.internString(key);
      builder.push(index++, id, 1);
      if (builder.full) {
        yield builder.batch;
        builder.reset();
      }
    }
  }
  if (builder.batch.length > 0) yield builder.batch;
}

const BLANK = -1;
const BAD = -2;

/**
 * The key on text[start, end): a canonical integer (no string built), a string token, BLANK for
 * an empty line, or BAD when the line holds whitespace inside the key.
 */
function parseKey(text: string, start: number, end: number): number | string {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (start === end) return BLANK;
  const length = end - start;
  if (length <= 15 && (length === 1 || text.charCodeAt(start) !== 48)) {
    let value = 0;
    let i = start;
    for (; i < end; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (i === end) return value;
  }
  for (let i = start; i < end; i++) if (isSpace(text.charCodeAt(i))) return BAD;
  return text.slice(start, end);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
