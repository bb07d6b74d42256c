import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, UnknownPolicyError, createPolicy, registerPolicy } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { traceRefs, tracePath } from '../src/experiment/cells.js';
import { loadExperiment } from '../src/experiment/load.js';
import { assertRunFinished } from '../src/experiment/outcome.js';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { TraceMissingError } from '../src/experiment/trace-cache.js';
import { configHash } from '../src/util/hash.js';
import { repoRoot } from '../src/util/paths.js';
import { tempDir, writeKeys } from './helpers/workflow.js';

/** 30 requests looping over 3 keys: at 2 slots LRU and FIFO miss every request; at 100% only the 3 cold misses. */
function loopExperiment(dir: string, extra: Record<string, unknown> = {}) {
  const keys = Array.from({ length: 30 }, (_, i) => 10 + (i % 3));
  const trace = writeKeys(dir, keys, 'loop.txt');
  return parseExperiment({ traces: [{ path: trace, name: 'loop' }], sizes: [2, '100%'], policies: ['lru', 'fifo'], seeds: [0, 1], ...extra });
}

const options = (runsDir: string, workers = 1) => ({ runsDir, workers, quiet: true, command: 'cachelab run test' });

function summaries(runDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const cell of readdirSync(runDir)) {
    const file = join(runDir, cell, 'summary.json');
    if (existsSync(file)) out.set(cell, readFileSync(file, 'utf8'));
  }
  return out;
}

describe('cachelab run', () => {
  it('writes config, manifest, metrics and summary per cell with the hand-worked miss counts', async () => {
    const dir = tempDir();
    const experiment = loopExperiment(dir);
    const result = await runExperiment('loop', experiment, options(join(dir, 'runs')));
    expect(result).toMatchObject({ cells: 8, ran: 8, skipped: 0, failed: [], interrupted: false });
    expect(result.runDir).toBe(join(dir, 'runs', 'loop', configHash(experiment)));
    const cellDir = join(result.runDir, 'loop-2-lru-s0');
    expect(readdirSync(cellDir).sort()).toEqual(['config.json', 'manifest.json', 'metrics.jsonl', 'summary.json']);
    const small = JSON.parse(readFileSync(join(cellDir, 'summary.json'), 'utf8'));
    expect(small.capacity).toBe(2);
    expect(small.stats).toMatchObject({ requests: 30, misses: 30, hits: 0, missRatio: 1 });
    const fifoFull = JSON.parse(readFileSync(join(result.runDir, 'loop-100pct-fifo-s1', 'summary.json'), 'utf8'));
    expect(fifoFull.capacity).toBe(3);
    expect(fifoFull.stats).toMatchObject({ requests: 30, misses: 3, missRatio: 0.1 });
    expect(fifoFull.trace).toMatchObject({ requests: 30, objects: 3 });

    const metrics = readFileSync(join(cellDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.length).toBe(15); // one record per ceil(30 / 20) = 2 requests
    expect(metrics.at(-1)).toMatchObject({ position: 30, requests: 30, 'charts/miss_ratio': 1 });
    expect(typeof metrics[0].elapsedMs).toBe('number');

    const manifest = JSON.parse(readFileSync(join(cellDir, 'manifest.json'), 'utf8'));
    const traceBytes = readFileSync(join(dir, 'loop.txt'));
    expect(manifest.traces).toEqual([{ path: join(dir, 'loop.txt'), sha256: createHash('sha256').update(traceBytes).digest('hex'), bytes: traceBytes.length }]);
    expect(manifest.gitCommit === null || /^[0-9a-f]{40}$/.test(manifest.gitCommit)).toBe(true);
    expect(manifest.packages['@cachelab/cli']).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.tfBackend).toBeNull(); // no DQN cell: TensorFlow is never loaded
    expect(manifest.command).toBe('cachelab run test');
    expect(Date.parse(manifest.finishedAt)).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));
  });

  it('resumes: complete cells are skipped and counted, missing or changed ones run again', async () => {
    const dir = tempDir();
    const experiment = loopExperiment(dir);
    const first = await runExperiment('loop', experiment, options(join(dir, 'runs')));
    expect([first.ran, first.skipped]).toEqual([8, 0]);
    const second = await runExperiment('loop', experiment, options(join(dir, 'runs')));
    expect([second.ran, second.skipped]).toEqual([0, 8]);
    rmSync(join(first.runDir, 'loop-2-fifo-s1', 'summary.json'));
    writeFileSync(join(first.runDir, 'loop-100pct-lru-s0', 'config.json'), '{"edited": true}\n');
    const third = await runExperiment('loop', experiment, options(join(dir, 'runs')));
    expect([third.ran, third.skipped]).toEqual([2, 6]);
    expect(JSON.parse(readFileSync(join(first.runDir, 'loop-2-fifo-s1', 'summary.json'), 'utf8')).stats.misses).toBe(30);
  });

  it('gives byte-identical summary.json files for the same experiment and seed, in-process or on worker processes', async () => {
    const dir = tempDir();
    const experiment = loopExperiment(dir, { policies: ['lru', 'sieve', 'belady'], sizes: [2] });
    const a = await runExperiment('loop', experiment, options(join(dir, 'a'), 1));
    const b = await runExperiment('loop', experiment, options(join(dir, 'b'), 2));
    expect(b.failed).toEqual([]);
    const sa = summaries(a.runDir);
    const sb = summaries(b.runDir);
    expect(sa.size).toBe(6);
    expect([...sb.keys()].sort()).toEqual([...sa.keys()].sort());
    for (const [cell, text] of sa) {
      expect(sb.get(cell), cell).toBe(text);
      expect(text).not.toMatch(/\d{4}-\d\d-\d\dT|elapsed|duration|startedAt/i);
    }
    // Belady on the loop a b c a b c … with 2 slots: 3 cold misses, then it keeps the key needed
    // next and misses every other request, at positions 5, 7, …, 29 (13 more).
    const belady = JSON.parse(sa.get('loop-2-belady-s0')!);
    expect(belady.stats.misses).toBe(3 + 13);
  });

  it('checks every trace and policy before running anything', async () => {
    const dir = tempDir();
    const missing = parseExperiment({ traces: ['../shared/traces/not-there.txt'], sizes: ['1%'], policies: ['lru'] });
    await expect(runExperiment('m', missing, options(join(dir, 'runs')))).rejects.toThrow(TraceMissingError);
    await expect(runExperiment('m', missing, options(join(dir, 'runs')))).rejects.toThrow(/needs the shared research traces/);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
    const unknown = loopExperiment(dir, { policies: ['lru', 'nosuch'] });
    const error = await runExperiment('u', unknown, options(join(dir, 'runs'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownPolicyError);
    expect((error as UnknownPolicyError).known).toContain('lru');
  });

  it('keeps going past a failing cell and reports it', async () => {
    // A failure only the cell can find (it depends on the cell's capacity): settings any cell
    // would refuse stop the run before it starts (run-audit.test.ts).
    registerPolicy({
      name: 'fifo-needs-1000',
      summary: 'test policy: FIFO that refuses capacities below 1,000',
      params: {},
      factory: (o) => {
        if (o.capacity < 1000) throw new ConfigError('capacity', `fifo-needs-1000 needs at least 1000, got ${o.capacity}`);
        return createPolicy('fifo', o);
      },
    });
    const dir = tempDir();
    const experiment = loopExperiment(dir, { policies: ['lru', 'fifo-needs-1000'], seeds: [0] });
    const result = await runExperiment('f', experiment, options(join(dir, 'runs')));
    expect(result.ran).toBe(2);
    expect(result.failed.map((f) => f.id).sort()).toEqual(['loop-100pct-fifo-needs-1000-s0', 'loop-2-fifo-needs-1000-s0']);
    expect(result.failed[0]!.code).toBe('CONFIG');
    expect(() => assertRunFinished(result, 'cachelab run f')).toThrow(/2 cell\(s\) failed, finished cells are kept/);
  });

  it('stops when interrupted, keeping what finished, and says how to resume', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    controller.abort();
    const result = await runExperiment('i', loopExperiment(dir), { ...options(join(dir, 'runs')), signal: controller.signal });
    expect(result).toMatchObject({ ran: 0, skipped: 0, interrupted: true });
    expect(() => assertRunFinished(result, 'cachelab run i')).toThrow(/0 of 8 cells are complete .* again to resume/);
  });

  it('runs prefetch cells through a @cachelab/markov prefetcher (hand-worked on the loop)', async () => {
    const dir = tempDir();
    const experiment = loopExperiment(dir, { policies: ['lru'], sizes: [2], seeds: [0], prefetch: [{ name: 'markov', degree: 1 }] });
    const result = await runExperiment('p', experiment, options(join(dir, 'runs')));
    expect(result.failed).toEqual([]);
    const plain = JSON.parse(readFileSync(join(result.runDir, 'loop-2-lru-s0', 'summary.json'), 'utf8'));
    const prefetched = JSON.parse(readFileSync(join(result.runDir, 'loop-2-lru-s0-pf-markov', 'summary.json'), 'utf8'));
    expect(plain.stats.misses).toBe(30);
    // Requests 1–4 miss while the chain learns a→b, b→c, c→a; from request 4 on, each request
    // prefetches its successor (27 prefetches, the last one never used) and every later request hits.
    expect(prefetched.stats).toMatchObject({ misses: 4, hits: 26, prefetchesIssued: 27, prefetchHits: 26, prefetchAccuracy: 26 / 27 });
    expect(prefetched.prefetch).toEqual({ name: 'markov', predictor: 'markov', degree: 1 });
  });

  it('trains a DQN cell with @cachelab/rl-agent, evaluates it as dqn:@NAME, and repeats byte for byte', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07', limit: 1500 }],
      sizes: ['5%'],
      policies: ['lru', 'dqn:@tiny'],
      dqn: {
        train: [{ name: 'tiny', trace: 'web07', size: '5%', config: { totalSteps: 120, learningStarts: 40, logInterval: 40, bufferSize: 500, batchSize: 8 } }],
      },
    });
    const a = await runExperiment('dqn', experiment, options(join(dir, 'a')));
    expect(a.failed).toEqual([]);
    expect(a.ran).toBe(3);
    const train = JSON.parse(readFileSync(join(a.runDir, 'train-tiny-s0', 'summary.json'), 'utf8'));
    expect(train.result).toMatchObject({ steps: 120 });
    expect(train.capacity).toBe(Math.floor(train.trace.objects * 0.05));
    const metrics = readFileSync(join(a.runDir, 'train-tiny-s0', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.global_step)).toEqual(expect.arrayContaining([40, 80]));
    expect(existsSync(join(a.runDir, 'train-tiny-s0', 'model', 'agent.json'))).toBe(true);
    const evaluated = JSON.parse(readFileSync(join(a.runDir, 'web07-5pct-dqn-tiny-s0', 'summary.json'), 'utf8'));
    expect(evaluated.stats.requests).toBe(1500);
    expect(evaluated.capacity).toBe(train.capacity);
    const manifest = JSON.parse(readFileSync(join(a.runDir, 'train-tiny-s0', 'manifest.json'), 'utf8'));
    expect(['tensorflow', 'wasm', 'cpu']).toContain(manifest.tfBackend);
    const b = await runExperiment('dqn', experiment, options(join(dir, 'b')));
    const sa = summaries(a.runDir);
    const sb = summaries(b.runDir);
    for (const [cell, text] of sa) expect(sb.get(cell), cell).toBe(text);
  });
});

describe('DQN training on several traces', () => {
  it('trains one model over all listed traces in turn and records each trace with its capacity', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [
        { path: 'traces/cache2k-web07.txt', name: 'web07', limit: 1500 },
        { path: 'traces/cache2k-web07.txt', name: 'tail', limit: 600 },
      ],
      sizes: ['5%'],
      policies: ['dqn:@mix'],
      dqn: {
        train: [
          {
            name: 'mix',
            trace: ['web07', 'tail'],
            size: ['5%', '10%'],
            config: { totalSteps: 160, learningStarts: 40, logInterval: 20, bufferSize: 500, batchSize: 8 },
            env: { segmentSteps: 20 },
          },
        ],
      },
    });
    const run = await runExperiment('mix', experiment, options(dir));
    expect(run.failed).toEqual([]);
    const train = JSON.parse(readFileSync(join(run.runDir, 'train-mix-s0', 'summary.json'), 'utf8'));
    expect(train.result).toMatchObject({ steps: 160 });
    expect(train).toMatchObject({ trace: { name: 'web07', requests: 1500 }, size: '5%' });
    expect(train.moreMembers).toEqual([
      { trace: expect.objectContaining({ name: 'web07' }), size: '10%', capacity: Math.floor(train.trace.objects * 0.1) },
      { trace: expect.objectContaining({ name: 'tail', requests: 600 }), size: '5%', capacity: Math.floor(train.moreMembers[1].trace.objects * 0.05) },
      { trace: expect.objectContaining({ name: 'tail' }), size: '10%', capacity: Math.floor(train.moreMembers[1].trace.objects * 0.1) },
    ]);
    const metrics = readFileSync(join(run.runDir, 'train-mix-s0', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Segments of 20 decisions go round the four (trace, size) pairs.
    const members = new Set(metrics.filter((m) => 'charts/member' in m).map((m) => m['charts/member']));
    expect(members).toEqual(new Set([0, 1, 2, 3]));
    const manifest = JSON.parse(readFileSync(join(run.runDir, 'train-mix-s0', 'manifest.json'), 'utf8'));
    expect(manifest.traces).toHaveLength(2);
  });
});

describe('DQN training with the opt-in eviction-env options', () => {
  it('records recentCandidates, regimeFeatures and rewardShape in agent.json; `dqn:@NAME` replays with them', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07', limit: 1500 }],
      sizes: ['5%'],
      policies: ['lru', 'dqn:@opt'],
      dqn: {
        train: [
          {
            name: 'opt',
            trace: 'web07',
            size: '5%',
            config: { totalSteps: 120, learningStarts: 40, logInterval: 20, bufferSize: 500, batchSize: 8 },
            env: { recentCandidates: 2, regimeFeatures: true, rewardShape: 'hyperbolic' },
          },
        ],
      },
    });
    const run = await runExperiment('opt', experiment, options(dir));
    expect(run.failed).toEqual([]);
    const agent = JSON.parse(readFileSync(join(run.runDir, 'train-opt-s0', 'model', 'agent.json'), 'utf8'));
    expect(agent.spec.features).toBe(16);
    expect(agent.env.settings).toEqual({ capacity: agent.env.settings.capacity, unit: 'objects', rewardShape: 'hyperbolic', recentCandidates: 2, regimeFeatures: true });
    const replayed = JSON.parse(readFileSync(join(run.runDir, 'web07-5pct-dqn-opt-s0', 'summary.json'), 'utf8'));
    expect(replayed.stats.requests).toBe(1500);
    expect(replayed.stats.misses).toBeGreaterThan(0);
    // Out of range for K = 8: a configuration error naming the limit.
    const bad = parseExperiment({ ...experiment, dqn: { train: [{ ...experiment.dqn!.train[0]!, env: { recentCandidates: 7 } }] } });
    const failed = await runExperiment('bad', bad, options(tempDir()));
    expect(failed.failed.find((f) => f.id === 'train-opt-s0')?.message).toMatch(/recentCandidates/);
  });
});

const SHARED = fileURLToPath(new URL('../../../../shared/traces/', import.meta.url));

describe.skipIf(!existsSync(SHARED))('shared research traces (../shared/traces, absent in a clone)', () => {
  it('reproduces the libCacheSim reference miss ratios on cloudPhysicsIO through cachelab run', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: '../shared/traces/cloudPhysicsIO.oracleGeneral.bin', name: 'cloudPhysicsIO' }],
      sizes: ['1%', '10%'],
      policies: ['lru', 'fifo', 'clock', 'lfu', 'sieve', 'arc', 's3fifo', 'belady'],
    });
    const result = await runExperiment('golden', experiment, options(join(dir, 'runs'), 2));
    expect(result.failed).toEqual([]);
    // ../shared/traces/README.md, object-count caches, 489 and 4,897 objects.
    const reference: Record<string, [number, number]> = {
      lru: [0.838, 0.8049],
      fifo: [0.8476, 0.8054],
      clock: [0.8372, 0.8044],
      lfu: [0.8498, 0.7907],
      sieve: [0.8292, 0.7907],
      arc: [0.8275, 0.7728],
      s3fifo: [0.8304, 0.7525],
      belady: [0.7927, 0.629],
    };
    for (const [policy, [small, large]] of Object.entries(reference)) {
      const at = (size: string) => JSON.parse(readFileSync(join(result.runDir, `cloudPhysicsIO-${size}-${policy}-s0`, 'summary.json'), 'utf8'));
      expect(at('1pct').capacity).toBe(489);
      expect(at('10pct').capacity).toBe(4897);
      expect([policy, at('1pct').stats.missRatio.toFixed(4), at('10pct').stats.missRatio.toFixed(4)]).toEqual([policy, small.toFixed(4), large.toFixed(4)]);
    }
    expect(JSON.parse(readFileSync(join(result.runDir, 'cloudPhysicsIO-1pct-lru-s0', 'summary.json'), 'utf8')).stats.misses).toBe(95420);
  });

  it('finds every trace of the shipped compare-shared experiment', async () => {
    const loaded = await loadExperiment(join(repoRoot(), 'experiments', 'compare-shared.json'));
    for (const trace of traceRefs(loaded.experiment)) expect(existsSync(tracePath(trace)), trace.path).toBe(true);
  });
});
