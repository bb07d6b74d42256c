/** Trace I/O audit 2: each test pins a bug found with an odd but real-looking file (or a check that held). */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  TraceFormatError,
  computeNextAccess,
  loadTrace,
  parseCsvColumns,
  traceStats,
  writeTrace,
} from '../../src/index.js';
import { parseLogTime } from '../../src/traces/readers/log.js';
import { failure, oracleGeneralBytes, tempFolder } from './fixtures.js';

const file = tempFolder('audit2');

const labels = (t: { batch: { key: Uint32Array; length: number }; keyLabel(id: number): string }) =>
  Array.from(t.batch.key.subarray(0, t.batch.length), (k) => t.keyLabel(k));

const MB = 1 << 20; // lineBuffers' chunk size

describe('oracleGeneral writer', () => {
  it('writes 64-bit ids (16 to 20 digits) as they are, so oracleGeneral → oracleGeneral keeps every id', async () => {
    const ids = [2n ** 53n + 1n, 5n, 10n ** 15n, 2n ** 64n - 1n, 2n ** 53n - 1n, 2n ** 53n + 1n];
    const source = file('ids.bin', oracleGeneralBytes(ids.map((id, i) => ({ time: i, id, size: 7, next: i === 0 ? 6n : -1n }))));
    const trace = await loadTrace(source);
    expect(labels(trace)).toEqual(ids.map(String));
    const out = file('ids-out.bin', '');
    await writeTrace(out, 'oracleGeneral', trace.batch, trace);
    expect(readFileSync(out).equals(readFileSync(source))).toBe(true);
    const back = await loadTrace(out);
    expect(labels(back)).toEqual(ids.map(String));
    // Through csv and back: the same ids again.
    const csv = file('ids.csv', '');
    await writeTrace(csv, 'csv', trace.batch, trace);
    const fromCsv = await loadTrace(csv);
    computeNextAccess(fromCsv.batch, fromCsv.keyCount);
    const again = file('ids-again.bin', '');
    await writeTrace(again, 'oracleGeneral', fromCsv.batch, fromCsv);
    expect(readFileSync(again).equals(readFileSync(source))).toBe(true);
  });

  it('string keys still get ids of their own, and a real id that one of them would take is refused, not merged', async () => {
    const fine = await loadTrace(file('strings.csv', 'time,key,size\n1,/a,1\n2,007,1\n3,/a,1\n4,12,1\n'));
    computeNextAccess(fine.batch, fine.keyCount);
    const out = file('strings.bin', '');
    await writeTrace(out, 'oracleGeneral', fine.batch, fine);
    const back = await loadTrace(out);
    expect(back.keyCount).toBe(3);
    expect(Array.from(back.batch.key)).toEqual([0, 1, 0, 2]);
    expect(back.keyLabel(2)).toBe('12');
    // "/a" (id 0) would be written as 2^52 + 0, which is also the next key's own id.
    const clash = await loadTrace(file('clash.csv', `time,key,size\n1,/a,1\n2,${2 ** 52},1\n`));
    computeNextAccess(clash.batch, clash.keyCount);
    const error = await failure(writeTrace(file('clash.bin', ''), 'oracleGeneral', clash.batch, clash));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`keys "/a" and "${2 ** 52}" would both be obj_id ${2 ** 52}`);
    // The other order: the integer key first.
    const first = await loadTrace(file('clash-2.csv', `time,key,size\n1,${2 ** 52 + 1},1\n2,/a,1\n`));
    computeNextAccess(first.batch, first.keyCount);
    const other = await failure(writeTrace(file('clash-2.bin', ''), 'oracleGeneral', first.batch, first));
    expect(other.message).toContain(`keys "/a" and "${2 ** 52 + 1}" would both be obj_id ${2 ** 52 + 1}`);
  });

  it('refuses a fractional time instead of flooring it (1.5 and 1.25 came back as 1)', async () => {
    const trace = await loadTrace(file('frac-time.csv', 'time,key,size\n1,a,1\n1.5,b,1\n'));
    computeNextAccess(trace.batch, trace.keyCount);
    const error = await failure(writeTrace(file('frac-time.bin', ''), 'oracleGeneral', trace.batch, trace));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('request 2 has time 1.5, but oracleGeneral times are whole numbers; use csv');
  });
});

describe('csv columns', () => {
  it('a header naming two key columns (id, url) is an error, not a trace keyed by the row id', async () => {
    const error = await failure(loadTrace(file('id-url.csv', 'id,url,size\n1,/a,10\n2,/a,10\n3,/b,5\n')));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('the header has several key columns (id, url); pass --csv key=N');
    // Named explicitly, the same file reads.
    const trace = await loadTrace(file('id-url-2.csv', 'id,url,size\n1,/a,10\n2,/a,10\n3,/b,5\n'), { csv: 'key=url,size=size' });
    expect(labels(trace)).toEqual(['/a', '/a', '/b']);
  });

  it('a header with the same name twice is an error when that column is used', async () => {
    const twice = file('twice.csv', 'time,key,key,size\n1,a,x,10\n2,a,y,10\n');
    expect((await failure(loadTrace(twice))).message).toContain('the header has several key columns (key, key)');
    const sizes = file('sizes.csv', 'time,key,size,size\n1,a,10,20\n');
    expect((await failure(loadTrace(sizes, { csv: 'key=key,size=size' }))).message).toContain('column "size" appears 2 times in the header');
    // Duplicates of a column nobody reads are fine.
    const other = await loadTrace(file('other.csv', 'time,key,size,note,note\n1,a,10,x,y\n'));
    expect(labels(other)).toEqual(['a']);
  });

  it('a mapping that names a field twice is an error, not the last one silently', () => {
    expect(() => parseCsvColumns('time=2,key=5,size=4,key=3')).toThrow(/key is mapped twice/);
  });

  it('two fields on one column are an error naming both (a typo that read the key as the session)', () => {
    expect(() => parseCsvColumns('key=1,session=1')).toThrow('key and session both read column 1 in "key=1,session=1"; give each field its own column');
    expect(() => parseCsvColumns('key=url,referrer=url')).toThrow(/key and referrer both read column url/);
    expect(parseCsvColumns('time=2,key=5,size=4,session=1')).toEqual({ time: 2, key: 5, size: 4, session: 1 });
  });
});

describe('--limit reads only what it needs', () => {
  it('a non-UTF-8 line after the limit neither fails the read nor counts as skipped', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nb\nc\n'), Buffer.from([0xe9, 0x0a]), Buffer.from('d\n')]);
    const txt = file('late-latin1.txt', bytes);
    const trace = await loadTrace(txt, { limit: 2 });
    expect(labels(trace)).toEqual(['a', 'b']);
    const skipping = await loadTrace(txt, { limit: 3, skipInvalid: true });
    expect(skipping.skipped).toBe(0);
    // Reaching it still fails, with its line.
    const error = await failure(loadTrace(txt, { limit: 4 }));
    expect((error as TraceFormatError).line).toBe(4);
    const all = await loadTrace(txt, { skipInvalid: true });
    expect([labels(all), all.skipped]).toEqual([['a', 'b', 'c', 'd'], 1]);
    const log = file(
      'late-latin1.log',
      Buffer.concat([
        Buffer.from('1.1.1.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 5\n'),
        Buffer.from([0xe9, 0x0a]),
      ]),
    );
    expect((await loadTrace(log, { limit: 1, skipInvalid: true })).skipped).toBe(0);
    const csv = file('late-latin1.csv', Buffer.concat([Buffer.from('time,key,size\n1,a,1\n2,b,1\n'), Buffer.from([0x33, 0x2c, 0xe9, 0x2c, 0x31, 0x0a])]));
    expect((await loadTrace(csv, { limit: 2, skipInvalid: true })).skipped).toBe(0);
    const csvAll = await loadTrace(csv, { skipInvalid: true });
    expect([labels(csvAll), csvAll.skipped]).toEqual([['a', 'b'], 1]);
  });
});

describe('checks that held (pinned so they stay)', () => {
  it('a line split across the 1 MiB chunk boundary, inside a multi-byte character or between CR and LF, keeps its key and later line numbers', async () => {
    for (const eol of ['\n', '\r\n']) {
      for (const shift of [-2, -1, 0, 1]) {
        const head: string[] = [];
        let bytes = 0;
        while (bytes < MB - 300) {
          const line = `k${head.length % 997}-${'p'.repeat(60)}${eol}`;
          head.push(line);
          bytes += line.length;
        }
        const room = MB - bytes + shift; // the boundary falls this many bytes into the long line
        const long = `${'é'.repeat(Math.floor(room / 2))}${room % 2 ? 'x' : ''}z`;
        const txt = file('split.txt', `${head.join('')}${long}${eol}after${eol}bad key${eol}`);
        const error = await failure(loadTrace(txt));
        expect((error as TraceFormatError).line).toBe(head.length + 3);
        const trace = await loadTrace(txt, { skipInvalid: true });
        expect(labels(trace).slice(-2)).toEqual([long, 'after']);
        const csv = file('split.csv', `time,key,size${eol}${head.map((k, i) => `${i},${k.trim()},1`).join(eol)}${eol}1,${long},1${eol}2,z,x${eol}`);
        const csvError = await failure(loadTrace(csv));
        expect((csvError as TraceFormatError).line).toBe(head.length + 3);
        expect(labels(await loadTrace(csv, { skipInvalid: true })).at(-1)).toBe(long);
      }
    }
  });

  it('csv line numbers count the header, blank lines, CRLF, quoted line breaks and a last line without newline', async () => {
    const cases: [string, number][] = [
      ['time,key,size\r\n1,a,1\r\n2,b,x\r\n', 3],
      ['time,key,size\n\n1,a,1\n\n2,b,x\n', 5],
      ['time,key,size\n1,"a\nb",1\n2,b,x', 4],
      ['time,key,size\r1,a,1\r2,b,x\r', 3],
    ];
    for (const [text, line] of cases) expect((await failure(loadTrace(file('lines.csv', text)))).message).toContain(`lines.csv:${line}: size`);
  });

  it('empty, blank, header-only, BOM-only and too-short binary files are errors that say so', async () => {
    const cases: [string, string | Buffer, string][] = [
      ['empty.txt', '', 'empty trace: the file holds no requests'],
      ['blank.txt', '\n \r\n\t\n', 'empty trace: the file holds no requests'],
      ['bom.txt', '\ufeff', 'empty trace: the file holds no requests'],
      ['header.csv', '\ufefftime,key,size', 'empty trace: the file holds no requests'],
      ['empty.log', '', 'empty trace: the file holds no requests'],
      ['empty.bin', '', 'empty trace: the file holds no requests'],
      ['short.bin', Buffer.alloc(23), '(byte offset 0): truncated record: 23 trailing bytes'],
    ];
    for (const [name, content, message] of cases) expect((await failure(loadTrace(file(name, content)))).message).toContain(message);
  });

  it('interning: "1", " 1" and "1\\r" are one key; "01", "001", "1.0", "-0" and "00" are keys of their own', async () => {
    const txt = await loadTrace(file('intern.txt', '1\n01\n 1\n1\r\n001\n1.0\n-0\n0\n00\n'));
    expect(Array.from(txt.batch.key)).toEqual([0, 1, 0, 0, 2, 3, 4, 5, 6]);
    const csv = await loadTrace(file('intern.csv', 'key\n1\n01\n 1\n" 1"\n'));
    expect(labels(csv)).toEqual(['1', '01', '1', ' 1']); // a quoted space is part of the key
  });

  it('trace stats equal a hand count', async () => {
    const trace = await loadTrace(file('hand.csv', 'time,key,size\n1,a,10\n2,b,20\n3,a,30\n4,c,5\n5,b,20\n6,a,10\n7,d,1\n'));
    expect(traceStats(trace.batch)).toEqual({
      requests: 7,
      distinctObjects: 4,
      bytes: 96,
      distinctBytes: 36, // first-seen sizes: a 10, b 20, c 5, d 1
      oneHitWonders: 2,
      oneHitWonderRatio: 0.5,
      sessions: 0,
      // a after {b}: 1; b after {a, c}: 2; a after {c, b}: 2
      reuseDistance: { reuses: 3, mean: 5 / 3, median: 2, p90: 2, p99: 2, max: 2 },
    });
  });
});

describe('text readers', () => {
  it('a line longer than 1 MiB is refused wherever it starts (one at the start of the file was read when it ended in the second MiB)', async () => {
    const long = 'x'.repeat(MB + MB / 2);
    for (const before of ['', 'a\n'.repeat(MB / 4)]) {
      const error = await failure(loadTrace(file('long.txt', `${before}${long}\nb\n`)));
      expect(error).toBeInstanceOf(TraceFormatError);
      expect((error as TraceFormatError).byteOffset).toBe(before.length);
      expect(error.message).toContain(`a line longer than ${MB} bytes starts here`);
    }
    // A line of exactly 1 MiB (without its line break) is still a key.
    const edge = await loadTrace(file('edge.txt', `${'a\n'.repeat(1000)}${'y'.repeat(MB)}\r\nb\n`));
    expect(edge.keyLabel(edge.batch.key[1000]!)).toHaveLength(MB);
  });

  it('a broken csv quote says that --skip-invalid cannot skip it, instead of suggesting nothing', async () => {
    const csv = file('quote.csv', 'time,key,size\n1,a,1\n2,a"b,1\n3,c,1\n');
    for (const skipInvalid of [false, true]) {
      const error = await failure(loadTrace(csv, { skipInvalid }));
      expect(error.message).toContain('quote.csv:3: malformed CSV: Invalid Opening Quote');
      expect(error.message).toContain('--skip-invalid cannot skip a broken quote');
    }
  });
});

describe('csv quotes left open', () => {
  it('point at the line after the last complete record, not at the end of the file where csv-parse notices', async () => {
    const csv = file('open.csv', 'time,key,size\n1,a,1\n2,"b,1\n3,c,1\n4,d,1\n');
    const error = await failure(loadTrace(csv));
    expect(error).toBeInstanceOf(TraceFormatError);
    expect((error as TraceFormatError).location).toEqual({ line: 3 });
    expect(error.message).toContain('open.csv:3: malformed CSV: Quote Not Closed');
    expect(error.message).toContain('the broken record starts after line 2, the last complete record');
    // The whole file is one broken record after the header: it starts on line 2.
    const first = await failure(loadTrace(file('first.csv', 'time,key,size\n"1,a,1\n2,b,1\n')));
    expect((first as TraceFormatError).location).toEqual({ line: 2 });
    expect(first.message).toContain('after line 1, the last complete record');
  });

  it('a quote broken on the line it opens keeps that line and adds nothing', async () => {
    const error = await failure(loadTrace(file('close.csv', 'time,key,size\n1,a,1\n2,"b"x,1\n3,c,1\n')));
    expect(error.message).toContain('close.csv:3: malformed CSV: Invalid Closing Quote');
    expect(error.message).not.toContain('the broken record starts');
  });
});

describe('access-log timestamps', () => {
  it('a year below 100 is that year, not 1900 + year (0099 and 1999 were the same second)', () => {
    expect(parseLogTime('01/Jan/1999:00:00:00 +0000')).toBe(915148800);
    expect(parseLogTime('01/Jan/0099:00:00:00 +0000')).toBe(-59042995200);
    expect(parseLogTime('29/Feb/0004:12:00:00 +0000')).toBe(Date.UTC(2004, 1, 29, 12) / 1000 - 2000 * 365.2425 * 86400);
    // A leap second is the next year's first second, whatever the year.
    expect(parseLogTime('31/Dec/2016:23:59:60 +0000')).toBe(Date.UTC(2017, 0, 1) / 1000);
  });

  it('a zone offset outside -12:00..+14:00 is refused, not applied (+9900 moved the request by 99 hours)', () => {
    for (const zone of ['+9900', '-1500', '+1460', '+1430', '-1230', '-1300']) expect(parseLogTime(`01/Jan/2000:00:00:00 ${zone}`), zone).toBeNaN();
    expect(parseLogTime('01/Jan/2000:00:00:00 +1345')).toBe(946684800 - (13 * 3600 + 45 * 60));
    expect(parseLogTime('01/Jan/2000:00:00:00 +1400')).toBe(946684800 - 14 * 3600);
    expect(parseLogTime('01/Jan/2000:00:00:00 -1200')).toBe(946684800 + 12 * 3600);
  });
});

describe('compressed traces', () => {
  it('a gzip, zstd, xz or bzip2 file read as text is an error that says so, even with --skip-invalid (it read its binary lines as keys)', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `key${(i * 7919) % 1000}`).join('\n');
    const files: [string, Buffer, string][] = [
      ['gz', gzipSync(keys), 'gzip'],
      ['zst', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from('rest')]), 'zstd'],
      ['xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.from('rest')]), 'xz'],
      ['bz2', Buffer.from('BZh91AY&SYrest\n'), 'bzip2'],
      ['bz', Buffer.from('BZh11AY&SYrest\n'), 'bzip2'],
    ];
    for (const [ext, bytes, kind] of files) {
      for (const format of ['txt', 'csv', 'log'] as const) {
        const path = file(`trace.${format}.${ext}`, bytes);
        for (const skipInvalid of [false, true]) {
          const error = await failure(loadTrace(path, { format, skipInvalid, csv: 'key=1' }));
          expect(error).toBeInstanceOf(TraceFormatError);
          expect(error.message).toContain(`(byte offset 0): a ${kind}-compressed file; decompress it first`);
        }
      }
    }
  });
});

describe('UTF-16 traces', () => {
  it('a file with a UTF-16 byte-order mark is an error saying to convert it, even with --skip-invalid (its lines read as keys with NULs)', async () => {
    const text = 'a\nb\na\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le.subarray(2)).swap16();
    for (const [name, bytes, order] of [['le', le, 'little'], ['be', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'big']] as const) {
      for (const format of ['txt', 'csv', 'log'] as const) {
        const path = file(`utf16-${name}.${format}`, bytes);
        for (const skipInvalid of [false, true]) {
          const error = await failure(loadTrace(path, { format, skipInvalid, csv: 'key=1' }));
          expect(error).toBeInstanceOf(TraceFormatError);
          expect(error.message).toContain(`(byte offset 0): UTF-16 text (${order}-endian byte-order mark); convert it to UTF-8 first`);
        }
      }
    }
  });
});
