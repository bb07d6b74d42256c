import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/workflow.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-replay-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const web07 = fileURLToPath(new URL('../../../traces/cache2k-web07.txt', import.meta.url));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

// 1 2 3 1 4 1 2 with room for 3 objects, worked by hand:
//   LRU:  miss 1,2,3; hit 1; miss 4 (evicts 2); hit 1; miss 2 (evicts 3)  → 5 misses, 2 hits
//   FIFO: miss 1,2,3; hit 1; miss 4 (evicts 1); miss 1 (evicts 2); miss 2 → 6 misses, 1 hit
const small = write('small.txt', '1\n2\n3\n1\n4\n1\n2\n');

describe('cachelab replay', () => {
  it('--json prints exactly the documented fields, in order, with hand-worked values', async () => {
    const r = await runCli(['replay', '--trace', small, '--policy', 'lru', '--size', '3', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(Object.keys(result)).toEqual([
      'trace', 'policy', 'capacity', 'capacityUnit', 'requests', 'hits', 'misses', 'missRatio',
      'bytesRequested', 'bytesMissed', 'byteMissRatio', 'seconds',
    ]);
    expect(result).toEqual({
      trace: small, policy: 'lru', capacity: 3, capacityUnit: 'objects', requests: 7, hits: 2, misses: 5,
      missRatio: 5 / 7, bytesRequested: 7, bytesMissed: 5, byteMissRatio: 5 / 7, seconds: result.seconds,
    });
    expect(result.seconds).toBeGreaterThanOrEqual(0);
    const fifo = JSON.parse((await runCli(['replay', '--trace', small, '--policy', 'fifo', '--size', '3', '--json'])).stdout);
    expect([fifo.hits, fifo.misses]).toEqual([1, 6]);
  });

  it('byte mode on a CSV trace: evicts until the incoming object fits', async () => {
    // a50 b30 a50 c40 b30 in 100 bytes, LRU: miss a, miss b (80), hit a, miss c → evict b (90), miss b → evict a (70)
    const csv = write('sized.csv', 'key,size\na,50\nb,30\na,50\nc,40\nb,30\n');
    const r = await runCli(['replay', '--trace', csv, '--header', '--csv', 'key=1,size=2', '--policy', 'lru', '--size', '100B', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      capacity: 100, capacityUnit: 'bytes', requests: 5, hits: 1, misses: 4, missRatio: 0.8,
      bytesRequested: 200, bytesMissed: 150, byteMissRatio: 0.75,
    });
  });

  it('10% of the shipped trace equals its absolute size (loaded and streamed paths agree), with warm-up', async () => {
    const byShare = JSON.parse((await runCli(['replay', '--trace', web07, '--policy', 'lru', '--size', '10%', '--warmup', '1000', '--json'])).stdout);
    const byCount = JSON.parse((await runCli(['replay', '--trace', web07, '--policy', 'lru', '--size', '2048', '--warmup', '1000', '--json'])).stdout);
    expect(byShare.capacity).toBe(2048); // ⌊10% of 20,484 objects⌋
    expect(byShare.requests).toBe(76_118 - 1000);
    expect({ ...byShare, seconds: 0 }).toEqual({ ...byCount, seconds: 0 });
  });

  it('belady gets next-access positions from a pre-pass and never misses more than LRU', async () => {
    const r = await runCli(['replay', '--trace', small, '--policy', 'belady', '--size', '3', '--json']);
    // Belady: miss 1,2,3; hit 1; miss 4 evicts 3 (never again); hit 1; hit 2 → 4 misses
    expect(JSON.parse(r.stdout)).toMatchObject({ hits: 3, misses: 4 });
  });

  it('prints a readable summary without --json', async () => {
    const r = await runCli(['replay', '--trace', small, '--policy', 'lru', '--size', '3']);
    expect(r.stdout).toContain('policy      lru at 3 objects');
    expect(r.stdout).toContain('misses      5   miss ratio 0.7143');
  });

  it('fails with file:line for a malformed trace, or skips it with --skip-invalid', async () => {
    const bad = write('bad.txt', '1\n2\nnot one key\n1\n');
    const r = await runCli(['replay', '--trace', bad, '--policy', 'lru', '--size', '2', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cachelab: ${bad}:3: expected one key per line, got "not one key" (use --skip-invalid to skip such records)\n`);
    const skipped = await runCli(['replay', '--trace', bad, '--policy', 'lru', '--size', '2', '--skip-invalid', '--json']);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ requests: 3, hits: 1, misses: 2 });
  });

  it('names a bad size and an unknown policy', async () => {
    const size = await runCli(['replay', '--trace', small, '--policy', 'lru', '--size', 'huge']);
    expect(size.code).toBe(1);
    expect(size.stderr).toContain('bad cache size "huge"');
    const policy = await runCli(['replay', '--trace', small, '--policy', 'nosuch', '--size', '3']);
    expect(policy.code).toBe(1);
    expect(policy.stderr).toMatch(/unknown policy "nosuch"; known policies: lru, fifo/);
  });
});

describe('an oracleGeneral trace whose next_access_vtime lies', () => {
  it('loaded (a % size), Belady uses positions recomputed from the trace, and stderr says how many were wrong', async () => {
    // Objects 1 2 3 1 2 1 as libCacheSim packs them; `next` is the 1-based position of the next request.
    const pack = (next: bigint[]) => {
      const ids = [1n, 2n, 3n, 1n, 2n, 1n];
      const buffer = Buffer.alloc(ids.length * 24);
      ids.forEach((id, i) => {
        buffer.writeUInt32LE(i, i * 24);
        buffer.writeBigUInt64LE(id, i * 24 + 4);
        buffer.writeUInt32LE(10, i * 24 + 12);
        buffer.writeBigInt64LE(next[i]!, i * 24 + 16);
      });
      return buffer;
    };
    const honest = path.join(dir, 'honest.bin');
    const lying = path.join(dir, 'lying.bin');
    fs.writeFileSync(honest, pack([4n, 5n, -1n, 6n, -1n, -1n]));
    // Record 3 (object 3, never requested again) claims a return at position 4: trusted, Belady
    // would keep 3 over 2 and miss 5 times instead of 4.
    fs.writeFileSync(lying, pack([4n, 5n, 4n, 6n, -1n, -1n]));
    const args = ['--policy', 'belady', '--size', '67%', '--json', '--quiet'];
    const good = await runCli(['replay', '--trace', honest, ...args]);
    const bad = await runCli(['replay', '--trace', lying, ...args]);
    expect(good.stderr).toBe('');
    expect(bad.stderr).toContain(`note: ${lying}: 1 of 6 records have a next_access_vtime that does not point at their object's next request`);
    // 2 slots: misses 1, 2, 3 (evicting 1, needed at 4, or 2, needed at 5: 2 goes), then 2; 1 hits twice.
    expect(JSON.parse(good.stdout).misses).toBe(4);
    expect(JSON.parse(bad.stdout).misses).toBe(4);
  });
});
