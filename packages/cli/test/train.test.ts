import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/workflow.js';

const web07 = fileURLToPath(new URL('../../../traces/cache2k-web07.txt', import.meta.url));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-train-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('cachelab train (smoke run on a tiny budget)', () => {
  it('trains the eviction agent and writes a loadable checkpoint with namespaced metrics', async () => {
    const model = path.join(out, 'model');
    const args = ['train', '--trace', web07, '--size', '10%', '--env', 'eviction', '--seed', '3', '--out', model];
    const r = await runCli([...args, '--steps', '800', '--learning-starts', '200', '--log-interval', '200', '--hidden-layers', '8', '--json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ env: 'eviction', capacity: 2048, capacityUnit: 'objects', steps: 800, episodes: 0 });
    // One gradient step every 4 environment steps from step 200 to 799.
    expect(summary.updates).toBe(150);
    const agent = JSON.parse(fs.readFileSync(path.join(model, 'agent.json'), 'utf8'));
    expect(agent.config).toMatchObject({ seed: 3, totalSteps: 800, learningStarts: 200, hiddenLayers: [8] });
    expect(agent.spec).toEqual({ layout: 'per-action', features: 14, actions: 8, hiddenLayers: [8] });
    const records = fs.readFileSync(path.join(model, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => x.global_step)).toEqual([200, 400, 600, 800]);
    expect(records[3]).toHaveProperty('losses/td_loss');
    expect(records[3]['charts/hit_ratio']).toBeGreaterThan(0);
  });

  it('--recent-candidates, --regime-features, --reward-shape and --decay-features are recorded in agent.json (20 features)', async () => {
    const model = path.join(out, 'model-options');
    const args = ['train', '--trace', web07, '--size', '10%', '--seed', '3', '--out', model, '--recent-candidates', '1', '--regime-features', '--reward-shape', 'hyperbolic', '--decay-features'];
    const r = await runCli([...args, '--steps', '300', '--learning-starts', '100', '--log-interval', '100', '--hidden-layers', '8', '--json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const agent = JSON.parse(fs.readFileSync(path.join(model, 'agent.json'), 'utf8'));
    expect(agent.spec).toEqual({ layout: 'per-action', features: 20, actions: 8, hiddenLayers: [8] });
    expect(agent.env.settings).toMatchObject({ candidates: 8, features: 20, recentCandidates: 1, regimeFeatures: true, rewardShape: 'hyperbolic', decayFeatures: true });
    // `dqn:DIR` rebuilds the same 20-feature rows from agent.json (a mismatch would be a ConfigError).
    const replayed = await runCli(['replay', '--trace', web07, '--policy', `dqn:${model}`, '--size', '10%', '--json']);
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ requests: 76118, capacity: 2048 });
  });

  it('replays `dqn-select:` over trained models, and names the model whose candidate rows differ', async () => {
    const model = path.join(out, 'model');
    const wide = path.join(out, 'model-options');
    const r = await runCli(['replay', '--trace', web07, '--policy', `dqn-select:${model}+${model}`, '--size', '10%', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ requests: 76118, capacity: 2048 });
    const mixed = await runCli(['replay', '--trace', web07, '--policy', `dqn-select:${model}+${wide}`, '--size', '10%']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/model 2 was trained with candidate settings/);
  });

  it('trains the cache-control agent (--env cache: windows through a CacheManager, Markov predictions)', async () => {
    const model = path.join(out, 'cache');
    const r = await runCli(['train', '--trace', web07, '--size', '1%', '--env', 'cache', '--window', '500', '--steps', '20', '--learning-starts', '8', '--train-frequency', '2', '--out', model, '--json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ env: 'cache', capacity: 204, steps: 20, updates: 6 });
    const agent = JSON.parse(fs.readFileSync(path.join(model, 'agent.json'), 'utf8'));
    expect(agent.env.kind).toBe('cache');
    expect(agent.env.settings.window).toBe(500);
    expect(agent.spec).toMatchObject({ layout: 'flat', features: 10, actions: 7 });
    // Its summary points at the live controller, not at dqn:DIR (which refuses a cache-env model).
    const text = await runCli(['train', '--trace', web07, '--size', '1%', '--env', 'cache', '--window', '500', '--steps', '2', '--out', path.join(out, 'cache-text'), '--quiet']);
    expect(text.stdout).toContain('AgentController.fromCheckpoint');
    expect(text.stdout).not.toContain('use as policy dqn:');
  });

  it('trains one agent on several traces and sizes (repeated --trace, --size list, --segment-steps)', async () => {
    // A 100-key loop: 1% of its distinct objects is 1 slot, 10% is 10.
    const loop = path.join(out, 'loop.txt');
    fs.writeFileSync(loop, Array.from({ length: 2_000 }, (_, i) => String(i % 100)).join('\n'));
    const model = path.join(out, 'model-mix');
    const args = ['train', '--trace', web07, '--trace', loop, '--size', '1%,10%', '--segment-steps', '100', '--seed', '2', '--out', model];
    const r = await runCli([...args, '--steps', '500', '--learning-starts', '100', '--log-interval', '100', '--hidden-layers', '8', '--json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.members).toEqual([
      { trace: web07, size: '1%', capacity: 204 },
      { trace: web07, size: '10%', capacity: 2048 },
      { trace: loop, size: '1%', capacity: 1 },
      { trace: loop, size: '10%', capacity: 10 },
    ]);
    // agent.json records the first member's settings; the replay policy takes its capacity from the replay.
    expect(summary).toMatchObject({ trace: web07, capacity: 204, steps: 500 });
    // 500 decisions in turns of 100 (web07 1%, web07 10%, loop 1%, loop 10%, web07 1%): five
    // segments end truncated, and each counts as an episode; one environment alone would end none.
    expect(summary.episodes).toBe(5);
  });

  it('refuses --segment-steps with one (trace, size) and several traces for the cache env', async () => {
    const one = await runCli(['train', '--trace', web07, '--size', '1%', '--segment-steps', '100', '--out', path.join(out, 'y'), '--quiet']);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/--segment-steps applies only when training on several traces or sizes/);
    const cache = await runCli(['train', '--trace', web07, '--size', '1%,10%', '--env', 'cache', '--out', path.join(out, 'z'), '--quiet']);
    expect(cache.code).toBe(1);
    expect(cache.stderr).toMatch(/--env cache trains on one trace at one size/);
    expect(fs.existsSync(path.join(out, 'y')) || fs.existsSync(path.join(out, 'z'))).toBe(false);
  });

  it('rejects a bad hyperparameter with the field and the accepted range', async () => {
    const r = await runCli(['train', '--trace', web07, '--size', '1%', '--out', path.join(out, 'x'), '--gamma', '1.5', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gamma must be in \[0, 1\], got 1.5/);
    expect(fs.existsSync(path.join(out, 'x'))).toBe(false);
  });
});
