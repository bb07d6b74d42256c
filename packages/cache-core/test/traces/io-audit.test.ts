/** Trace I/O audit: each test pins a bug found by replaying odd but real-looking files. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  NO_NEXT_ACCESS,
  TraceFormatError,
  computeNextAccess,
  createTraceWriter,
  generateShift,
  loadTrace,
  readTrace,
  writeTrace,
} from '../../src/index.js';
import { parseLogTime } from '../../src/traces/readers/log.js';
import { oracleGeneralBytes, tempFolder } from './fixtures.js';

const file = tempFolder('io-audit');

const labels = (t: { batch: { key: Uint32Array }; keyLabel(id: number): string }) => Array.from(t.batch.key, (k) => t.keyLabel(k));

async function formatError(promise: Promise<unknown>): Promise<TraceFormatError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TraceFormatError);
  return error as TraceFormatError;
}

describe('csv writer', () => {
  it('quotes fields with leading or trailing whitespace, so " a" and "a" stay two keys (and two sessions) after a round trip', async () => {
    const source = await loadTrace(file('spaces.csv', 'time,key,size,session\n1," a ",1," s"\n2,a,2,s\n3,"b\t",3,s\n'));
    expect(labels(source)).toEqual([' a ', 'a', 'b\t']);
    const out = file('spaces-out.csv', '');
    await writeTrace(out, 'csv', source.batch, source);
    expect(readFileSync(out, 'utf8')).toBe('time,key,size,session\n1," a ",1," s"\n2,a,2,s\n3,"b\t",3,s\n');
    const back = await loadTrace(out);
    expect(labels(back)).toEqual([' a ', 'a', 'b\t']);
    expect(back.keyCount).toBe(3);
    expect(back.sessionCount).toBe(2);
  });
});

describe('writers leave no partial trace behind', () => {
  const leftovers = (path: string) => readdirSync(dirname(path)).filter((name) => name.includes('.tmp'));

  it('a streamed conversion that fails at a bad record leaves neither a shorter output nor a temporary file', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},k${i},1`);
    const input = file('half.csv', `time,key,size\n${rows.join('\n')}\n50,k50,oops\n`);
    const out = file('half-out.csv', 'time,key,size\n0,previous,1\n'); // an earlier, good conversion
    const reader = readTrace(input, { batchSize: 8 });
    const writer = createTraceWriter(out, 'csv', reader);
    const convert = async () => {
      for await (const batch of reader) await writer.write(batch);
      await writer.close();
    };
    const error = await convert().then(() => undefined, async (e: unknown) => {
      await writer.abort();
      return e;
    });
    expect((error as TraceFormatError).line).toBe(52);
    expect(readFileSync(out, 'utf8')).toBe('time,key,size\n0,previous,1\n');
    expect(leftovers(out)).toEqual([]);
  });

  it('a batch that the format refuses (txt key with a space) after good ones removes what was written', async () => {
    const reader = readTrace(file('spaced.csv', 'time,key,size\n1,ok,1\n2,fine,1\n3,"not ok",1\n'), { batchSize: 1 });
    const out = `${dirname(file('anchor-1', ''))}/refused/out.txt`;
    const writer = createTraceWriter(out, 'txt', reader);
    const convert = async () => {
      for await (const batch of reader) await writer.write(batch);
    };
    await expect(convert()).rejects.toThrow('key "not ok" cannot be written as txt');
    await new Promise((resolve) => setTimeout(resolve, 50)); // let a stream still open settle
    expect(existsSync(out)).toBe(false);
    expect(leftovers(out)).toEqual([]);
  });
});

describe('sizes and times a byte count cannot hold', () => {
  it('csv: a size of 1e400 (Infinity), Infinity or above 2^53 is a TraceFormatError naming the line, and skipped and counted with skipInvalid', async () => {
    const path = file('big-sizes.csv', 'time,key,size\n1,a,5\n2,b,1e400\n3,c,Infinity\n4,d,9007199254740993\n5,e,9007199254740991\n');
    const error = await formatError(loadTrace(path));
    expect(error.line).toBe(3);
    expect(error.message).toBe(`${path}:3: size in column 3 is above 2^53 (not exact): "1e400" (use --skip-invalid to skip such records)`);
    const skipped = await loadTrace(path, { skipInvalid: true });
    expect(skipped.skipped).toBe(3);
    expect(Array.from(skipped.batch.size)).toEqual([5, 9007199254740991]);
  });

  it('csv: a time of 1e400 is not a finite number', async () => {
    const path = file('big-time.csv', 'time,key,size\n1,a,5\n1e400,b,1\n');
    const error = await formatError(loadTrace(path));
    expect(error.message).toBe(`${path}:3: time in column 1 is not a finite number: "1e400" (use --skip-invalid to skip such records)`);
  });

  it('access log: a byte count above 2^53 (or 400 digits, Infinity) names the line', async () => {
    const line = (bytes: string) => `10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 ${bytes}`;
    const path = file('big.log', `${line('7')}\n${line('9'.repeat(400))}\n${line('9007199254740993')}\n`);
    const error = await formatError(loadTrace(path));
    expect(error.line).toBe(2);
    const skipped = await loadTrace(path, { skipInvalid: true });
    expect(skipped.skipped).toBe(2);
    expect(Array.from(skipped.batch.size)).toEqual([7]);
  });

  it('oracleGeneral writer refuses a fractional size instead of rounding it (byte results would change)', async () => {
    const source = await loadTrace(file('frac.csv', 'time,key,size\n1,a,1.5\n2,a,1.5\n'));
    computeNextAccess(source.batch, source.keyCount);
    const out = `${dirname(file('anchor-2', ''))}/frac.bin`;
    const error = await writeTrace(out, 'oracleGeneral', source.batch, source).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('request 1 has size 1.5, but oracleGeneral sizes are whole bytes');
    expect(existsSync(out)).toBe(false);
  });
});

describe('text encodings', () => {
  it('a UTF-8 byte-order mark is not part of the first key (txt) nor breaks the first line (log)', async () => {
    const txt = await loadTrace(file('bom.txt', '\uFEFF1\n1\n2\n'));
    expect(labels(txt)).toEqual(['1', '1', '2']);
    expect(txt.keyCount).toBe(2);
    const log = await loadTrace(file('bom.log', '\uFEFF10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 5\n'));
    expect(labels(log)).toEqual(['/a']);
    expect(log.sessionLabel(0)).toBe('10.0.0.1');
  });

  it('a line that is not UTF-8 is an error naming its line, not two Latin-1 keys merged into one U+FFFD key', async () => {
    // caf\xe9 and caf\xe8: two keys in Latin-1; decoded as UTF-8 both were "caf\uFFFD".
    const bytes = Buffer.concat([Buffer.from('tea\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), Buffer.from('tea\n'), Buffer.from([0x63, 0x61, 0x66, 0xe8, 0x0a]), Buffer.from('caf\u00e9\n')]);
    const path = file('latin1.txt', bytes);
    const error = await formatError(loadTrace(path));
    expect(error.line).toBe(2);
    expect(error.problem).toContain('not valid UTF-8 (the line starts at byte 4)');
    const skipped = await loadTrace(path, { skipInvalid: true });
    expect(skipped.skipped).toBe(2);
    expect(labels(skipped)).toEqual(['tea', 'tea', 'caf\u00e9']);
    // Streamed in tiny batches: the same.
    const reader = readTrace(path, { skipInvalid: true, batchSize: 1 });
    const streamed: string[] = [];
    for await (const batch of reader) for (let i = 0; i < batch.length; i++) streamed.push(reader.keyLabel(batch.key[i]!));
    expect(streamed).toEqual(['tea', 'tea', 'caf\u00e9']);
    expect(reader.skipped).toBe(2);
  });

  it('csv: a non-UTF-8 line is reported with its line number (csv-parse decoded it to U+FFFD and merged keys)', async () => {
    // Line 3 holds Latin-1 caf\xe9, line 5 caf\xe8; line 6 the real UTF-8 café. A quoted field
    // spanning two lines (line 7-8) keeps the numbering honest across a record of two lines.
    const bytes = Buffer.concat([
      Buffer.from('time,key,size\n1,tea,10\n'),
      Buffer.from('2,caf\u00e9,10\n', 'latin1'),
      Buffer.from('3,tea,10\n'),
      Buffer.from('4,caf\u00e8,10\n', 'latin1'),
      Buffer.from('5,caf\u00e9,10\n6,"two\nlines",10\n'),
      Buffer.from('7,\u00e0,10\n', 'latin1'),
    ]);
    const path = file('latin1.csv', bytes);
    const error = await formatError(loadTrace(path));
    expect(error.line).toBe(3);
    expect(error.problem).toContain('not valid UTF-8');
    const skipped = await loadTrace(path, { skipInvalid: true });
    expect(skipped.skipped).toBe(3);
    expect(labels(skipped)).toEqual(['tea', 'tea', 'caf\u00e9', 'two\nlines']);
    // The last bad line comes after a record of two lines: its number is still the file's.
    const rows = Buffer.concat([Buffer.from('time,key,size\n1,"a\nb",1\n2,c,1\n'), Buffer.from('3,\u00e9,1\n', 'latin1')]);
    expect((await formatError(loadTrace(file('late.csv', rows)))).line).toBe(5);
    // Past the first 1 MiB read (a later chunk), with a two-line record and blank lines before it.
    const head = `time,key,size\n1,"x\ny",1\n\n${Array.from({ length: 100_000 }, (_, i) => `${i},k${i % 97},1`).join('\n')}\n`;
    const big = file('big.csv', Buffer.concat([Buffer.from(head), Buffer.from('9,\u00e9,1\n', 'latin1'), Buffer.from('10,z,1\n')]));
    expect(Buffer.byteLength(head)).toBeGreaterThan(1 << 20);
    expect((await formatError(loadTrace(big))).line).toBe(100_005);
  });

  it('access log: a non-UTF-8 path is reported with its line number, later lines keep theirs', async () => {
    const line = (path: string) => `10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET ${path} HTTP/1.1" 200 5\n`;
    const path = file('latin1.log', Buffer.concat([Buffer.from(line('/a')), Buffer.from(line('/caf\u00e9'), 'latin1'), Buffer.from(line('/b')), Buffer.from('junk\n')]));
    const error = await formatError(loadTrace(path));
    expect(error.line).toBe(2);
    const skipped = await loadTrace(path, { skipInvalid: true });
    expect(skipped.skipped).toBe(2); // the Latin-1 line and the junk line
    expect(labels(skipped)).toEqual(['/a', '/b']);
  });
});

describe('access-log timestamps', () => {
  it('a day, hour or minute out of range is refused, not rolled over into another date', async () => {
    expect(parseLogTime('10/Oct/2000:13:55:36 -0700')).toBe(971211336);
    expect(parseLogTime('29/Feb/2000:00:00:00 +0000')).toBe(951782400);
    expect(parseLogTime('29/Feb/2001:00:00:00 +0000')).toBeNaN();
    expect(parseLogTime('31/Apr/2015:00:00:00 +0000')).toBeNaN();
    expect(parseLogTime('99/May/2015:10:05:03 +0000')).toBeNaN();
    expect(parseLogTime('00/May/2015:10:05:03 +0000')).toBeNaN();
    expect(parseLogTime('17/May/2015:24:05:03 +0000')).toBeNaN();
    expect(parseLogTime('17/May/2015:10:60:03 +0000')).toBeNaN();
    expect(parseLogTime('17/May/2015:10:05:03 +0099')).toBeNaN();
    const path = file('rollover.log', '10.0.0.1 - - [31/Feb/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 5\n');
    const error = await formatError(loadTrace(path));
    expect(error.message).toContain(':1: bad timestamp [31/Feb/2015:10:05:03 +0000]');
  });
});

describe('generators', () => {
  it('shift: a working set that slides past 2^32 keeps moving on (keys were wrapped onto earlier ones)', () => {
    const trace = generateShift({ requests: 20, objects: 2, shiftEvery: 1, shiftBy: 2 ** 31, seed: 1 });
    // Every request is in a working set of its own, far from the others: 20 distinct keys.
    expect(trace.keyCount).toBe(20);
    for (let i = 0; i < 20; i++) expect([0, 1]).toContain(Number(trace.keyLabel(trace.batch.key[i]!)) - i * 2 ** 31);
    expect(() => generateShift({ requests: 10, objects: 2, shiftEvery: 1, shiftBy: 2 ** 50, seed: 1 })).toThrow(ConfigError);
  });
});

describe("oracleGeneral's next_access_vtime is checked against the trace when loaded", () => {
  // Objects 1 2 1 3 2 1: object 1 comes back at positions 3 and 6, object 2 at 5 (1-based).
  const ids = [1n, 2n, 1n, 3n, 2n, 1n];
  const honest = [3n, 5n, 6n, -1n, -1n, -1n];
  const records = (next: bigint[]) => ids.map((id, i) => ({ time: i, id, size: 10, next: next[i]! }));

  it('a correct column is kept and nothing is reported', async () => {
    const trace = await loadTrace(file('honest.bin', oracleGeneralBytes(records(honest))));
    expect(trace.nextAccessRepaired).toBe(0);
    expect(Array.from(trace.batch.nextAccess)).toEqual([2, 4, 5, NO_NEXT_ACCESS, NO_NEXT_ACCESS, NO_NEXT_ACCESS]);
  });

  it('positions that point at another object, or past the end, are recomputed and counted (Belady would use them)', async () => {
    // Record 1 claims object 1 returns at 4 (object 3's request); record 4 (object 3) at 6, which is object 1's.
    const lying = [4n, 5n, 6n, 6n, -1n, -1n];
    const trace = await loadTrace(file('lying.bin', oracleGeneralBytes(records(lying))));
    expect(trace.nextAccessRepaired).toBe(2);
    expect(Array.from(trace.batch.nextAccess)).toEqual([2, 4, 5, NO_NEXT_ACCESS, NO_NEXT_ACCESS, NO_NEXT_ACCESS]);
  });
});

describe('csv: a header row with only the key column mapped', () => {
  it('is recognised by a well-known key column name instead of becoming a request for the key "url"', async () => {
    const path = file('urls.csv', 'url,referer\n/a,-\n/b,/a\n/a,-\n');
    const trace = await loadTrace(path, { csv: 'key=1' });
    expect(trace.batch.length).toBe(3);
    expect(labels(trace)).toEqual(['/a', '/b', '/a']);
    // A first key that names no column is data, as before; header: false still forces data.
    expect((await loadTrace(file('plain.csv', '/x\n/y\n'), { csv: 'key=1' })).batch.length).toBe(2);
    expect((await loadTrace(path, { csv: 'key=1', header: false })).batch.length).toBe(4);
  });
});
