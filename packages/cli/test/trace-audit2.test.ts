/** `cachelab trace` audit 2: what generate reports is what it wrote. */
import fs from 'node:fs';
import path from 'node:path';
import { loadTrace } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/workflow.js';

describe('cachelab trace generate', () => {
  it('reports the objects the file holds (a short sessions trace requests fewer than all endpoints) and the fields its format drops', async () => {
    const dir = tempDir();
    const csv = path.join(dir, 'api.csv');
    const r = await runCli(['trace', 'generate', '--kind', 'sessions', '--requests', '20', '--endpoints', '200', '--seed', '3', '--out', csv, '--json']);
    expect(r.code).toBe(0);
    const back = await loadTrace(csv);
    expect(back.keyCount).toBeLessThan(200);
    expect(JSON.parse(r.stdout)).toEqual({ out: csv, format: 'csv', kind: 'sessions', seed: 3, requests: 20, objects: back.keyCount, sessions: back.sessionCount });

    const txt = path.join(dir, 'api.txt');
    const text = await runCli(['trace', 'generate', '--kind', 'sessions', '--requests', '20', '--endpoints', '200', '--seed', '3', '--out', txt]);
    expect(text.stdout).toBe(
      `wrote 20 sessions requests (${back.keyCount} objects, seed 3) to ${txt}\n` + `txt cannot hold sizes, sessions (${back.sessionCount}): dropped (use csv to keep them)\n`,
    );
    const bin = path.join(dir, 'api.bin');
    const json = await runCli(['trace', 'generate', '--kind', 'sessions', '--requests', '20', '--endpoints', '200', '--seed', '3', '--out', bin, '--json']);
    // Its keys (/api/eN) are not integers: oracleGeneral numbers them, which the summary says too
    // (counting the keys written, not every endpoint).
    expect(JSON.parse(json.stdout)).toMatchObject({ objects: back.keyCount, dropped: ['key', 'session'] });
    const said = await runCli(['trace', 'generate', '--kind', 'sessions', '--requests', '20', '--endpoints', '200', '--seed', '3', '--out', path.join(dir, 'api2.bin')]);
    expect(said.stdout).toContain(`key labels (${back.keyCount} keys are not integers`);
    // Workloads without sizes or sessions drop nothing.
    const zipf = await runCli(['trace', 'generate', '--kind', 'zipf', '--requests', '50', '--objects', '10', '--out', path.join(dir, 'z.txt'), '--json']);
    expect(JSON.parse(zipf.stdout).dropped).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'z.txt'), 'utf8').split('\n')).toHaveLength(51);
  });
});

describe('a trace without sizes written as csv', () => {
  it('gets no size column, so it reads back without sizes (a column of 1s let byte-sized caches run on it)', async () => {
    const dir = tempDir();
    const zipf = path.join(dir, 'z.csv');
    expect((await runCli(['trace', 'generate', '--kind', 'zipf', '--requests', '50', '--objects', '10', '--seed', '1', '--out', zipf])).code).toBe(0);
    expect(fs.readFileSync(zipf, 'utf8').split('\n')[0]).toBe('time,key');
    expect((await loadTrace(zipf)).hasSizes).toBe(false);
    const txt = path.join(dir, 'k.txt');
    fs.writeFileSync(txt, 'a\nb\na\n');
    const csv = path.join(dir, 'k.csv');
    expect((await runCli(['trace', 'convert', txt, csv])).code).toBe(0);
    expect(fs.readFileSync(csv, 'utf8')).toBe('time,key\n0,a\n1,b\n2,a\n');
    const bytes = await runCli(['replay', '--trace', csv, '--policy', 'lru', '--size', '2', '--unit', 'bytes']);
    expect(bytes.code).toBe(1);
    expect(bytes.stderr).toContain('this trace has no object sizes');
    // A trace with sizes keeps its column.
    const sessions = path.join(dir, 's.csv');
    await runCli(['trace', 'generate', '--kind', 'sessions', '--requests', '20', '--seed', '1', '--out', sessions]);
    expect(fs.readFileSync(sessions, 'utf8').split('\n')[0]).toBe('time,key,size,session');
  });
});

describe('trace convert to oracleGeneral', () => {
  it('says that keys which are not integers lose their labels (written as 2^52 + index), and counts them', async () => {
    const dir = tempDir();
    const csv = path.join(dir, 'urls.csv');
    fs.writeFileSync(csv, 'time,key,size\n0,/a,10\n1,42,5\n2,/b,7\n3,/a,10\n');
    const bin = path.join(dir, 'urls.bin');
    const r = await runCli(['trace', 'convert', csv, bin]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('oracleGeneral cannot hold key labels (2 keys are not integers; written as 2^52 + their index): dropped (use csv to keep them)');
    const back = await loadTrace(bin);
    expect(Array.from(back.batch.key, (k) => back.keyLabel(k))).toEqual([String(2 ** 52), '42', String(2 ** 52 + 2), String(2 ** 52)]);
    // Integer keys keep their ids: nothing is said.
    fs.writeFileSync(csv, 'time,key,size\n0,7,10\n1,42,5\n');
    const plain = await runCli(['trace', 'convert', csv, bin, '--json']);
    expect(JSON.parse(plain.stdout).dropped).toBeUndefined();
  });
});

describe('a CSV trace separated by something other than a comma', () => {
  it('is read with --delimiter, which the README lists among the CLI\'s reading options (there was no such flag)', async () => {
    const dir = tempDir();
    const semi = path.join(dir, 'semi.csv');
    fs.writeFileSync(semi, '1;a;10\n2;b;20\n3;a;10\n');
    const r = await runCli(['trace', 'stats', semi, '--csv', 'time=1,key=2,size=3', '--delimiter', ';', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ requests: 3, distinctObjects: 2, bytes: 40 });
    const tsv = path.join(dir, 'tabs.csv');
    fs.writeFileSync(tsv, '1\ta\t10\n2\tb\t20\n');
    for (const tab of ['tab', '\\t']) {
      const t = await runCli(['trace', 'stats', tsv, '--csv', 'time=1,key=2,size=3', '--delimiter', tab, '--json']);
      expect(t.code, tab).toBe(0);
      expect(JSON.parse(t.stdout)).toMatchObject({ requests: 2, distinctObjects: 2, bytes: 30 });
    }
    const bad = await runCli(['trace', 'stats', semi, '--csv', 'time=1,key=2,size=3', '--delimiter', '"']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('cachelab: --delimiter must be the text between CSV fields, such as \';\' or tab, got """\n');
  });

  it('read with the default comma, fails naming the separator its rows seem to use and how to set it', async () => {
    const dir = tempDir();
    const semi = path.join(dir, 'semi.csv');
    fs.writeFileSync(semi, '1;a;10\n2;b;20\n');
    const r = await runCli(['trace', 'stats', semi, '--csv', 'time=1,key=2,size=3', '--no-header']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `cachelab: ${semi}:1: no key in column 2 (the row has 1 column); its fields look separated by ";": set the CSV delimiter (--delimiter ';', or "delimiter" in an experiment's trace entry) (use --skip-invalid to skip such records)\n`,
    );
  });
});

describe('cachelab trace generate with an option of another kind', () => {
  it('refuses it, naming the kinds it is for, instead of writing the file without it', async () => {
    const dir = tempDir();
    const out = path.join(dir, 's.csv');
    const sessions = await runCli(['trace', 'generate', '--kind', 'sessions', '--objects', '500', '--requests', '50', '--out', out]);
    expect(sessions.code).toBe(1);
    expect(sessions.stderr).toBe('cachelab: --kind sessions does not use --objects (zipf, loop, shift); drop it or pick the kind it is for\n');
    expect(fs.existsSync(out)).toBe(false);
    const zipf = await runCli(['trace', 'generate', '--kind', 'zipf', '--shift-every', '5', '--users', '3', '--requests', '50', '--out', out]);
    expect(zipf.code).toBe(1);
    expect(zipf.stderr).toBe('cachelab: --kind zipf does not use --shift-every (shift), --users (sessions); drop them or pick the kind they are for\n');
    // Its own options, and the ones every kind reads, are fine.
    expect((await runCli(['trace', 'generate', '--kind', 'shift', '--objects', '20', '--shift-every', '10', '--shift-by', '2', '--seed', '4', '--requests', '50', '--out', out])).code).toBe(0);
  });
});
