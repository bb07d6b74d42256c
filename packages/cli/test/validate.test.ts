import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/workflow.js';

describe('cachelab validate', () => {
  it('prints each check and exits 0 when all pass', async () => {
    const r = await runCli(['validate', '--requests', '8000']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('PASS  '))).toHaveLength(10);
    expect(lines.at(-1)).toBe('10/10 checks passed');
    expect(r.stdout).toContain('PASS  hit rate above 75% on a skewed workload');
  });

  it('--json prints the checks as data', async () => {
    const r = await runCli(['validate', '--json', '--seed', '7', '--requests', '8000']);
    expect(r.code).toBe(0);
    const checks = JSON.parse(r.stdout) as { name: string; passed: boolean; detail: string }[];
    expect(checks).toHaveLength(10);
    expect(checks.every((c) => c.passed)).toBe(true);
    expect(checks.at(-1)!.detail).toContain('seed 7');
  });

  it('exits 1 and names the failed check when one fails', async () => {
    const r = await runCli(['validate', '--requests', '300']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  hit rate above 75% on a skewed workload');
    expect(r.stdout).toContain('9/10 checks passed');
    expect(r.stderr).toBe('cachelab: 1 of 10 validation checks failed: hit rate above 75% on a skewed workload\n');
  });

  it('rejects a bad --seed with a usage message', async () => {
    const r = await runCli(['validate', '--seed', 'abc']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--seed must be a whole number/);
  });
});
