import { existsSync, readFileSync, statSync } from 'node:fs';
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

    const resumed = await spawnCli([...args, '--steps', String(step + 1000), '--resume', '--json']).done;
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { resumedAt: number; exactResume: boolean; steps: number; interrupted?: boolean };
    expect(summary.resumedAt).toBe(step);
    expect(summary.exactResume).toBe(true);
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
