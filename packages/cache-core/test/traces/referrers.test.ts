/** The referrer column: read from access logs and CSV, kept by batches, written to CSV and read back. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ABSENT,
  BatchBuilder,
  TraceAccumulator,
  UNKNOWN_NEXT_ACCESS,
  createTraceWriter,
  loadTrace,
  parseCsvColumns,
  readTrace,
  requestAt,
  sliceBatch,
  writeTrace,
  type LoadedTrace,
} from '../../src/index.js';
import { oracleGeneralBytes, sharedTraces, tempFolder } from './fixtures.js';

const file = tempFolder('referrers');

/** The referrer of every request as text, null where ABSENT. */
function referrers(trace: Pick<LoadedTrace, 'batch' | 'referrerLabel'>): (string | null)[] {
  return Array.from(trace.batch.referrer, (id) => (id === ABSENT ? null : trace.referrerLabel(id)));
}

const T0 = Date.UTC(2015, 4, 17, 10, 5, 3) / 1000;

// A first request without referrer, two requests sharing one, a referrer that is also a key's
// text, a Common Log Format line, an empty referrer, and one that needs quoting in CSV.
const LOG = [
  '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /index.html HTTP/1.1" 200 5000 "-" "Mozilla/5.0"',
  '10.0.0.1 - - [17/May/2015:10:05:04 +0000] "GET /style.css HTTP/1.1" 200 300 "http://example.com/index.html" "Mozilla/5.0"',
  '10.0.0.2 - - [17/May/2015:10:05:05 +0000] "GET /index.html HTTP/1.1" 200 5000 "/style.css" "curl/8"',
  '10.0.0.1 - - [17/May/2015:10:05:06 +0000] "GET /logo.png HTTP/1.1" 200 700 "http://example.com/index.html" "Mozilla/5.0"',
  '10.0.0.3 - - [17/May/2015:10:05:07 +0000] "GET /logo.png HTTP/1.0" 304 0',
  '10.0.0.3 - - [17/May/2015:10:05:08 +0000] "GET /q HTTP/1.1" 200 1 "" "x"',
  '10.0.0.2 - - [17/May/2015:10:05:09 +0000] "GET /q HTTP/1.1" 200 1 "http://x/?a=1,b=\\"2\\"" "x"',
].join('\n');
const LOG_REFERRERS = [null, 'http://example.com/index.html', '/style.css', 'http://example.com/index.html', null, null, 'http://x/?a=1,b=\\"2\\"'];

describe('access log reader: referrer', () => {
  it('interns the Referer field as written in its own id space; "-", empty and Common Log Format lines are ABSENT', async () => {
    const trace = await loadTrace(file('pages.log', `${LOG}\n`));
    expect(Array.from(trace.batch.referrer)).toEqual([ABSENT, 0, 1, 0, ABSENT, ABSENT, 2]);
    expect(trace.referrerCount).toBe(3);
    expect([0, 1, 2].map((id) => trace.referrerLabel(id))).toEqual(['http://example.com/index.html', '/style.css', 'http://x/?a=1,b=\\"2\\"']);
    expect(referrers(trace)).toEqual(LOG_REFERRERS);
    // A referrer that is also a path does not become a key: keys and sessions are as without referrers.
    expect(trace.keyCount).toBe(4);
    expect(Array.from(trace.batch.key)).toEqual([0, 1, 0, 2, 2, 3, 3]);
    expect(Array.from(trace.batch.session)).toEqual([0, 0, 1, 0, 2, 2, 1]);
    expect(requestAt(trace.batch, 3)).toMatchObject({ key: 2, session: 0, referrer: 0 });
    expect(() => trace.referrerLabel(3)).toThrow(RangeError);
  });

  it('a line whose referrer and agent cannot be read (unterminated quote) keeps its request, without them, and is counted', async () => {
    const lines = [
      '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 5 "http://r/" "Mozilla/5.0 (truncated',
      '10.0.0.1 - - [17/May/2015:10:05:04 +0000] "GET /b HTTP/1.1" 200 5 "http://r/" "ok" "10.1.1.1"', // nginx's extra field: fine
      '10.0.0.1 - - [17/May/2015:10:05:05 +0000] "GET /c HTTP/1.1" 200 5', // Common Log Format: fine
      '10.0.0.2 - - [17/May/2015:10:05:06 +0000] "GET /d HTTP/1.1" 200 5 "http://r/"q" "x"',
    ];
    const trace = await loadTrace(file('partial.log', lines.join('\n')));
    expect(trace.batch.length).toBe(4);
    expect(referrers(trace)).toEqual([null, 'http://r/', null, null]);
    expect(trace.partial).toBe(2);
    expect(trace.partialExample).toMatch(/^line 1: referrer and user agent cannot be read .*"\"http:\/\/r\/\" \"Mozilla\/5.0 \(truncated"$/);
    const clean = await loadTrace(file('clean.log', LOG));
    expect(clean.partial).toBe(0);
    expect(clean.partialExample).toBeUndefined();
  });

  it('the streaming reader counts and labels referrers as it goes', async () => {
    const reader = readTrace(file('stream.log', LOG), { batchSize: 2 });
    const seen: number[] = [];
    for await (const batch of reader) seen.push(...batch.referrer.subarray(0, batch.length));
    expect(seen).toEqual([ABSENT, 0, 1, 0, ABSENT, ABSENT, 2]);
    expect(reader.referrerCount).toBe(3);
    expect(reader.referrerLabel(1)).toBe('/style.css');
  });
});

describe('csv reader: referrer', () => {
  it('parseCsvColumns accepts a referrer column', () => {
    expect(parseCsvColumns('key=2,referrer=5')).toEqual({ key: 2, referrer: 5 });
    expect(parseCsvColumns('key=url,referrer=from')).toEqual({ key: 'url', referrer: 'from' });
  });

  it('maps a referrer column by number; an empty field is ABSENT; ids are apart from keys', async () => {
    const trace = await loadTrace(file('mapped.csv', 'u1,/a,/b\nu2,/b,\nu1,/c,/b\nu1,/b,http://p/\n'), { csv: 'session=1,key=2,referrer=3' });
    expect(Array.from(trace.batch.referrer)).toEqual([0, ABSENT, 0, 1]);
    expect(trace.referrerCount).toBe(2);
    expect([trace.referrerLabel(0), trace.referrerLabel(1)]).toEqual(['/b', 'http://p/']);
    expect(Array.from(trace.batch.key)).toEqual([0, 1, 2, 1]);
    expect(trace.keyCount).toBe(3);
  });

  it('finds the header names referrer and referer without a mapping, and maps a named column', async () => {
    for (const name of ['referrer', 'Referer']) {
      const trace = await loadTrace(file(`${name}.csv`, `time,key,${name}\n1,/a,\n2,/b,/a\n3,/c,/a\n`));
      expect(referrers(trace), name).toEqual([null, '/a', '/a']);
    }
    const named = await loadTrace(file('named.csv', 'url,from\n/a,/home\n/b,\n'), { csv: 'key=url,referrer=from', header: true });
    expect(referrers(named)).toEqual(['/home', null]);
  });
});

describe('formats without referrers', () => {
  it('txt, oracleGeneral and csv without a referrer column give all-ABSENT referrers and no labels', async () => {
    const txt = await loadTrace(file('keys.txt', 'a\nb\na\n'));
    const bin = await loadTrace(file('tiny.bin', oracleGeneralBytes([{ time: 1, id: 5n, size: 10, next: -1n }, { time: 2, id: 6n, size: 10, next: -1n }])));
    const csv = await loadTrace(file('plain.csv', 'time,key,size,session\n1,a,1,u\n2,b,1,u\n'));
    for (const trace of [txt, bin, csv]) {
      expect(Array.from(trace.batch.referrer), trace.format).toEqual(new Array(trace.batch.length).fill(ABSENT));
      expect(trace.referrerCount, trace.format).toBe(0);
    }
  });
});

describe('batches keep the referrer column', () => {
  it('BatchBuilder.push takes it last (default ABSENT, also over a reused slot); TraceAccumulator, sliceBatch and requestAt keep it', () => {
    const builder = new BatchBuilder(2);
    const all = new TraceAccumulator(1);
    builder.push(0, 0, 1, ABSENT, ABSENT, UNKNOWN_NEXT_ACCESS, 5);
    builder.push(1, 1, 1);
    all.append(builder.batch);
    builder.reset();
    builder.push(2, 0, 1, 3, ABSENT, UNKNOWN_NEXT_ACCESS, 7);
    all.append(builder.batch);
    builder.reset();
    builder.push(3, 2, 1); // the slot held referrer 5; the default overwrites it
    all.append(builder.batch);
    const batch = all.finish();
    expect(batch.length).toBe(4);
    expect(Array.from(batch.referrer)).toEqual([5, ABSENT, 7, ABSENT]);
    expect(Array.from(batch.session)).toEqual([ABSENT, ABSENT, 3, ABSENT]);
    expect(Array.from(sliceBatch(batch, 1, 3).referrer)).toEqual([ABSENT, 7]);
    expect(requestAt(batch, 2)).toEqual({ time: 2, key: 0, size: 1, session: 3, op: ABSENT, referrer: 7, nextAccess: UNKNOWN_NEXT_ACCESS });
  });
});

describe('csv writer: referrer column', () => {
  it('writes it after session when the trace has referrers, even if the first request has none; reading back gives the same referrers', async () => {
    const trace = await loadTrace(file('write.log', LOG));
    const out = file('write.csv', '');
    expect(await writeTrace(out, 'csv', trace.batch, trace)).toBe(7);
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'time,key,size,op,session,referrer',
      `${T0},/index.html,5000,GET,10.0.0.1,`,
      `${T0 + 1},/style.css,300,GET,10.0.0.1,http://example.com/index.html`,
    ]);
    expect(lines[7]).toBe(`${T0 + 6},/q,1,GET,10.0.0.2,"http://x/?a=1,b=\\""2\\"""`);
    const back = await loadTrace(out);
    expect(referrers(back)).toEqual(LOG_REFERRERS);
    expect(Array.from(back.batch.referrer)).toEqual(Array.from(trace.batch.referrer));
    expect(Array.from(back.batch.key, (id) => back.keyLabel(id))).toEqual(Array.from(trace.batch.key, (id) => trace.keyLabel(id)));
  });

  it('streaming from a reader (trace convert): the first batch decides; a referrer after a batch without any is an error, never dropped', async () => {
    const path = file('convert.log', LOG);
    const reader = readTrace(path, { batchSize: 2 }); // first batch: requests 1-2, request 2 has a referrer
    const out = file('convert.csv', '');
    const writer = createTraceWriter(out, 'csv', reader);
    for await (const batch of reader) await writer.write(batch);
    expect(await writer.close()).toBe(7);
    expect(referrers(await loadTrace(out))).toEqual(LOG_REFERRERS);

    const late = readTrace(file('late.log', LOG.split('\n').slice(4).join('\n')), { batchSize: 2 }); // CLF, empty, then a referrer
    const lateOut = file('late.csv', '');
    const lateWriter = createTraceWriter(lateOut, 'csv', late);
    const write = async (): Promise<void> => {
      for await (const batch of late) await lateWriter.write(batch);
    };
    await expect(write()).rejects.toThrow(`${lateOut}: request 3 has a referrer, but none of the 2 requests before it had one, so the csv header has no referrer column`);
  });

  it('no referrer column for a trace without referrers, nor without referrerLabel', async () => {
    const txt = readTrace(file('plain.txt', 'a\nb\n'));
    const out = file('plain-out.csv', '');
    const writer = createTraceWriter(out, 'csv', txt);
    for await (const batch of txt) await writer.write(batch);
    await writer.close();
    // No size column either: a txt trace has no sizes, and a column of 1s would read back as sizes.
    expect(readFileSync(out, 'utf8')).toBe('time,key\n0,a\n1,b\n');
    expect((await loadTrace(out)).hasSizes).toBe(false);

    const log = await loadTrace(file('labels.log', LOG));
    const bare = file('bare.csv', '');
    await writeTrace(bare, 'csv', log.batch, { keyLabel: log.keyLabel });
    expect(readFileSync(bare, 'utf8').split('\n')[0]).toBe('time,key,size');
  });
});

const apacheLog = fileURLToPath(new URL('apache_logs.log', sharedTraces));

describe.skipIf(!existsSync(apacheLog))('apache_logs.log referrers (skipped: ../shared/traces absent outside CI)', () => {
  // Numbers from an independent Python count of the Referer field (not "-") per line.
  it('5,927 of 10,000 requests have a referrer, 627 distinct; keys and sessions are unchanged', async () => {
    const trace = await loadTrace(apacheLog);
    expect(trace.batch.length).toBe(10_000);
    expect(trace.batch.referrer.filter((id) => id !== ABSENT).length).toBe(5_927);
    expect(trace.referrerCount).toBe(627);
    expect(trace.referrerLabel(0)).toBe('http://semicomplete.com/presentations/logstash-monitorama-2013/');
    const top = trace.batch.referrer.filter((id) => id !== ABSENT && trace.referrerLabel(id) === 'http://semicomplete.com/presentations/logstash-puppetconf-2012/');
    expect(top.length).toBe(689);
    expect(trace.keyCount).toBe(1_498);
    expect(trace.sessionCount).toBe(1_753);
    // One line (a Googlebot request) ends inside its user agent's quotes.
    expect(trace.partial).toBe(1);
    expect(trace.partialExample).toMatch(/^line \d+: referrer and user agent cannot be read .*Googlebot/);
  });

  it('log → csv → read back gives the same referrer per request', async () => {
    const trace = await loadTrace(apacheLog);
    const out = file('apache.csv', '');
    await writeTrace(out, 'csv', trace.batch, trace);
    const back = await loadTrace(out);
    expect(back.batch.length).toBe(10_000);
    expect(referrers(back)).toEqual(referrers(trace));
    expect(back.referrerCount).toBe(627);
  });
});
