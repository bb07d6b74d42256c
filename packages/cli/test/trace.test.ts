import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTrace } from '@cachelab/cache-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/workflow.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-trace-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => path.join(dir, name);

describe('cachelab trace', () => {
  it('stats --json on a hand-worked trace', async () => {
    fs.writeFileSync(at('abc.txt'), 'a\nb\nc\na\nb\nd\na\n');
    const r = await runCli(['trace', 'stats', at('abc.txt'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      trace: at('abc.txt'), format: 'txt', skipped: 0, hasSizes: false, requests: 7, distinctObjects: 4, bytes: null, distinctBytes: null,
      oneHitWonders: 2, oneHitWonderRatio: 0.5, sessions: 0,
      reuseDistance: { reuses: 3, mean: 2, median: 2, p90: 2, p99: 2, max: 2 },
    });
    const limited = JSON.parse((await runCli(['trace', 'stats', at('abc.txt'), '--limit', '4', '--json'])).stdout);
    expect(limited).toMatchObject({ requests: 4, distinctObjects: 3, oneHitWonders: 2 });
    const text = await runCli(['trace', 'stats', at('abc.txt')]);
    expect(text.stdout).toContain('one-hit wonders   2 (50.0% of objects)');
    expect(text.stdout).toContain('bytes requested   n/a (the trace has no object sizes)');
    fs.writeFileSync(at('sized.csv'), 'time,key,size\n0,a,10\n1,b,5\n2,a,10\n');
    expect(JSON.parse((await runCli(['trace', 'stats', at('sized.csv'), '--json'])).stdout)).toMatchObject({ hasSizes: true, bytes: 25, distinctBytes: 15 });
  });

  it('convert txt → oracleGeneral → csv keeps the key sequence and adds next-access positions', async () => {
    fs.writeFileSync(at('keys.txt'), '7\n8\n7\n9\n8\n');
    const toBin = await runCli(['trace', 'convert', at('keys.txt'), at('keys.bin'), '--json']);
    expect(JSON.parse(toBin.stdout)).toEqual({ input: at('keys.txt'), output: at('keys.bin'), format: 'oracleGeneral', requests: 5, objects: 3 });
    expect(fs.statSync(at('keys.bin')).size).toBe(5 * 24);
    const bin = await loadTrace(at('keys.bin'));
    expect(Array.from(bin.batch.key, (k) => bin.keyLabel(k))).toEqual(['7', '8', '7', '9', '8']);
    expect(Array.from(bin.batch.nextAccess)).toEqual([2, 4, -1, -1, -1]);
    const toCsv = await runCli(['trace', 'convert', at('keys.bin'), at('keys.out'), '--to', 'csv']);
    expect(toCsv.stdout).toBe(`wrote 5 requests (3 objects) to ${at('keys.out')} as csv\n`);
    expect(fs.readFileSync(at('keys.out'), 'utf8')).toBe('time,key,size\n0,7,1\n1,8,1\n2,7,1\n3,9,1\n4,8,1\n');
    const noFormat = await runCli(['trace', 'convert', at('keys.txt'), at('keys.out')]);
    expect(noFormat.code).toBe(1);
    expect(noFormat.stderr).toContain('cannot tell the output format');
  });

  it('convert log → csv writes a referrer column and keeps every referrer, though the first request has none', async () => {
    fs.writeFileSync(at('pages.log'), [
      '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /index.html HTTP/1.1" 200 5000 "-" "Mozilla/5.0"',
      '10.0.0.1 - - [17/May/2015:10:05:04 +0000] "GET /style.css HTTP/1.1" 200 300 "http://example.com/index.html" "Mozilla/5.0"',
      '10.0.0.2 - - [17/May/2015:10:05:05 +0000] "GET /logo.png HTTP/1.0" 304 0',
      '',
    ].join('\n'));
    expect((await runCli(['trace', 'convert', at('pages.log'), at('pages.csv')])).code).toBe(0);
    expect(fs.readFileSync(at('pages.csv'), 'utf8').split('\n').slice(0, 2)).toEqual(['time,key,size,op,session,referrer', '1431857103,/index.html,5000,GET,10.0.0.1,']);
    const back = await loadTrace(at('pages.csv'));
    expect(Array.from(back.batch.referrer, (id) => (id < 0 ? null : back.referrerLabel(id)))).toEqual([null, 'http://example.com/index.html', null]);
    // oracleGeneral holds no referrers (nor ops, sessions), so a csv made from it has none either.
    expect((await runCli(['trace', 'convert', at('pages.log'), at('pages.bin')])).code).toBe(0);
    expect((await runCli(['trace', 'convert', at('pages.bin'), at('from-bin.csv')])).code).toBe(0);
    expect(fs.readFileSync(at('from-bin.csv'), 'utf8').split('\n')[0]).toBe('time,key,size');
  });

  it('generate: same seed → identical bytes; sessions with their true matrix', async () => {
    const args = (seed: string, out: string) => ['trace', 'generate', '--kind', 'zipf', '--requests', '2000', '--objects', '300', '--seed', seed, '--out', at(out)];
    expect((await runCli(args('4', 'z1.bin'))).code).toBe(0);
    await runCli(args('4', 'z2.bin'));
    await runCli(args('5', 'z3.bin'));
    expect(fs.readFileSync(at('z1.bin')).equals(fs.readFileSync(at('z2.bin')))).toBe(true);
    expect(fs.readFileSync(at('z1.bin')).equals(fs.readFileSync(at('z3.bin')))).toBe(false);
    expect((await loadTrace(at('z1.bin'))).batch.length).toBe(2000);

    const r = await runCli(['trace', 'generate', '--kind', 'sessions', '--requests', '500', '--endpoints', '12', '--users', '4', '--seed', '2', '--out', at('api.csv'), '--matrix', at('api.json'), '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'sessions', requests: 500, objects: 12 });
    const matrix = JSON.parse(fs.readFileSync(at('api.json'), 'utf8'));
    expect(matrix.endpoints).toBe(12);
    expect(matrix.transitions).toHaveLength(12);
    for (const row of matrix.transitions) expect(row.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
    const api = await loadTrace(at('api.csv'), { header: true });
    expect(api.sessionCount).toBeGreaterThan(4);
    expect(api.keyLabel(0)).toMatch(/^\/api\/e\d+$/);

    const wrongKind = await runCli(['trace', 'generate', '--kind', 'loop', '--out', at('l.txt'), '--matrix', at('m.json')]);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toContain('--matrix needs --kind sessions');
  });
});
