/** Second audit's regressions for `cachelab train` (each failed before its fix; see the audit report). */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeSkewedTrace } from './helpers/workflow.js';

const budget = ['--learning-starts', '20', '--batch-size', '8', '--hidden-layers', '4', '--log-interval', '50', '--quiet', '--json'];

describe('cachelab train --resume: the episode limits are settings of the run', () => {
  it('refuses another --max-episode-steps, naming it; the same one resumes', async () => {
    const dir = tempDir('cachelab-rl-audit2-');
    const trace = writeSkewedTrace(dir, 3000, 400);
    const model = path.join(dir, 'm');
    const train = ['train', '--trace', trace, '--size', '10%', '--seed', '1', '--out', model, ...budget];
    const first = await runCli([...train, '--steps', '100', '--max-episode-steps', '30']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const other = await runCli([...train, '--steps', '150', '--max-episode-steps', '45', '--resume']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/cannot resume .*maxEpisodeSteps/);
    const dropped = await runCli([...train, '--steps', '150', '--resume']);
    expect(dropped.code).toBe(1);
    expect(dropped.stderr).toMatch(/cannot resume .*maxEpisodeSteps/);
    const same = await runCli([...train, '--steps', '150', '--max-episode-steps', '30', '--resume']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ resumedAt: 100, steps: 150 });
    expect(JSON.parse(fs.readFileSync(path.join(model, 'agent.json'), 'utf8')).env.settings).toMatchObject({ maxEpisodeSteps: 30 });
  });

  it('refuses another --segment-steps for several sizes', async () => {
    const dir = tempDir('cachelab-rl-audit2-');
    const trace = writeSkewedTrace(dir, 3000, 400);
    const model = path.join(dir, 'm');
    const train = ['train', '--trace', trace, '--size', '5%,10%', '--seed', '1', '--out', model, ...budget];
    const first = await runCli([...train, '--steps', '100', '--segment-steps', '20']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const other = await runCli([...train, '--steps', '150', '--segment-steps', '25', '--resume']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/cannot resume .*segmentSteps/);
    const same = await runCli([...train, '--steps', '150', '--segment-steps', '20', '--resume']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
  });
});

describe('cachelab train --resume on a folder without a checkpoint', () => {
  it('says on stderr that training started at step 0 (it used to start over without a word)', async () => {
    const dir = tempDir('cachelab-rl-audit2-');
    const trace = writeSkewedTrace(dir, 3000, 400);
    const model = path.join(dir, 'no-such-model');
    const fresh = await runCli(['train', '--trace', trace, '--size', '10%', '--seed', '1', '--out', model, ...budget, '--steps', '60', '--resume']);
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).toBe(`note: --resume: ${model} held no checkpoint to continue, so training started at step 0\n`);
    expect(JSON.parse(fresh.stdout).resumedAt).toBeUndefined();
    const resumed = await runCli(['train', '--trace', trace, '--size', '10%', '--seed', '1', '--out', model, ...budget, '--steps', '80', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe('');
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumedAt: 60, steps: 80 });
  });
});

describe('cachelab train --recent-candidates', () => {
  it('takes its documented default, 0, explicitly (same agent.json as without the flag)', async () => {
    const dir = tempDir('cachelab-rl-audit2-');
    const trace = writeSkewedTrace(dir, 3000, 400);
    const model = path.join(dir, 'm');
    const r = await runCli(['train', '--trace', trace, '--size', '10%', '--out', model, '--steps', '30', '--recent-candidates', '0', ...budget]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(model, 'agent.json'), 'utf8')).env.settings).not.toHaveProperty('recentCandidates');
  });
});
