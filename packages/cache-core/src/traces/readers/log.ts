/**
 * Common and Combined Log Format (Apache, nginx):
 * `client ident user [10/Oct/2000:13:55:36 -0700] "GET /path HTTP/1.1" status bytes ["referer" "agent"]`.
 * client → session (with `logSession: 'client-agent'`: client and user agent), request path → key,
 * bytes → size (`-` → 0), method → op, time → epoch seconds, referer → referrer (the whole
 * field as written, e.g. `http://example.com/page/`, in its own id space; `-`, empty, or a Common
 * Log Format line → ABSENT).
 */
import { BatchBuilder } from '../batch-builder.js';
import { ABSENT, UNKNOWN_NEXT_ACCESS, type RequestBatch } from '../request.js';
import type { ReaderContext } from './context.js';
import { lineChunks } from './lines.js';
import { clip } from './txt.js';

const LINE =
  /^(\S+) \S+ (?:\S+|"[^"]*") \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$/;
const TIME = /^(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: ([+-])(\d{2})(\d{2}))?$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export async function* readLog(ctx: ReaderContext): AsyncGenerator<RequestBatch> {
  const builder = new BatchBuilder(ctx.batchSize, ctx.limit);
  const byAgent = ctx.logSession === 'client-agent';
  let lineNumber = 1;
  for await (const text of lineChunks(ctx.path, { nextLine: () => lineNumber, invalid: (location, problem) => ctx.invalid(location, problem) })) {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      const line = text.slice(start, stop);
      const number = lineNumber++;
      start = end + 1;
      if (line.trim() === '') continue;
      const match = LINE.exec(line);
      if (!match) {
        ctx.invalid({ line: number }, `not a Common/Combined Log Format line: "${clip(line)}"`);
        continue;
      }
      const [, client, stamp, request, , bytes, referrer, agent, rest] = match as unknown as [string, string, string, string, string, string, string | undefined, string | undefined, string];
      const time = parseLogTime(stamp);
      if (Number.isNaN(time)) {
        ctx.invalid({ line: number }, `bad timestamp [${stamp}]; expected e.g. [10/Oct/2000:13:55:36 -0700]`);
        continue;
      }
      const size = bytes === '-' ? 0 : Number(bytes);
      if (!(size <= Number.MAX_SAFE_INTEGER)) {
        ctx.invalid({ line: number }, `bytes ${clip(bytes)} is above 2^53 (not exact)`);
        continue;
      }
      const parts = request.split(' ');
      if (parts.length < 2 || parts[0] === '' || parts[1] === '') {
        ctx.invalid({ line: number }, `request "${clip(request)}" has no method and path`);
        continue;
      }
      // Text after the bytes that is not `"referer" "agent"` (a truncated line, an unescaped
      // quote): the request is kept, without referrer and agent, and counted.
      if (referrer === undefined && rest.trim() !== '') {
        ctx.partial({ line: number }, `referrer and user agent cannot be read (an unterminated or unescaped quote?): "${clip(rest.trim())}"`);
      }
      builder.push(
        time,
        ctx.keys.internString(parts[1]!),
        size,
        ctx.sessions.internString(byAgent && agent !== undefined ? `${client} ${agent}` : client),
        ctx.ops.internString(parts[0]!),
        UNKNOWN_NEXT_ACCESS,
        referrer === undefined || referrer === '' || referrer === '-' ? ABSENT : ctx.referrers.internString(referrer),
      );
      if (builder.full) {
        yield builder.batch;
        builder.reset();
      }
    }
  }
  if (builder.batch.length > 0) yield builder.batch;
}

/** `10/Oct/2000:13:55:36 -0700` → seconds since the epoch (UTC), NaN when malformed. */
export function parseLogTime(stamp: string): number {
  const m = TIME.exec(stamp);
  if (!m) return NaN;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return NaN;
  const day = Number(m[1]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  // Date.UTC rolls 31/Feb over into March and 99:00:00 into later days: refuse such stamps.
  const year = Number(m[3]);
  // Zone offsets run from -12:00 to +14:00; +9900 would move the request by 99 hours.
  const zoneMinutes = Number(m[8] ?? 0) * 60 + Number(m[9] ?? 0);
  const zoneOk = Number(m[9] ?? 0) <= 59 && (m[7] === '-' ? zoneMinutes <= 12 * 60 : zoneMinutes <= 14 * 60);
  if (day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 60 || !zoneOk) return NaN;
  // Date.UTC reads years 0-99 as 1900-1999: setUTCFullYear takes the year as written.
  // Seconds are added after, so that a leap second (23:59:60) on 31/Dec cannot roll 2000 into 2001.
  const date = new Date(Date.UTC(2000, month, day, hour, minute));
  date.setUTCFullYear(year);
  const utc = date.getTime() / 1000 + second;
  const offset = m[7] ? (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 3600 + Number(m[9]) * 60) : 0;
  return utc - offset;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 1 && leap ? 29 : DAYS[month]!;
}
