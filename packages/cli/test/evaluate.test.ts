import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPolicy, loadTrace, replay } from '@cachelab/cache-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './helpers/workflow.js';

const web07 = fileURLToPath(new URL('../../../traces/cache2k-web07.txt', import.meta.url));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-evaluate-'));
const model = path.join(out, 'model');
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

beforeAll(async () => {
  const r = await runCli(['train', '--trace', web07, '--size', '1%', '--seed', '1', '--out', model, '--steps', '600', '--learning-starts', '200', '--quiet']);
  expect(r.code).toBe(0);
});

describe('cachelab evaluate (smoke run)', () => {
  it('says on stderr when the replay unit differs from the one the model was trained in', async () => {
    // A trace with sizes, so that bytes are a valid unit; the model was trained in objects.
    const sized = path.join(out, 'sized.csv');
    fs.writeFileSync(sized, ['time,key,size', ...Array.from({ length: 400 }, (_, i) => `${i},k${(i * 7) % 50},${100 + ((i * 7) % 50)}`)].join('\n'));
    const bytes = await runCli(['evaluate', '--model', model, '--trace', sized, '--size', '2KiB', '--baselines', 'lru', '--json', '--quiet']);
    expect(bytes.code).toBe(0);
    expect(bytes.stderr).toContain('was trained with sizes in objects and is replayed in bytes');
    const objects = await runCli(['evaluate', '--model', model, '--trace', sized, '--size', '10', '--baselines', 'lru', '--json', '--quiet']);
    expect(objects.stderr).toBe('');
  });

  it('replay, mrc and run say so too, once per model, and stay quiet in the training unit', async () => {
    const sized = path.join(out, 'sized2.csv');
    fs.writeFileSync(sized, ['time,key,size', ...Array.from({ length: 400 }, (_, i) => `${i},k${(i * 7) % 50},${100 + ((i * 7) % 50)}`)].join('\n'));
    const note = `note: ${model} was trained with sizes in objects and is replayed in bytes`;
    const replayBytes = await runCli(['replay', '--trace', sized, '--policy', `dqn:${model}`, '--size', '2KiB', '--json', '--quiet']);
    expect(replayBytes.code).toBe(0);
    expect(replayBytes.stderr).toContain(note);
    const replayObjects = await runCli(['replay', '--trace', sized, '--policy', `dqn:${model}`, '--size', '10', '--json', '--quiet']);
    expect(replayObjects.stderr).toBe('');
    const mrc = await runCli(['mrc', '--trace', sized, '--policies', `lru,dqn:${model},dqn-select:${model}+${model}`, '--sizes', '2KiB,4KiB', '--unit', 'bytes', '--workers', '0', '--json', '--quiet']);
    expect(mrc.code).toBe(0);
    expect(mrc.stderr.split('\n').filter((line) => line.startsWith('note:'))).toEqual([`${note}: its size feature sees values it never saw in training`]);
    const experiment = path.join(out, 'unit-note.json');
    fs.writeFileSync(experiment, JSON.stringify({ traces: [{ path: sized, name: 'sized' }], unit: 'bytes', sizes: ['2KiB'], policies: ['lru', `dqn:${model}`], seeds: [0] }));
    const run = await runCli(['run', experiment, '--runs', path.join(out, 'runs'), '--workers', '1', '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('note:'))).toEqual([`${note}: its size feature sees values it never saw in training`]);
  });

  it('prints the model and baseline miss ratios and the share of the LRU→Belady gap closed', async () => {
    const r = await runCli(['evaluate', '--model', model, '--trace', web07, '--size', '1%', '--json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(Object.keys(result).slice(0, 3)).toEqual(['missRatio', 'baselines', 'gapClosed']);
    expect(Object.keys(result.baselines)).toEqual(['lru', 'arc', 's3fifo', 'sieve', 'wtinylfu', 'lecar', 'cacheus', 'belady']);
    expect(result.capacity).toBe(204); // ⌊1% of 20,484 distinct objects⌋

    // Independently: the same replays through the simulator's API.
    const trace = await loadTrace(web07);
    const miss = (name: string) => replay(createPolicy(name, { capacity: 204, keySpace: trace.keyCount }), trace.batch, { unit: 'objects' }).missRatio;
    expect(result.missRatio).toBe(miss(`dqn:${model}`));
    expect(result.baselines.lru).toBe(miss('lru'));
    const { lru, belady } = result.baselines;
    expect(result.gapClosed).toBeCloseTo((lru - result.missRatio) / (lru - belady), 12);
    for (const m of Object.values(result.baselines) as number[]) expect(belady).toBeLessThanOrEqual(m);
    expect(result.policy).toBe(`dqn:${model}`);

    // Misses against LRU and against the best other baseline, each with its paired interval.
    const misses = (ratio: number) => Math.round(ratio * trace.batch.length);
    expect(result.vsLru.misses).toBe(misses(result.missRatio) - misses(lru));
    const others = ['arc', 's3fifo', 'sieve', 'wtinylfu', 'lecar', 'cacheus'];
    const best = others.reduce((a, b) => (result.baselines[b] < result.baselines[a] ? b : a));
    expect(result.vsBest.policy).toBe(best);
    expect(result.vsBest.misses).toBe(misses(result.missRatio) - misses(result.baselines[best]));
    for (const d of [result.vsLru, result.vsBest]) {
      expect(d.low).toBeLessThanOrEqual(d.high);
      expect(d.significant).toBe(d.high < 0 || d.low > 0);
    }
  });

  it('several --model flags evaluate the models together behind dqn-select', async () => {
    const r = await runCli(['evaluate', '--model', model, '--model', model, '--trace', web07, '--size', '1%', '--baselines', 'lru', '--json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.policy).toBe(`dqn-select:${model}+${model}`);
    expect(result.model).toBe(`${model}+${model}`);
    expect(Object.keys(result.baselines)).toEqual(['lru', 'belady']);
    expect(result.vsBest).toBeNull(); // no baseline besides LRU and Belady
    const trace = await loadTrace(web07);
    const policy = createPolicy(result.policy, { capacity: 204, keySpace: trace.keyCount, seed: 0 });
    expect(result.missRatio).toBe(replay(policy, trace.batch, { unit: 'objects' }).missRatio);
  });

  it('`replay` and `mrc` (in-process and on worker threads) run dqn:DIR and dqn-guard:DIR in a fresh process', async () => {
    // A fresh process: this file's earlier commands already imported @cachelab/rl-agent here.
    const trace = await loadTrace(web07);
    const miss = (name: string) => replay(createPolicy(name, { capacity: 204, keySpace: trace.keyCount, seed: 1 }), trace.batch, { unit: 'objects' }).missRatio;
    for (const name of [`dqn:${model}`, `dqn-guard:${model}`]) {
      const r = await spawnCli(['replay', '--trace', web07, '--size', '1%', '--policy', name, '--seed', '1', '--json', '--quiet']).done;
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).missRatio).toBe(miss(name));
    }
    for (const workers of ['0', '1']) {
      const policies = `lru,dqn:${model},dqn-guard:${model}`;
      const r = await spawnCli(['mrc', '--trace', web07, '--sizes', '1%', '--policies', policies, '--seed', '1', '--workers', workers, '--json', '--quiet']).done;
      expect(r.stderr).toBe('');
      const points = JSON.parse(r.stdout).points as { policy: string; missRatio: number }[];
      expect(points.map((p) => p.missRatio)).toEqual(['lru', `dqn:${model}`, `dqn-guard:${model}`].map(miss));
    }
  });

  it('a directory that holds no model is a one-line error naming what to pass', async () => {
    const r = await runCli(['evaluate', '--model', path.join(out, 'missing'), '--trace', web07, '--size', '1%', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cachelab train/);
  });
});
