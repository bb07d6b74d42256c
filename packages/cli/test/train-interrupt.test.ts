import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { spawnCli, tempDir } from './helpers/workflow.js';

const web07 = fileURLToPath(new URL('../../../traces/cache2k-web07.txt', import.meta.url));

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('cachelab train and Ctrl-C', () => {
  it('stops at the next 1,000-step boundary, keeps a checkpoint there and says how to resume', async () => {
    const dir = tempDir();
    const out = join(dir, 'model');
    const args = ['train', '--trace', web07, '--size', '1%', '--seed', '1', '--out', out, '--learning-starts', '200'];
    const { child, done } = spawnCli([...args, '--steps', '1000000']);
    // metrics.jsonl gets its first record after 1,000 steps: training is under way.
    const metrics = join(out, 'metrics.jsonl');
    await waitFor(() => existsSync(metrics) && statSync(metrics).size > 0, 60_000);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(1);
    const stopped = /training stopped at step (\d+); the checkpoint in .* holds it: run the same command with --resume to continue/.exec(r.stderr);
    expect(stopped).not.toBeNull();
    const step = Number(stopped![1]);
    expect(step % 1000).toBe(0);
    expect(step).toBeLessThan(1_000_000);
    const meta = JSON.parse(readFileSync(join(out, 'agent.json'), 'utf8')) as { state: { step: number } };
    expect(meta.state.step).toBe(step);

    // What a kill while writing the next checkpoint leaves: agent.json's weights kept in previous/,
    // the online weights already replaced (here by other bytes).
    for (const folder of ['', 'target']) {
      mkdirSync(join(out, 'previous', folder), { recursive: true });
      for (const file of ['weights.bin', 'model.json']) copyFileSync(join(out, folder, file), join(out, 'previous', folder, file));
    }
    writeFileSync(join(out, 'weights.bin'), Buffer.alloc(statSync(join(out, 'weights.bin')).size, 1));

    const resumed = await spawnCli([...args, '--steps', String(step + 1000), '--resume', '--json']).done;
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { resumedAt: number; exactResume: boolean; restoredWeights?: boolean; steps: number; interrupted?: boolean };
    expect(summary.resumedAt).toBe(step);
    expect(summary.exactResume).toBe(true);
    expect(summary.restoredWeights).toBe(true);
    expect(existsSync(join(out, 'previous'))).toBe(false);
    expect(summary.steps).toBe(step + 1000);
    expect(summary.interrupted).toBeUndefined();
  }, 180_000);
});

describe('cachelab run and Ctrl-C during a DQN training cell', () => {
  it('stops the training cell in process instead of finishing it first, and leaves it to run again', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07' }],
      sizes: ['1%'],
      policies: ['lru', 'dqn:@long'],
      dqn: { train: [{ name: 'long', trace: 'web07', size: '1%', config: { totalSteps: 1_000_000, learningStarts: 200 } }] },
    });
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort(), 3000);
    const result = await runExperiment('long', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'test', signal: stop.signal });
    // A million steps take minutes here; stopped, the run ends within seconds of the abort.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.interrupted).toBe(true);
    expect(result.ran).toBe(0);
    expect(result.failed).toEqual([]);
    expect(existsSync(join(result.runDir, 'train-long-s0', 'summary.json'))).toBe(false);
  }, 120_000);
});

describe('a training cell stopped by Ctrl-C resumes on the next run, with the bytes of an uninterrupted one', () => {
  const experiment = () =>
    parseExperiment({
      traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07' }],
      sizes: ['1%'],
      policies: ['lru', 'dqn:@m'],
      seeds: [0, 1],
      dqn: { train: [{ name: 'm', trace: 'web07', size: '1%', config: { totalSteps: 12_000, learningStarts: 500, bufferSize: 5_000 } }] },
    });
  const files = (runDir: string, seed: number) =>
    ['summary.json', 'model/weights.bin', 'model/target/weights.bin'].map((f) => readFileSync(join(runDir, `train-m-s${seed}`, f)));
  // metrics.jsonl without its wall-clock field (steps per second differ between any two runs).
  const metrics = (runDir: string, seed: number) =>
    readFileSync(join(runDir, `train-m-s${seed}`, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const record = JSON.parse(line) as Record<string, number>;
        delete record['charts/SPS'];
        return record;
      });

  for (const workers of [1, 2]) {
    it(`${workers === 1 ? 'in process' : 'in worker processes'}`, async () => {
      const dir = tempDir();
      const options = { workers, quiet: true, command: 'test' };
      const straight = await runExperiment('resume', experiment(), { ...options, runsDir: join(dir, 'straight') });
      expect(straight.failed).toEqual([]);

      const stop = new AbortController();
      const runsDir = join(dir, 'stopped');
      // Stop once both trainings are under way (their first metrics are written after 1,000 steps).
      const watch = setInterval(() => {
        const started = (workers === 1 ? [0] : [0, 1]).every((seed) => {
          const metrics = join(runsDir, 'resume', straight.configHash, `train-m-s${seed}`, 'metrics.jsonl');
          return existsSync(metrics) && statSync(metrics).size > 0;
        });
        if (started) stop.abort();
      }, 50);
      const first = await runExperiment('resume', experiment(), { ...options, runsDir, signal: stop.signal });
      clearInterval(watch);
      expect(first.interrupted).toBe(true);
      expect(first.failed).toEqual([]);
      const stoppedAt = JSON.parse(readFileSync(join(first.runDir, 'train-m-s0', 'model', 'agent.json'), 'utf8')).state.step as number;
      expect(stoppedAt).toBeGreaterThan(0);
      expect(stoppedAt).toBeLessThan(12_000);
      expect(existsSync(join(first.runDir, 'train-m-s0', 'model', `resume-${stoppedAt}.json`))).toBe(true);

      const second = await runExperiment('resume', experiment(), { ...options, runsDir });
      expect(second.failed).toEqual([]);
      // It continued from the checkpoint (said in the manifest), rather than training again from 0.
      expect(JSON.parse(readFileSync(join(second.runDir, 'train-m-s0', 'manifest.json'), 'utf8')).resumedAtStep).toBe(stoppedAt);
      expect(second.ran + second.skipped).toBe(second.cells);
      for (const seed of [0, 1]) {
        const [a, b] = [files(straight.runDir, seed), files(second.runDir, seed)];
        a.forEach((bytes, i) => expect(bytes.equals(b[i]!), `seed ${seed} file ${i}`).toBe(true));
        expect(metrics(second.runDir, seed)).toEqual(metrics(straight.runDir, seed));
      }
    }, 240_000);
  }
});
