import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../src/experiment/load.js';
import { runExperiment } from '../src/experiment/runner.js';
import { buildProgram } from '../src/main.js';
import { runCli, spawnCli, tempDir, writeSkewedTrace } from './helpers/workflow.js';


describe('exit codes', () => {
  it('0 for help, 2 for usage errors, 1 for failures with one line saying what to do', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    expect((await runCli(['compare', '--help'])).code).toBe(0);
    expect((await runCli(['no-such-command'])).code).toBe(2);
    expect((await runCli(['run'])).code).toBe(2); // missing argument
    expect((await runCli(['report', 'x', '--bogus'])).code).toBe(2);
    const missing = await runCli(['run', join(tempDir(), 'nothing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cachelab: experiment ".*nothing" not found .*ls experiments\/\n$/);
    const workers = await runCli(['run', 'experiments/compare-web07', '--workers', '0']);
    expect(workers.code).toBe(1);
    expect(workers.stderr).toBe('cachelab: --workers must be at least 1, got "0"\n');
  });

  it('--version prints the CLI version and the commit a manifest would record, and exits 0', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const git = (args: string[]) => execFileSync('git', args, { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' }).trim();
    const commit = git(['rev-parse', 'HEAD']).slice(0, 12);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    expect(r.stdout).toBe(`cachelab ${version} (git ${commit}${dirty ? ', uncommitted changes' : ''})\n`);
    expect((await runCli(['-V'])).stdout).toBe(r.stdout);
  });

  it('0 and no stack trace when the reader of stdout goes away (cachelab … | head)', async () => {
    const { child, done } = spawnCli(['markov', 'eval', '--help']);
    child.stdout.destroy(); // the pipe closes before the CLI writes its help
    const r = await done;
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.code).toBe(0);
  });

  it('registers compare, run and report with examples in their help', () => {
    const program = buildProgram();
    for (const name of ['compare', 'run', 'report']) {
      const command = program.commands.find((c) => c.name() === name);
      expect(command, name).toBeDefined();
    }
  });

  it('exits 1 naming the field for a bad experiment file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), 'traces: [a.txt]\nsizes: [1%]\npolicies: [lru]\nseeds: [one]\n');
    const result = await runCli(['run', join(dir, 'bad.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^cachelab: seeds\[0\]: .*bad\.yaml/);
  });
});

function completeCells(runsDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name === 'summary.json') out.push(dir);
    }
  };
  if (existsSync(runsDir)) walk(runsDir);
  return out;
}

describe('the cachelab binary', () => {
  it('runs an experiment end to end and the report command finds it', async () => {
    const dir = tempDir();
    const trace = writeSkewedTrace(dir, 3_000, 500);
    writeFileSync(join(dir, 'small.json'), JSON.stringify({ traces: [trace], sizes: ['10%'], policies: ['lru', 'sieve'] }));
    const run = await spawnCli(['run', join(dir, 'small.json'), '--runs', join(dir, 'runs'), '--workers', '2']).done;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^small: 2 cells, 2 ran, 0 already complete \(skipped\), 0 failed → /);
    const report = await spawnCli(['report', join(dir, 'runs', 'small'), '--out', join(dir, 'rep'), '--json']).done;
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout).html).toBe(join(dir, 'rep', 'index.html'));
  });

  for (const workers of ['1', '2']) {
    it(`Ctrl-C stops a run cleanly (--workers ${workers}), keeps finished cells, and the next run resumes`, async () => {
      const dir = tempDir();
      const trace = writeSkewedTrace(dir, 200_000, 30_000);
      const sizes = Array.from({ length: 8 }, (_, i) => `${i + 1}%`);
      writeFileSync(join(dir, 'big.json'), JSON.stringify({ traces: [trace], sizes, policies: ['lru', 'fifo', 'sieve', 'belady'] }));
      const runsDir = join(dir, 'runs');
      const { child, done } = spawnCli(['run', join(dir, 'big.json'), '--runs', runsDir, '--workers', workers]);
      while (completeCells(runsDir).length === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGINT');
      const result = await done;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/cachelab: interrupted: \d+ of 32 cells are complete in .*; run `cachelab run .*big.json` again to resume/);
      const kept = completeCells(runsDir);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(32);
      for (const cell of kept) expect(JSON.parse(readFileSync(join(cell, 'summary.json'), 'utf8')).stats.requests).toBe(200_000);
      const loaded = await loadExperiment(join(dir, 'big.json'));
      const resumed = await runExperiment(loaded.name, loaded.experiment, { runsDir, workers: 2, quiet: true, command: 'test' });
      expect(resumed.skipped).toBe(kept.length);
      expect(resumed.ran).toBe(32 - kept.length);
      expect(resumed.failed).toEqual([]);
    });
  }
});
