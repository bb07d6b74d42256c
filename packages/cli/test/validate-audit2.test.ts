/**
 * Audit of `cachelab validate` and `cachelab compare`: each test failed before the fix it names.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeKeys } from './helpers/workflow.js';

describe('compare --unit bytes on a trace without object sizes', () => {
  it('says to compare in objects (the option at fault), not to give the share it was given', async () => {
    const dir = tempDir();
    const trace = writeKeys(dir, [1, 2, 3, 1, 4, 1, 2]);
    const out = join(dir, 'cmp');
    // The default sizes are shares: the old message blamed `size: cache size "1%,5%,10%,20%"` and
    // advised "a share of the distinct objects (10%)", which fails the same way.
    const r = await runCli(['compare', '--trace', trace, '--policies', 'lru', '--unit', 'bytes', '--out', out, '--workers', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cachelab: --unit bytes: /);
    expect(r.stderr).toMatch(/no object sizes/);
    expect(r.stderr).toMatch(/--unit objects/);
    expect(r.stderr).not.toMatch(/share of the distinct objects/);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });
});

describe('compare --sizes with a byte size in object mode', () => {
  it('names the option that fixes it (--unit bytes), not the experiment-file field', async () => {
    const dir = tempDir();
    const trace = writeKeys(dir, [1, 2, 3, 1, 4, 1, 2]);
    // Old message: `set "unit": "bytes"`, the field of an experiment file compare has none of.
    const r = await runCli(['compare', '--trace', trace, '--policies', 'lru', '--sizes', '1KiB', '--out', join(dir, 'cmp'), '--workers', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cachelab: --sizes: sizes\[0\]: "1KiB" is a byte size/);
    expect(r.stderr).toContain('add --unit bytes');
    expect(r.stderr).not.toContain('"unit": "bytes"');
  });
});

describe('compare --sizes with no size in it', () => {
  it('says no size was given and shows the form, not a schema message', async () => {
    const dir = tempDir();
    const trace = writeKeys(dir, [1, 2, 3, 1]);
    // Old message: `--sizes: Too small: expected array to have >=1 items (in the compare options)`.
    const r = await runCli(['compare', '--trace', trace, '--policies', 'lru', '--sizes', ',', '--out', join(dir, 'cmp'), '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cachelab: --sizes: no cache size given; for example --sizes 1%,5%,10%,20%\n');
  });
});
