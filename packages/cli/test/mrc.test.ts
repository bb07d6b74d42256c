import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/workflow.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-mrc-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// 1 2 3 1 4 1 2: at 3 objects LRU misses 5, FIFO 6 (worked in replay.test.ts); at 4 objects
// everything fits and only the 4 cold misses remain.
const small = path.join(dir, 'small.txt');
fs.writeFileSync(small, '1\n2\n3\n1\n4\n1\n2\n');

describe('cachelab mrc', () => {
  it('--json: one point per policy and size, with hand-worked miss counts, on worker threads', async () => {
    const r = await runCli(['mrc', '--trace', small, '--policies', 'lru,fifo', '--sizes', '3,75%', '--workers', '2', '--json']);
    expect(r.stderr).toBe('cachelab: --sizes 75% is the same cache as 3 (3 objects); replayed once, listed as 3\n');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ trace: small, unit: 'objects', requests: 7, distinctObjects: 4, policies: ['lru', 'fifo'], workers: 2 });
    expect(result.sizes).toEqual([{ spec: '3', capacity: 3 }]); // 75% of 4 objects is 3 too: one column
    expect(result.points.map((p: { policy: string; capacity: number; misses: number }) => [p.policy, p.capacity, p.misses])).toEqual([
      ['lru', 3, 5],
      ['fifo', 3, 6],
    ]);
    const full = JSON.parse((await runCli(['mrc', '--trace', small, '--policies', 'lru,fifo', '--sizes', '4', '--workers', '0', '--json'])).stdout);
    expect(full.points.map((p: { misses: number }) => p.misses)).toEqual([4, 4]);
  });

  it('worker threads know the policies other packages register (markov): same curve as in-thread', async () => {
    const args = ['mrc', '--trace', small, '--policies', 'lru,markov', '--sizes', '2,3,4', '--json'];
    const threads = await runCli([...args, '--workers', '2']);
    expect(threads.stderr).toBe('');
    expect(threads.code).toBe(0);
    const inThread = await runCli([...args, '--workers', '0']);
    const misses = (r: { stdout: string }) => JSON.parse(r.stdout).points.map((p: { policy: string; capacity: number; misses: number }) => [p.policy, p.capacity, p.misses]);
    expect(misses(threads)).toEqual(misses(inThread));
    // at 4 objects everything fits: only the 4 cold misses, whatever the policy
    expect(misses(threads).filter(([, capacity]: [string, number]) => capacity === 4)).toEqual([
      ['lru', 4, 4],
      ['markov', 4, 4],
    ]);
  });

  it('prints a table of miss ratios, policies as rows and sizes as columns', async () => {
    const r = await runCli(['mrc', '--trace', small, '--policies', 'lru,fifo', '--sizes', '50%,100%', '--workers', '0']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`miss ratio, ${small}: 7 requests, 4 objects, sizes in objects`);
    expect(lines[1]).toBe('policy  50% (2)  100% (4)');
    // at 2 objects: LRU misses 1 2 3 1 4 1 2 → hits only the 1 after 4 → 6 misses; FIFO: (2,3)…(4,1) hit 1 → 6 misses
    expect(lines[3]).toBe(`lru      ${(6 / 7).toFixed(4)}    ${(4 / 7).toFixed(4)}`);
    expect(lines[4]).toBe(`fifo     ${(6 / 7).toFixed(4)}    ${(4 / 7).toFixed(4)}`);
  });

  it('rejects mixed units and unknown policies', async () => {
    const mixed = await runCli(['mrc', '--trace', small, '--policies', 'lru', '--sizes', '50%,1GB']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('mix object counts and bytes');
    const unknown = await runCli(['mrc', '--trace', small, '--policies', 'lru,nosuch', '--sizes', '2', '--workers', '0']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown policy "nosuch"');
  });
});
