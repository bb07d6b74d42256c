/**
 * Audit of the experiment runner and its reports: cells that collide on one folder, results
 * trusted after their trace changed, resume hints that name another configuration, sizes that
 * can never work found only cell by cell, and report figures averaged over fewer seeds than claimed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@cachelab/cache-core';
import { afterEach, describe, expect, it } from 'vitest';
import { expandCells } from '../src/experiment/cells.js';
import { assertPoliciesValid, assertPrefetchValid } from '../src/experiment/check-policies.js';
import { loadExperiment } from '../src/experiment/load.js';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { interrupt, resetInterrupt } from '../src/util/interrupt.js';
import { runCli, tempDir, writeKeys } from './helpers/workflow.js';

const options = (runsDir: string) => ({ runsDir, workers: 1, quiet: true, command: 'cachelab run audit' });

/** 30 requests looping over 3 keys (10, 11, 12). */
function loopTrace(dir: string, keys: readonly number[] = [10, 11, 12]): string {
  return writeKeys(dir, Array.from({ length: 30 }, (_, i) => keys[i % keys.length]!), 'loop.txt');
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

afterEach(() => resetInterrupt());

describe('cells that would share one folder', () => {
  const base = { traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07' }], policies: ['lru'] };

  it('refuses two sizes with the same cell name (4897 and "4897", "64MiB" and "64 MiB")', () => {
    expect(configError(() => parseExperiment({ ...base, sizes: [4897, '4897'] }, 'x.json')).message).toMatch(/^sizes\[1\]: .*"4897".*sizes\[0\].*\(in x\.json\)/);
    expect(configError(() => parseExperiment({ ...base, unit: 'bytes', sizes: ['64MiB', '64 MiB'] })).field).toBe('sizes[1]');
  });

  it('refuses two spellings of one size (5% and 5.0%, 64MiB and 65536KiB), which replayed every cell twice', () => {
    expect(configError(() => parseExperiment({ ...base, sizes: ['5%', '10%', '5.0%'] })).message.startsWith('sizes[2]: "5.0%" is the same size as sizes[0] ("5%"); list each size once')).toBe(true);
    expect(configError(() => parseExperiment({ ...base, unit: 'bytes', sizes: ['64MiB', '65536KiB'] })).field).toBe('sizes[1]');
    // A share and a count are different sizes, even where they might meet on some trace.
    expect(parseExperiment({ ...base, sizes: ['1%', 1, '1'.concat('0%'), 10] }).sizes).toHaveLength(4);
    expect(configError(() => parseExperiment({ ...base, sizes: [0] })).message).toMatch(/^sizes\[0\]: a size must be above 0/);
  });

  it('refuses a seed listed twice and two prefetch settings with one name', () => {
    expect(configError(() => parseExperiment({ ...base, sizes: [10], seeds: [0, 1, 0] })).field).toBe('seeds[2]');
    const twice = () => parseExperiment({ ...base, sizes: [10], prefetch: [{ name: 'm', degree: 1 }, { name: 'm', degree: 4 }] });
    expect(configError(twice).field).toBe('prefetch[1].name');
  });

  it('refuses cell names that collide through the hyphens that join their parts', () => {
    const experiment = parseExperiment({
      traces: [{ path: 'traces/cache2k-web07.txt', name: 'a-10' }, { path: 'traces/cache2k-web07.txt', name: 'a' }],
      sizes: [5, 10],
      policies: ['lru', { name: 'fifo', label: '5-lru' }],
    });
    expect(() => expandCells(experiment)).toThrow(/a-10-5-lru-s0/);
  });
});

describe('resuming a run', () => {
  it('redoes finished cells whose trace changed since they ran, instead of mixing two traces in one run', async () => {
    const dir = tempDir();
    const trace = loopTrace(dir);
    const experiment = parseExperiment({ traces: [{ path: trace, name: 'loop' }], sizes: [2], policies: ['lru'] });
    const first = await runExperiment('loop', experiment, options(join(dir, 'runs')));
    expect(first.ran).toBe(1);
    const cell = join(first.runDir, 'loop-2-lru-s0', 'summary.json');
    expect(JSON.parse(readFileSync(cell, 'utf8')).stats.misses).toBe(30);
    // Same path, other contents: two keys alternate, which 2 slots hold after the cold misses.
    loopTrace(dir, [10, 11]);
    const second = await runExperiment('loop', experiment, options(join(dir, 'runs')));
    expect([second.ran, second.skipped]).toEqual([1, 0]);
    const summary = JSON.parse(readFileSync(cell, 'utf8'));
    expect(summary.stats.misses).toBe(2);
    expect(summary.trace.sha256).toBe(createHash('sha256').update(readFileSync(trace)).digest('hex'));
    const third = await runExperiment('loop', experiment, options(join(dir, 'runs')));
    expect([third.ran, third.skipped]).toEqual([0, 1]);
  });

  it('re-evaluates `dqn:@NAME` cells whenever their model is trained again', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07', limit: 1500 }],
      sizes: ['5%'],
      policies: ['lru', 'dqn:@tiny'],
      dqn: { train: [{ name: 'tiny', trace: 'web07', size: '5%', config: { totalSteps: 120, learningStarts: 40, logInterval: 40, bufferSize: 500, batchSize: 8 } }] },
    });
    const first = await runExperiment('dqn', experiment, options(join(dir, 'runs')));
    expect([first.ran, first.failed]).toEqual([3, []]);
    // The training cell is lost (deleted by hand, as a RunFileError advises): its model is trained
    // anew, so the replay of that model must not keep the figures of the old one.
    rmSync(join(first.runDir, 'train-tiny-s0', 'summary.json'));
    const second = await runExperiment('dqn', experiment, options(join(dir, 'runs')));
    expect([second.ran, second.skipped, second.failed]).toEqual([2, 1, []]);
  });

  it('an interrupted `run --seed N --runs DIR` says to resume with the same --seed and --runs', async () => {
    const dir = tempDir();
    const file = join(dir, 'exp.json');
    writeFileSync(file, JSON.stringify({ traces: [loopTrace(dir)], sizes: [2], policies: ['lru'], seeds: [0, 1] }));
    interrupt();
    const { code, stderr } = await runCli(['run', file, '--seed', '3', '--runs', join(dir, 'elsewhere'), '--quiet']);
    expect(code).toBe(1);
    expect(stderr).toContain(`run \`cachelab run --seed 3 --runs ${join(dir, 'elsewhere')} ${file}\` again to resume`);
  });

  it('an interrupted `compare` with options says to resume with the same options', async () => {
    const dir = tempDir();
    const trace = loopTrace(dir);
    const out = join(dir, 'cmp');
    interrupt();
    const { code, stderr } = await runCli(['compare', '--trace', trace, '--policies', 'lru,fifo', '--sizes', '2', '--out', out, '--quiet']);
    expect(code).toBe(1);
    expect(stderr).toContain(`run \`cachelab compare --trace ${trace} --policies lru,fifo --sizes 2 --out ${out}\` again to resume`);
  });
});

describe('sizes that cannot work in any cell', () => {
  const base = { traces: ['traces/cache2k-web07.txt'], policies: ['lru'] };

  it('are refused when the experiment is read, naming the field and the file', () => {
    for (const [sizes, unit, pattern] of [
      [['10%', '0%'], 'objects', /^sizes\[1\]: .*"0%".*at least 1/],
      [['150%'], 'objects', /^sizes\[0\]: .*at most 100%/],
      [['64MiB'], 'objects', /^sizes\[0\]: .*byte size.*"unit": "bytes"/],
      [[1.5], 'objects', /^sizes\[0\]: .*whole number/],
      [['0'], 'bytes', /^sizes\[0\]: .*at least 1/],
    ] as const) {
      const error = configError(() => parseExperiment({ ...base, unit, sizes }, 'exp.json'));
      expect(error.message).toMatch(pattern);
      expect(error.message).toContain('(in exp.json)');
    }
    const training = () => parseExperiment({ ...base, sizes: ['10%'], dqn: { train: [{ name: 'm', trace: 'cache2k-web07', size: ['10%', '0%'] }] } });
    expect(configError(training).field).toBe('dqn.train[0].size[1]');
  });

  it('`cachelab run` stops before any cell runs and writes nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ traces: [loopTrace(dir)], sizes: [2, '150%'], policies: ['lru'] }));
    const { code, stderr } = await runCli(['run', file, '--runs', join(dir, 'runs'), '--workers', '1', '--quiet']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/sizes\[1\]: bad cache size "150%": a share must be at most 100% \(in .*bad\.json\)/);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('a fractional byte count is called a byte count, not an object count', () => {
    expect(configError(() => parseExperiment({ ...base, unit: 'bytes', sizes: [1.5] })).message).toMatch(/byte count must be a whole number/);
  });
});

describe('report figures over fewer seeds than the experiment has', () => {
  it('are marked, named in a note, and never starred as the best', async () => {
    const dir = tempDir();
    // lru and fifo both miss every request at 2 slots; sieve too. Remove lru's seed-1 cell.
    const experiment = parseExperiment({ traces: [{ path: loopTrace(dir), name: 'loop' }], sizes: [2], policies: ['lru', 'fifo'], seeds: [0, 1] });
    const run = await runExperiment('loop', experiment, options(join(dir, 'runs')));
    rmSync(join(run.runDir, 'loop-2-lru-s1', 'summary.json'));
    const out = join(dir, 'report');
    const { code } = await runCli(['report', run.runDir, '--out', out, '--quiet']);
    expect(code).toBe(0);
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    const table = markdown.slice(markdown.indexOf('### Request miss ratio: loop'));
    const rows = table.split('\n').filter((line) => line.startsWith('| lru') || line.startsWith('| fifo'));
    expect(rows[0]).toBe('| lru | 1.0000 |');
    expect(rows[1]).toBe('| fifo | **1.0000** ★ |');
    expect(table).toContain('Means over fewer seeds (their other cells are incomplete), never marked: lru at 2 (1 of 2 seeds).');
  });
});

describe('policy and prefetch settings no cell could run', () => {
  async function refusal(input: Record<string, unknown>): Promise<{ error: ConfigError; runsDir: string }> {
    const dir = tempDir();
    const experiment = parseExperiment({ traces: [{ path: loopTrace(dir), name: 'loop' }], sizes: [2], ...input });
    const runsDir = join(dir, 'runs');
    const error = await runExperiment('bad', experiment, options(runsDir)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return { error: error as ConfigError, runsDir };
  }

  it('refuses a parameter value or name a policy rejects before any cell runs, naming the entry', async () => {
    // Before: the lru and fifo cells ran, then the wtinylfu cell failed on its own.
    const range = await refusal({ policies: ['lru', 'fifo', { name: 'wtinylfu', params: { windowRatio: 2 } }] });
    expect(range.error.field).toBe('policies[2].params.windowRatio');
    expect(range.error.message).toBe('policies[2].params.windowRatio: must be between 0 and 1, got 2 (policy "wtinylfu")');
    expect(existsSync(range.runsDir)).toBe(false);
    const unknown = await refusal({ policies: [{ name: 'lru', params: { ratio: 1 } }] });
    expect(unknown.error.field).toBe('policies[0].params.ratio');
    expect(unknown.error.message).toMatch(/unknown parameter for policy "lru"; it takes no parameters/);
    const type = await refusal({ policies: ['lru', { name: 'clock', params: { bits: 'two' } }] });
    expect(type.error.message).toBe('policies[1].params.bits: expected a number, got "two" (policy "clock")');
  });

  it('refuses a prefetch setting the Markov predictor rejects before any cell runs', async () => {
    const order = await refusal({ policies: ['lru'], prefetch: [{ name: 'ok', degree: 2 }, { name: 'deep', degree: 2, params: { order: 99 } }] });
    expect(order.error.field).toBe('prefetch[1].params.order');
    expect(order.error.message).toMatch(/^prefetch\[1\]\.params\.order: must be a whole number in \[1, 8\], got 99$/);
    expect(existsSync(order.runsDir)).toBe(false);
    const threshold = await refusal({ policies: ['lru'], prefetch: [{ name: 't', degree: 2, params: { threshold: 'high' } }] });
    expect(threshold.error.field).toBe('prefetch[0].params.threshold');
  });

  it('passes every shipped experiment (the check refuses nothing a cell would run)', async () => {
    const files = readdirSync('experiments').filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      const { experiment } = await loadExperiment(join('experiments', file));
      expect(() => assertPoliciesValid(experiment.policies), file).not.toThrow();
      expect(() => assertPrefetchValid(experiment.prefetch), file).not.toThrow();
    }
  });
});
