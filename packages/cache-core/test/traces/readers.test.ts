import { describe, expect, it } from 'vitest';
import {
  ABSENT,
  NO_NEXT_ACCESS,
  TraceFileError,
  TraceFormatError,
  UNKNOWN_NEXT_ACCESS,
  loadTrace,
  readTrace,
  requestAt,
  type LoadedTrace,
  type TraceReadOptions,
} from '../../src/index.js';
import { oracleGeneralBytes, tempFolder } from './fixtures.js';

const file = tempFolder('readers');

function keys(trace: LoadedTrace): number[] {
  return Array.from(trace.batch.key);
}

async function failure(path: string, options: TraceReadOptions = {}): Promise<TraceFormatError> {
  try {
    await loadTrace(path, options);
  } catch (error) {
    if (error instanceof TraceFormatError) return error;
    throw error;
  }
  throw new Error(`expected ${path} to fail`);
}

describe('txt reader', () => {
  it('interns keys densely in order of first appearance, keeps labels, time = index, size 1', async () => {
    const path = file('keys.txt', 'a\n7\nb\n7\n a \n\n007\r\n12345678901234567890\n');
    const trace = await loadTrace(path);
    expect(trace.format).toBe('txt');
    expect(keys(trace)).toEqual([0, 1, 2, 1, 0, 3, 4]);
    expect(trace.keyCount).toBe(5);
    expect([0, 1, 2, 3, 4].map((id) => trace.keyLabel(id))).toEqual(['a', '7', 'b', '007', '12345678901234567890']);
    expect(Array.from(trace.batch.time)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(trace.batch.size)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(requestAt(trace.batch, 3)).toEqual({ time: 3, key: 1, size: 1, session: ABSENT, op: ABSENT, referrer: ABSENT, nextAccess: UNKNOWN_NEXT_ACCESS });
    expect(trace.sessionCount).toBe(0);
    expect(() => trace.keyLabel(5)).toThrow(RangeError);
  });

  it('names file and line of a malformed line, and counts it with skipInvalid', async () => {
    const path = file('bad.txt', '1\n2\nthree words\n4\n');
    const error = await failure(path);
    expect(error.message).toBe(`${path}:3: expected one key per line, got "three words" (use --skip-invalid to skip such records)`);
    expect(error.line).toBe(3);
    expect(error.file).toBe(path);
    const skipped = await loadTrace(path, { skipInvalid: true });
    expect(skipped.skipped).toBe(1);
    expect(skipped.keyCount).toBe(3);
    expect(skipped.batch.length).toBe(3);
  });
});

describe('oracleGeneral reader', () => {
  const records = [
    { time: 10, id: 5n, size: 4096, next: 3n },
    { time: 11, id: 0x1_0000_0000_0000n * 0x10n + 1n, size: 512, next: -1n }, // id above 2^53
    { time: 11, id: 5n, size: 8192, next: -1n },
    { time: 12, id: 9n, size: 1, next: -1n },
  ];

  it('reads 24-byte records; next_access_vtime (1-based, -1) becomes 0-based nextAccess', async () => {
    const path = file('tiny.oracleGeneral.bin', oracleGeneralBytes(records));
    const trace = await loadTrace(path);
    expect(trace.format).toBe('oracleGeneral');
    expect(keys(trace)).toEqual([0, 1, 0, 2]);
    expect(trace.keyCount).toBe(3);
    expect(trace.keyLabel(0)).toBe('5');
    expect(trace.keyLabel(1)).toBe((0x1_0000_0000_0000n * 0x10n + 1n).toString());
    expect(Array.from(trace.batch.time)).toEqual([10, 11, 11, 12]);
    expect(Array.from(trace.batch.size)).toEqual([4096, 512, 8192, 1]);
    expect(Array.from(trace.batch.nextAccess)).toEqual([2, NO_NEXT_ACCESS, NO_NEXT_ACCESS, NO_NEXT_ACCESS]);
  });

  it('reports a truncated record with its byte offset', async () => {
    const bytes = Buffer.concat([oracleGeneralBytes(records), Buffer.alloc(10)]);
    const path = file('cut.bin', bytes);
    const error = await failure(path);
    expect(error.byteOffset).toBe(96);
    expect(error.message).toContain(`${path} (byte offset 96): truncated record: 10 trailing bytes, but oracleGeneral records are 24 bytes`);
    const skipped = await loadTrace(path, { skipInvalid: true });
    expect(skipped.skipped).toBe(1);
    expect(skipped.batch.length).toBe(4);
  });

  it('rejects a next_access_vtime that does not point forward', async () => {
    const path = file('back.bin', oracleGeneralBytes([records[0]!, { time: 1, id: 2n, size: 1, next: 1n }, records[2]!]));
    const error = await failure(path);
    expect(error.byteOffset).toBe(24);
    expect(error.message).toContain('record 2: next_access_vtime 1 is neither -1 nor a position after this record');
    // Skipping a record shifts positions, so loadTrace recomputes next-access for the rest.
    const skipped = await loadTrace(path, { skipInvalid: true });
    expect(skipped.skipped).toBe(1);
    expect(Array.from(skipped.batch.nextAccess)).toEqual([1, NO_NEXT_ACCESS]);
  });

  it('reads a file whose length is an exact multiple of the batch size', async () => {
    const path = file('exact.bin', oracleGeneralBytes(records));
    const trace = await loadTrace(path, { batchSize: 2 });
    expect(keys(trace)).toEqual([0, 1, 0, 2]);
  });
});

describe('csv reader', () => {
  const csv = 'version,time,op,size,lbn\n1,100,2a,512,42\n1,100,28,1024,"43"\n1,101,2a,512,42\n';

  it('maps 1-based columns with a header row', async () => {
    const path = file('io.csv', csv);
    const trace = await loadTrace(path, { csv: 'time=2,key=5,size=4,op=3', header: true });
    expect(keys(trace)).toEqual([0, 1, 0]);
    expect(trace.keyLabel(1)).toBe('43');
    expect(Array.from(trace.batch.time)).toEqual([100, 100, 101]);
    expect(Array.from(trace.batch.size)).toEqual([512, 1024, 512]);
    expect(Array.from(trace.batch.op)).toEqual([0, 1, 0]);
    expect(trace.opLabel(1)).toBe('28');
    expect(Array.from(trace.batch.session)).toEqual([ABSENT, ABSENT, ABSENT]);
  });

  it('detects a header row when header is not given: a non-numeric time or size in the first row', async () => {
    const path = file('auto.csv', csv);
    const detected = await loadTrace(path, { csv: 'time=2,key=5,size=4' });
    expect(keys(detected)).toEqual([0, 1, 0]);
    expect(Array.from(detected.batch.size)).toEqual([512, 1024, 512]);
    // A numeric first row is data; header: false forces it and then the header row is an error.
    const data = await loadTrace(file('noheader.csv', '1,100,2a,512,42\n1,101,2a,512,43\n'), { csv: 'time=2,key=5,size=4' });
    expect(keys(data)).toEqual([0, 1]);
    const error = await failure(path, { csv: 'time=2,key=5,size=4', header: false });
    expect(error.message).toBe(`${path}:1: time in column 2 is not a number: "time" (use --skip-invalid to skip such records)`);
  });

  it('maps header names, and finds well-known names without a mapping', async () => {
    const path = file('named.csv', csv);
    const byName = await loadTrace(path, { csv: 'time=time,key=lbn,size=size', header: true });
    const byDefault = await loadTrace(path, { header: true });
    expect(keys(byName)).toEqual([0, 1, 0]);
    expect(Array.from(byDefault.batch.size)).toEqual([512, 1024, 512]);
    expect(Array.from(byDefault.batch.time)).toEqual([100, 100, 101]);
    expect(byDefault.keyLabel(0)).toBe('42');
  });

  it('without time or size columns uses the index and size 1; a session column is interned', async () => {
    const path = file('sessions.csv', 'u1,/a\nu2,/b\nu1,/b\n');
    const trace = await loadTrace(path, { csv: 'session=1,key=2' });
    expect(keys(trace)).toEqual([0, 1, 1]);
    expect(Array.from(trace.batch.session)).toEqual([0, 1, 0]);
    expect(trace.sessionCount).toBe(2);
    expect(trace.sessionLabel(1)).toBe('u2');
    expect(Array.from(trace.batch.time)).toEqual([0, 1, 2]);
    expect(Array.from(trace.batch.size)).toEqual([1, 1, 1]);
  });

  it('names file and line of a bad value, and skips and counts with skipInvalid', async () => {
    const path = file('bad.csv', 'version,time,op,size,lbn\n1,100,2a,512,42\n1,100,28,big,43\n1,101\n1,102,2a,512,44\n');
    const error = await failure(path, { csv: 'time=2,key=5,size=4', header: true });
    expect(error.message).toBe(`${path}:3: size in column 4 is not a non-negative number: "big" (use --skip-invalid to skip such records)`);
    const skipped = await loadTrace(path, { csv: 'time=2,key=5,size=4', header: true, skipInvalid: true });
    expect(skipped.skipped).toBe(2);
    expect([0, 1].map((id) => skipped.keyLabel(id))).toEqual(['42', '44']);
  });

  it('reads decimal numbers only: hex, binary and octal sizes and times are invalid, exponents are fine', async () => {
    const path = file('radix.csv', 'time,key,size\n1,a,0x10\n0b11,b,5\n3,c, 0o7\n4,d,1e3\n.5,e,2\n');
    const error = await failure(path, {});
    expect(error.message).toBe(`${path}:2: size in column 3 is not a non-negative number: "0x10" (use --skip-invalid to skip such records)`);
    const kept = await loadTrace(path, { skipInvalid: true });
    expect(kept.skipped).toBe(3);
    expect(Array.from(kept.batch.size)).toEqual([1000, 2]);
    expect(Array.from(kept.batch.time)).toEqual([4, 0.5]);
  });

  it('turns a csv-parse error (unclosed quote) into a TraceFormatError', async () => {
    const path = file('quote.csv', '1,2,3\n1,"2,3\n');
    const error = await failure(path, { csv: 'key=1' });
    expect(error.message).toMatch(/^.*quote\.csv(:\d+)?: malformed CSV: /);
  });

  it('asks for a mapping when there is neither mapping nor header', async () => {
    const path = file('plain.csv', '1,2\n');
    await expect(loadTrace(path)).rejects.toThrow('a CSV trace needs a column mapping such as --csv time=2,key=5,size=4');
    await expect(loadTrace(path, { csv: 'time=2' })).rejects.toThrow('has no key column');
    await expect(loadTrace(path, { csv: 'key=0' })).rejects.toThrow('column numbers are 1-based');
  });

  it('without flags, a first row naming a well-known key column is the header (what trace convert writes, BOM or not)', async () => {
    for (const [name, text] of [
      ['ours.csv', 'time,key,size\n5,a,10\n6,b,20\n7,a,10\n'],
      ['bom.csv', '\uFEFFtime,key,size\n5,a,10\n6,b,20\n7,a,10\n'],
      ['libcachesim.csv', 'version,time,op,size,lbn\n1,5,r,10,a\n1,6,w,20,b\n1,7,r,10,a\n'],
    ] as const) {
      const trace = await loadTrace(file(name, text));
      expect(Array.from(trace.batch.key, (id) => trace.keyLabel(id)), name).toEqual(['a', 'b', 'a']);
      expect(Array.from(trace.batch.time), name).toEqual([5, 6, 7]);
      expect(Array.from(trace.batch.size), name).toEqual([10, 20, 10]);
    }
    // A first row that names no key column is data without a mapping: still an error, never a guess.
    await expect(loadTrace(file('unnamed.csv', 't,k,s\n1,a,1\n'))).rejects.toThrow('a CSV trace needs a column mapping');
    await expect(loadTrace(file('ours-no-header.csv', 'time,key,size\n5,a,10\n'), { header: false })).rejects.toThrow('a CSV trace needs a column mapping');
  });
});

describe('access log reader', () => {
  const log = [
    '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a.png HTTP/1.1" 200 2000 "http://x/" "Mozilla/5.0"',
    '10.0.0.2 - frank [17/May/2015:12:05:04 +0200] "POST /api?q=1 HTTP/1.1" 201 - "-" "curl/8"',
    '10.0.0.1 - - [17/May/2015:10:05:05 +0000] "GET /a.png HTTP/1.0" 304 0',
  ].join('\n');

  it('client → session, path → key, bytes → size (- → 0), method → op, time in epoch seconds', async () => {
    const path = file('access.log', `${log}\n`);
    const trace = await loadTrace(path);
    expect(trace.format).toBe('log');
    expect(keys(trace)).toEqual([0, 1, 0]);
    expect(trace.keyLabel(1)).toBe('/api?q=1');
    expect(Array.from(trace.batch.session)).toEqual([0, 1, 0]);
    expect(trace.sessionLabel(1)).toBe('10.0.0.2');
    expect(Array.from(trace.batch.op)).toEqual([0, 1, 0]);
    expect([trace.opLabel(0), trace.opLabel(1)]).toEqual(['GET', 'POST']);
    expect(Array.from(trace.batch.size)).toEqual([2000, 0, 0]);
    const t0 = Date.UTC(2015, 4, 17, 10, 5, 3) / 1000;
    expect(Array.from(trace.batch.time)).toEqual([t0, t0 + 1, t0 + 2]); // +0200 is two hours ahead of UTC
  });

  it('logSession client-agent: one address with two user agents is two sessions; a line without an agent keeps its address', async () => {
    const path = file('agents.log', [
      '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11)"',
      '10.0.0.1 - - [17/May/2015:10:05:04 +0000] "GET /b HTTP/1.1" 200 1 "-" "Googlebot/2.1"',
      '10.0.0.1 - - [17/May/2015:10:05:05 +0000] "GET /c HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11)"',
      '10.0.0.1 - - [17/May/2015:10:05:06 +0000] "GET /d HTTP/1.0" 304 0',
      '10.0.0.2 - - [17/May/2015:10:05:07 +0000] "GET /a HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11)"',
    ].join('\n'));
    const byClient = await loadTrace(path);
    expect(Array.from(byClient.batch.session)).toEqual([0, 0, 0, 0, 1]);
    const byAgent = await loadTrace(path, { logSession: 'client-agent' });
    expect(Array.from(byAgent.batch.session)).toEqual([0, 1, 0, 2, 3]);
    expect(byAgent.sessionCount).toBe(4);
    expect(byAgent.sessionLabel(1)).toBe('10.0.0.1 Googlebot/2.1');
    expect(byAgent.sessionLabel(2)).toBe('10.0.0.1');
    await expect(loadTrace(path, { logSession: 'agent' as never })).rejects.toThrow(/logSession: must be one of client, client-agent, got "agent"/);
  });

  it('names the line that is not in log format', async () => {
    const path = file('bad.log', `${log}\nthis is not a log line\n`);
    const error = await failure(path);
    expect(error.message).toBe(`${path}:4: not a Common/Combined Log Format line: "this is not a log line" (use --skip-invalid to skip such records)`);
    expect((await loadTrace(path, { skipInvalid: true })).skipped).toBe(1);
  });
});

describe('every format', () => {
  it('an empty trace fails with a clear message', async () => {
    for (const name of ['empty.txt', 'empty.bin', 'empty.log']) {
      const path = file(name, '');
      expect((await failure(path)).message).toBe(`${path}: empty trace: the file holds no requests`);
    }
    const allBad = file('allbad.txt', 'a b\nc d\n');
    expect((await failure(allBad, { skipInvalid: true })).message).toBe(`${allBad}: empty trace: all 2 records were invalid and skipped`);
  });

  it('format comes from the extension unless given; unknown extensions ask for --format', async () => {
    const path = file('keys.data', '1\n2\n');
    expect(() => readTrace(path)).toThrow(`cannot tell the format of ${path} from its extension; name it with --format`);
    expect(() => readTrace(file('t.oracleGeneral.zst', ''))).toThrow('compressed traces must be decompressed first');
    expect(() => readTrace(path, { format: 'parquet' as never })).toThrow('unknown trace format "parquet"');
    expect((await loadTrace(path, { format: 'txt' })).batch.length).toBe(2);
  });

  it('streaming in small reused batches yields exactly what loading yields', async () => {
    const paths: [string, TraceReadOptions][] = [
      [file('s.txt', Array.from({ length: 50 }, (_, i) => `k${(i * 7) % 13}`).join('\n')), {}],
      [file('s.csv', Array.from({ length: 50 }, (_, i) => `${i},${(i * 5) % 11},${i + 1}`).join('\n')), { csv: 'time=1,key=2,size=3' }],
      [file('s.bin', oracleGeneralBytes(Array.from({ length: 50 }, (_, i) => ({ time: i, id: BigInt((i * 3) % 17), size: i, next: -1n })))), {}],
      [file('s.log', Array.from({ length: 50 }, (_, i) => `c${i % 4} - - [01/Jan/2020:00:00:${String(i % 60).padStart(2, '0')} +0000] "GET /p${i % 9} HTTP/1.1" 200 ${i}`).join('\n')), {}],
    ];
    for (const [path, options] of paths) {
      const loaded = await loadTrace(path, options);
      const reader = readTrace(path, { ...options, batchSize: 7 });
      const streamed: number[] = [];
      const sizes: number[] = [];
      let first: unknown;
      let batches = 0;
      for await (const batch of reader) {
        first ??= batch;
        expect(batch).toBe(first); // one reused batch object
        expect(batch.length).toBeLessThanOrEqual(7);
        for (let i = 0; i < batch.length; i++) {
          streamed.push(batch.key[i]!);
          sizes.push(batch.size[i]!);
        }
        batches++;
      }
      expect(batches).toBe(Math.ceil(50 / 7));
      expect(streamed).toEqual(keys(loaded));
      expect(sizes).toEqual(Array.from(loaded.batch.size));
      expect(reader.keyCount).toBe(loaded.keyCount);
      expect(reader.requests).toBe(50);
    }
  });

  it('a binary file read as text fails at the over-long line instead of filling memory', async () => {
    const junk = Buffer.alloc((1 << 20) + 10, 0x41);
    const path = file('junk.txt', Buffer.concat([Buffer.from('1\n2\n'), junk]));
    const error = await failure(path);
    expect(error.byteOffset).toBe(4);
    expect(error.message).toContain('a line longer than 1048576 bytes starts here; is this really a text trace?');
    const csv = file('junk.csv', Buffer.concat([Buffer.from('1,2\n"'), junk]));
    expect((await failure(csv, { csv: 'key=1' })).message).toContain('a line longer than 1048576 bytes starts here');
  });

  it('limit stops after that many requests', async () => {
    const path = file('limit.txt', '1\n2\n3\n4\n5\n');
    const trace = await loadTrace(path, { limit: 3, batchSize: 2 });
    expect(keys(trace)).toEqual([0, 1, 2]);
    expect(trace.keyCount).toBe(3);
    for (const [name, text] of [['limit.csv', '1\n2\n3\n4\n5\n'], ['limit.log', '1.1.1.1 - - [01/Jan/2020:00:00:00 +0000] "GET /a HTTP/1.1" 200 1\n'.repeat(5)]] as const) {
      const other = await loadTrace(file(name, text), { limit: 3, csv: 'key=1' });
      expect(other.batch.length).toBe(3);
    }
    const bin = await loadTrace(file('limit.bin', oracleGeneralBytes([1, 2, 1, 3].map((id, i) => ({ time: i, id: BigInt(id), size: 1, next: id === 1 && i === 0 ? 3n : -1n })))), { limit: 2 });
    expect(keys(bin)).toEqual([0, 1]);
    expect(Array.from(bin.batch.nextAccess)).toEqual([-1, -1]); // recomputed inside the prefix
  });

  it('a reader can be iterated only once', async () => {
    const reader = readTrace(file('once.txt', '1\n'));
    for await (const _ of reader) void _;
    await expect(async () => {
      for await (const _ of reader) void _;
    }).rejects.toThrow('can be iterated only once');
  });

  it('a path that cannot be opened is a TraceFileError naming it, before any format guess', async () => {
    const missing = file('present.txt', '1\n').replace('present.txt', 'absent');
    for (const path of [missing, `${missing}.txt`]) {
      const error = await loadTrace(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TraceFileError);
      expect((error as TraceFileError).code).toBe('TRACE_FILE');
      expect((error as TraceFileError).message).toBe(`${path}: no such trace file; check the path (shipped traces are in traces/, \`cachelab trace generate\` writes synthetic ones)`);
    }
    const folder = file('present.txt', '1\n').replace(/\/present\.txt$/, '');
    expect(() => readTrace(folder)).toThrow(new TraceFileError(folder, 'is a directory; pass a trace file'));
  });
});
