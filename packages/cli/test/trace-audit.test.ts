/** `cachelab trace convert` audit: the input is never destroyed, a failed run leaves nothing, and nothing is dropped unsaid. */
import fs from 'node:fs';
import path from 'node:path';
import { loadTrace } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/workflow.js';

const LOG = [
  '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /index.html HTTP/1.1" 200 5000 "-" "Mozilla/5.0"',
  '10.0.0.2 - - [17/May/2015:10:05:04 +0000] "POST /style.css HTTP/1.1" 200 300 "http://example.com/index.html" "Mozilla/5.0"',
  'not a log line',
  '10.0.0.1 - - [17/May/2015:10:05:05 +0000] "GET /index.html HTTP/1.0" 304 0',
  '',
].join('\n');

describe('cachelab trace convert', () => {
  it('a referrer first seen after the first 65,536 requests still gets its csv column (it used to be an error)', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'late-referrer.log');
    const line = (i: number, referrer: string) =>
      `10.0.${(i >> 8) & 255}.${i & 255} - - [17/May/2015:10:05:03 +0000] "GET /p${i % 500} HTTP/1.1" 200 ${100 + (i % 7)} "${referrer}" "agent"`;
    const lines = Array.from({ length: 70_000 }, (_, i) => line(i, i === 69_999 ? 'http://example.com/p1' : '-'));
    fs.writeFileSync(input, `${lines.join('\n')}\n`);
    const output = path.join(dir, 'out.csv');
    const r = await runCli(['trace', 'convert', input, output, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('request 70,000 is the first with a referrer; reading the whole trace to write the csv with a referrer column');
    expect(JSON.parse(r.stdout)).toMatchObject({ requests: 70_000, objects: 500 });
    const written = fs.readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(written[0]).toBe('time,key,size,op,session,referrer');
    expect(written).toHaveLength(70_001);
    expect(written[70_000]!.endsWith(',GET,10.0.17.111,http://example.com/p1')).toBe(true);
    const back = await loadTrace(output);
    expect(back.batch.length).toBe(70_000);
    expect(back.referrerCount).toBe(1);
  });

  it('refuses to write over its input (the streamed csv → csv truncated the trace to nothing)', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'trace.csv');
    const content = 'time,key,size\n1,a,10\n2,b,20\n';
    fs.writeFileSync(input, content);
    const r = await runCli(['trace', 'convert', input, input]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${input} is the input trace itself`);
    expect(fs.readFileSync(input, 'utf8')).toBe(content);
    // Also through another spelling of the same path, and through a hard link.
    const link = path.join(dir, 'link.csv');
    fs.linkSync(input, link);
    expect((await runCli(['trace', 'convert', path.join(dir, '.', 'trace.csv'), link])).code).not.toBe(0);
    expect(fs.readFileSync(input, 'utf8')).toBe(content);
  });

  it('a malformed record halfway leaves the earlier output untouched and no half-written trace', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'bad.csv');
    fs.writeFileSync(input, `time,key,size\n${Array.from({ length: 30 }, (_, i) => `${i},k${i},1`).join('\n')}\n30,k30,oops\n`);
    const output = path.join(dir, 'out.csv');
    fs.writeFileSync(output, 'time,key,size\n0,kept,1\n');
    const r = await runCli(['trace', 'convert', input, output]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${input}:32: size in column 3 is not a non-negative number: "oops"`);
    expect(fs.readFileSync(output, 'utf8')).toBe('time,key,size\n0,kept,1\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['bad.csv', 'out.csv']);
    const fresh = path.join(dir, 'fresh.txt');
    expect((await runCli(['trace', 'convert', input, fresh])).code).not.toBe(0);
    expect(fs.existsSync(fresh)).toBe(false);
  });

  it('reports records skipped with --skip-invalid and the fields the output format drops', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'access.log');
    fs.writeFileSync(input, LOG);
    const bin = path.join(dir, 'access.bin');
    const json = await runCli(['trace', 'convert', input, bin, '--skip-invalid', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ input, output: bin, format: 'oracleGeneral', requests: 3, objects: 2, skipped: 1, dropped: ['key', 'op', 'session', 'referrer'] });
    const txt = path.join(dir, 'access.txt');
    const text = await runCli(['trace', 'convert', input, txt, '--skip-invalid']);
    expect(text.stdout).toBe(
      `wrote 3 requests (2 objects; 1 invalid records skipped) to ${txt} as txt\n` +
        'txt cannot hold sizes, operations (2), sessions (2), referrers (1): dropped (use csv to keep them)\n',
    );
    // csv keeps them all: nothing dropped, and the file reads back with the same fields.
    const csv = path.join(dir, 'access.csv');
    const kept = await runCli(['trace', 'convert', input, csv, '--skip-invalid', '--json']);
    expect(JSON.parse(kept.stdout)).toEqual({ input, output: csv, format: 'csv', requests: 3, objects: 2, skipped: 1 });
    const back = await loadTrace(csv);
    expect([back.opCount, back.sessionCount, back.referrerCount]).toEqual([2, 2, 1]);
    expect(Array.from(back.batch.size)).toEqual([5000, 300, 0]);
  });
});

describe('access-log lines kept without their referrer and agent are said, not only counted', () => {
  const truncated = [
    '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 5 "-" "Mozilla/5.0"',
    '10.0.0.1 - - [17/May/2015:10:05:04 +0000] "GET /b HTTP/1.1" 200 5 "-" "Mozilla/5.0 (truncat',
    '10.0.0.1 - - [17/May/2015:10:05:05 +0000] "GET /a HTTP/1.1" 200 5 "-" "Mozilla/5.0"',
  ].join('\n');

  it('trace stats, trace convert and markov eval print a note naming the first such line', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'access.log');
    fs.writeFileSync(input, `${truncated}\n`);
    const note = `note: ${input}: 1 record was kept without fields that could not be read (line 2: referrer and user agent cannot be read`;
    const stats = await runCli(['trace', 'stats', input, '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout).requests).toBe(3);
    expect(stats.stderr).toContain(note);
    const convert = await runCli(['trace', 'convert', input, path.join(dir, 'out.csv')]);
    expect(convert.code).toBe(0);
    expect(convert.stderr).toContain(note);
    const markov = await runCli(['markov', 'eval', '--trace', input, '--json']);
    expect(markov.code).toBe(0);
    expect(markov.stderr).toContain(note);
    // A clean log says nothing.
    fs.writeFileSync(input, `${LOG.split('\n').slice(0, 2).join('\n')}\n`);
    expect((await runCli(['trace', 'stats', input])).stderr).toBe('');
  });
});
