/**
 * Byte-sized caches on traces without object sizes (txt, CSV without a size column): every
 * request counts 1 byte there, so `--size 64MiB` used to be a cache of 67M objects, silently.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTrace } from '@cachelab/cache-core';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCapacity } from '../src/experiment/capacity.js';
import { runCli, tempDir } from './helpers/workflow.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-sizes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const txt = write('keys.txt', '1\n2\n3\n1\n4\n1\n2\n');
const csvNoSize = write('nosize.csv', 'time,key\n1,a\n2,b\n3,a\n');
const csvSized = write('sized.csv', 'time,key,size\n1,a,100\n2,b,200\n3,a,100\n');
const csvNumeric = write('numeric.csv', '1,a\n2,b\n3,a\n');

describe('byte sizes need a trace with object sizes', () => {
  it('replay (streamed: an absolute size) refuses bytes on a txt trace and on a CSV without a size column', async () => {
    for (const [trace, extra] of [
      [txt, []],
      [csvNoSize, []],
      [csvNumeric, ['--csv', 'time=1,key=2']],
    ] as const) {
      const r = await runCli(['replay', '--trace', trace, ...extra, '--policy', 'lru', '--size', '64MiB', '--json']);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/no object sizes/);
      expect(r.stderr).toMatch(/in objects/);
    }
  });

  it('replay refuses --unit bytes with a plain number or a percentage too (loaded path)', async () => {
    const plain = await runCli(['replay', '--trace', txt, '--policy', 'lru', '--size', '3', '--unit', 'bytes']);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/no object sizes/);
    const share = await runCli(['replay', '--trace', txt, '--policy', 'belady', '--size', '50%', '--unit', 'bytes']);
    expect(share.code).not.toBe(0);
    expect(share.stderr).toMatch(/no object sizes/);
  });

  it('replay in bytes still works on a CSV with a size column, and objects still work on txt', async () => {
    const bytes = await runCli(['replay', '--trace', csvSized, '--policy', 'lru', '--size', '300B', '--json']);
    expect(bytes.code).toBe(0);
    expect(JSON.parse(bytes.stdout)).toMatchObject({ capacity: 300, capacityUnit: 'bytes', hits: 1, bytesRequested: 400 });
    const objects = await runCli(['replay', '--trace', txt, '--policy', 'lru', '--size', '3', '--json']);
    expect(objects.code).toBe(0);
    expect(JSON.parse(objects.stdout)).toMatchObject({ capacity: 3, capacityUnit: 'objects', hits: 2 });
  });

  it('mrc refuses byte sizes on a txt trace', async () => {
    const r = await runCli(['mrc', '--trace', txt, '--policies', 'lru', '--sizes', '1KiB,2KiB', '--workers', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no object sizes/);
    const ok = await runCli(['mrc', '--trace', csvSized, '--policies', 'lru', '--sizes', '300B', '--workers', '0', '--json']);
    expect(ok.code).toBe(0);
  });

  it('compare --unit bytes refuses a txt trace before running any cell', async () => {
    const out = tempDir();
    const r = await runCli(['compare', '--trace', txt, '--policies', 'lru', '--unit', 'bytes', '--sizes', '1MiB', '--out', out, '--workers', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no object sizes/);
    expect(fs.existsSync(path.join(out, 'runs'))).toBe(false);
  });

  it('loadTrace says which traces have sizes; resolveCapacity refuses bytes on one without', async () => {
    const [t, n, s] = await Promise.all([loadTrace(txt), loadTrace(csvNoSize), loadTrace(csvSized)]);
    expect([t.hasSizes, n.hasSizes, s.hasSizes]).toEqual([false, false, true]);
    const loaded = { batch: t.batch, keyCount: t.keyCount, distinctBytes: 4 };
    expect(() => resolveCapacity('2KiB', 'bytes', { ...loaded, hasSizes: false })).toThrow(/no object sizes/);
    expect(resolveCapacity('2', 'objects', { ...loaded, hasSizes: false })).toBe(2);
    expect(resolveCapacity('2KiB', 'bytes', { ...loaded, hasSizes: true })).toBe(2048);
  });

  it('an experiment in bytes on a txt trace fails its cells saying why, and writes no summary', async () => {
    const experiment = write('bytes-on-txt.json', JSON.stringify({ traces: [txt], unit: 'bytes', sizes: ['1KiB'], policies: ['lru'] }));
    const runs = path.join(dir, 'runs');
    const r = await runCli(['run', experiment, '--runs', runs, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no object sizes/);
    const summaries = fs.readdirSync(runs, { recursive: true }).filter((f) => String(f).endsWith('summary.json'));
    expect(summaries).toEqual([]);
  });
});
