/** Audit regressions for `cachelab train`: flags of the other environment are refused, not ignored. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/workflow.js';

const web07 = fileURLToPath(new URL('../../../traces/cache2k-web07.txt', import.meta.url));

describe('cachelab train: a flag of the other environment is a usage error', () => {
  it('eviction-env flags with --env cache, --window with --env eviction', async () => {
    const out = tempDir('cachelab-rl-audit-');
    const cache = ['train', '--trace', web07, '--size', '1%', '--env', 'cache', '--steps', '2', '--quiet'];
    const one = await runCli([...cache, '--candidates', '4', '--out', path.join(out, 'a')]);
    expect(one.code).toBe(1);
    expect(one.stderr).toBe('cachelab: --candidates applies to --env eviction only; drop it for --env cache\n');
    const two = await runCli([...cache, '--markov', '--reward-shape', 'rank', '--out', path.join(out, 'b')]);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/--reward-shape, --markov apply to --env eviction only; drop them for --env cache/);
    const eviction = await runCli(['train', '--trace', web07, '--size', '1%', '--window', '500', '--steps', '2', '--quiet', '--out', path.join(out, 'c')]);
    expect(eviction.code).toBe(1);
    expect(eviction.stderr).toMatch(/--window applies to --env cache/);
    for (const dir of ['a', 'b', 'c']) expect(fs.existsSync(path.join(out, dir))).toBe(false);
  });
});
