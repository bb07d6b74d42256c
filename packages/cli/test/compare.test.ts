import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPolicy, listPolicies, loadTrace, replay, withNextAccess } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIZES, MAIN_POLICIES, compareExperiment, defaultPolicies } from '../src/commands/compare.js';
import { repoRoot } from '../src/util/paths.js';
import { runCli, tempDir, writeSkewedTrace } from './helpers/workflow.js';

describe('cachelab compare', () => {
  it('defaults to the registered main policies on the shipped trace at 1%, 5%, 10%, 20%', () => {
    const registered = new Set(listPolicies().map((p) => p.name));
    const policies = defaultPolicies();
    expect(policies).toEqual(MAIN_POLICIES.filter((name) => registered.has(name)));
    expect(policies).toEqual(expect.arrayContaining(['lru', 'fifo', 'belady']));
    const experiment = compareExperiment({ unit: 'objects', seed: 0 });
    expect(experiment.traces).toEqual(['traces/cache2k-web07.txt']);
    expect(experiment.sizes).toEqual([...DEFAULT_SIZES]);
    expect(existsSync(join(repoRoot(), 'traces/cache2k-web07.txt'))).toBe(true);
  });

  it('finishes on a generated trace and reports exactly what replay() gives', async () => {
    const dir = tempDir();
    const trace = writeSkewedTrace(dir, 5_000, 800);
    const out = join(dir, 'report');
    const policies = ['lru', 'fifo', 'sieve', 's3fifo', 'belady'];
    const { code, stdout, stderr } = await runCli(['compare', '--trace', trace, '--policies', policies.join(','), '--sizes', '5%,25%,100', '--out', out, '--workers', '1', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { report: string; results: { policy: string; size: string | number; capacity: number; misses: number; missRatio: number; requests: number }[] };
    expect(result.report).toBe(join(out, 'index.html'));
    expect(existsSync(join(out, 'summary.md'))).toBe(true);
    expect(result.results).toHaveLength(policies.length * 3);

    const loaded = withNextAccess(await loadTrace(trace));
    const capacities: Record<string, number> = { '5%': Math.floor(loaded.keyCount * 0.05), '25%': Math.floor(loaded.keyCount * 0.25), '100': 100 };
    for (const row of result.results) {
      expect(row.capacity).toBe(capacities[String(row.size)]);
      const direct = replay(createPolicy(row.policy, { capacity: row.capacity, keySpace: loaded.keyCount, seed: 0 }), loaded.batch, { unit: 'objects' });
      expect({ policy: row.policy, size: row.size, misses: row.misses, missRatio: row.missRatio, requests: row.requests }).toEqual({
        policy: row.policy,
        size: row.size,
        misses: direct.misses,
        missRatio: direct.missRatio,
        requests: 5_000,
      });
    }
    // Belady is the optimum: no policy misses less at any size.
    for (const row of result.results) {
      const optimum = result.results.find((r) => r.policy === 'belady' && r.size === row.size)!;
      expect(row.misses).toBeGreaterThanOrEqual(optimum.misses);
    }
  });

  it('prints a table and where to open the report', async () => {
    const dir = tempDir();
    const trace = writeSkewedTrace(dir, 2_000, 300);
    const out = join(dir, 'r');
    const { code, stdout } = await runCli(['compare', '--trace', trace, '--policies', 'lru,belady', '--sizes', '10%', '--out', out, '--workers', '1']);
    expect(code).toBe(0);
    const lru = JSON.parse(readFileSync(join(out, 'runs', 'compare', readdirOne(join(out, 'runs', 'compare')), 'tiny-10pct-lru-s0', 'summary.json'), 'utf8'));
    const row = stdout.split('\n').find((line) => line.startsWith('lru '));
    expect(row?.split(/\s+/)).toEqual(['lru', lru.stats.missRatio.toFixed(4)]);
    expect(stdout.trim().split('\n').at(-1)).toBe(`report: open ${join(out, 'index.html')}`);
  });

  it('exits 1 with the known policies for an unknown one, and names the option for a bad value', async () => {
    const unknown = await runCli(['compare', '--policies', 'lru,nosuch', '--out', tempDir()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^cachelab: unknown policy "nosuch"; known policies: .*lru.*belady/);
    const sizes = await runCli(['compare', '--sizes', '5%,huge', '--out', tempDir()]);
    expect(sizes.code).toBe(1);
    expect(sizes.stderr).toMatch(/--sizes: sizes\[1\]: use a percentage/);
    const seed = await runCli(['compare', '--seed', 'x']);
    expect(seed.code).toBe(1);
    expect(seed.stderr).toContain('--seed must be a whole number');
    const unit = await runCli(['compare', '--unit', 'pages']);
    expect(unit.code).toBe(1);
    const option = await runCli(['compare', '--no-such-option']);
    expect(option.code).toBe(2);
  });

  it('names a trace path that cannot be opened as replay does, not as an experiment file\'s entry', async () => {
    // Was: trace "nope" not found at /abs/nope.bin: check the path in the experiment (relative paths are relative to the repository root)
    const missing = await runCli(['compare', '--trace', 'no/such/trace.bin', '--out', tempDir()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cachelab: no\/such\/trace\.bin: no such trace file; check the path/);
    expect(missing.stderr).not.toContain('experiment');
    const folder = await runCli(['compare', '--trace', 'traces', '--out', tempDir()]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toMatch(/^cachelab: traces: is a directory; pass a trace file/);
  });
});

function readdirOne(dir: string): string {
  const entries = readdirSync(dir);
  expect(entries).toHaveLength(1);
  return entries[0]!;
}

describe('cachelab compare: reading options of the trace', () => {
  it('--csv, --delimiter and --limit read a ";" CSV with columns in another order, as replay does, and the run records them', async () => {
    const dir = tempDir();
    const keys = [3, 1, 3, 2, 3, 1, 4, 3, 2, 1, 5, 3];
    const trace = join(dir, 'semi.csv');
    writeFileSync(trace, keys.map((k, i) => `${k * 10};${i}`).join('\n') + '\n');
    const out = join(dir, 'r');
    const args = ['--trace', trace, '--csv', 'key=1,time=2', '--delimiter', ';', '--limit', '10', '--policies', 'lru', '--sizes', '2'];
    const r = await runCli(['compare', ...args, '--out', out, '--workers', '1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // LRU at 2 objects on the first 10 keys 3 1 3 2 3 1 4 3 2 1: hits at requests 3 and 5 only.
    const [row] = JSON.parse(r.stdout).results;
    expect(row).toMatchObject({ requests: 10, misses: 8 });
    const direct = await runCli(['replay', ...args.slice(0, 8), '--policy', 'lru', '--size', '2', '--json']);
    expect(JSON.parse(direct.stdout)).toMatchObject({ requests: 10, misses: 8 });
    // Without the mapping the run cannot read the file and says what to add.
    const plain = await runCli(['compare', '--trace', trace, '--policies', 'lru', '--sizes', '2', '--out', join(dir, 'p'), '--workers', '1']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('a CSV trace needs a column mapping such as --csv');
  });
});
