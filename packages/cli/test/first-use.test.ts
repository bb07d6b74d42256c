/** Mistakes a first-time user makes, each of which used to give an answer that did not point at the mistake. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/workflow.js';

const web07 = fileURLToPath(new URL('../../../traces/cache2k-web07.txt', import.meta.url));
function experiment(dir: string, name: string, body: unknown): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(body));
  return file;
}

describe('experiment files', () => {
  it('a misspelt field is named, with the missing field it probably meant (was only "sizes: expected array, received undefined")', async () => {
    const dir = tempDir();
    const file = experiment(dir, 'typo', { traces: [web07], size: ['1%'], policies: ['lru'] });
    const r = await runCli(['run', file, '--runs', path.join(dir, 'runs')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown field "size" (did you mean "sizes"?)');
    // Inside a trace entry, with nothing missing beside it: just the unknown field and where.
    const nested = experiment(dir, 'nested', { traces: [{ path: web07, nmae: 'x' }], sizes: ['1%'], policies: ['lru'] });
    const n = await runCli(['run', nested, '--runs', path.join(dir, 'runs')]);
    expect(n.stderr).toContain('traces[0]: unknown field "nmae" (in ');
    expect(n.stderr).not.toContain('did you mean');
  });

  it('an unknown policy names its entry in the list', async () => {
    const dir = tempDir();
    const file = experiment(dir, 'policy', { traces: [web07], sizes: ['1%'], policies: ['lru', 's3fif'] });
    const r = await runCli(['run', file, '--runs', path.join(dir, 'runs')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policies\[1\]: unknown policy "s3fif"; known policies: lru, /);
    expect(fs.existsSync(path.join(dir, 'runs', 'policy'))).toBe(false);
  });
});

describe('cachelab train', () => {
  it('says when a run is too short to make a single gradient update (the model is the untrained network)', async () => {
    const out = path.join(tempDir(), 'short');
    const r = await runCli(['train', '--trace', web07, '--size', '1%', '--seed', '1', '--out', out, '--steps', '50', '--learning-starts', '100', '--hidden-layers', '4', '--quiet', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).updates).toBe(0);
    expect(r.stderr).toContain('note: no gradient update was made');
    expect(r.stderr).toContain('raise --steps or lower --learning-starts');
  });
});
