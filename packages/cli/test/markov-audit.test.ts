/** Audit regressions for `cachelab markov eval`: flag combinations that were silently ignored. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMarkovEval } from '../src/commands/markov.js';
import { runCli } from './helpers/workflow.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-markov-audit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const small = path.join(dir, 'small.log');
fs.writeFileSync(
  small,
  ['/', '/a.css', '/', '/a.css', '/'].map((p, i) => `10.0.0.1 - - [17/May/2015:10:05:0${i} +0000] "GET ${p} HTTP/1.1" 200 100 "-" "test"`).join('\n') + '\n',
);

async function refused(args: string[], message: RegExp): Promise<void> {
  const r = await runCli(['markov', 'eval', '--trace', small, ...args]);
  expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(1);
  expect(r.stderr).toMatch(message);
}

describe('cachelab markov eval refuses flags that would change nothing', () => {
  it('an oracle policy (belady) for the prefetch replay, before reading the trace', async () => {
    await refused(['--prefetch', '--size', '50%', '--policy', 'belady'], /^cachelab: --policy belady needs each request's next access, which a prefetched object does not have/);
  });

  it('replay flags without --prefetch', async () => {
    await refused(['--threshold', '0.2'], /--threshold .*--prefetch/);
    await refused(['--degree', '4'], /--degree .*--prefetch/);
    await refused(['--policy', 'fifo'], /--policy .*--prefetch/);
    await refused(['--size', '10%'], /--size .*--prefetch/);
  });

  it('Markov flags with --predictor naive', async () => {
    await refused(['--predictor', 'naive', '--order', '3'], /--order .*--predictor naive/);
    await refused(['--predictor', 'naive', '--half-life', '100'], /--half-life .*--predictor naive/);
  });

  it('context flags with --lookahead > 1, and --lookahead-prior without it', async () => {
    await refused(['--lookahead', '4', '--order', '2'], /--order has no effect with --lookahead 4/);
    await refused(['--lookahead', '4', '--session-stats'], /--session-stats has no effect with --lookahead 4/);
    await refused(['--lookahead', '4', '--no-escape'], /--no-escape has no effect with --lookahead 4/);
    await refused(['--lookahead-prior', '1'], /--lookahead-prior has no effect without --lookahead/);
  });

  it('tuning flags of a feature that is off', async () => {
    await refused(['--recent-scale', '2'], /--recent-scale has no effect without --recent-window/);
    await refused(['--referrer-window', '8'], /--referrer-window has no effect without --referrer-weight/);
    await refused(['--mode', 'fallback', '--session-stats', '--session-weight', '3'], /--session-weight has no effect in --mode fallback/);
    await refused(['--mode', 'fallback', '--order-weight', '2'], /--order-weight has no effect in --mode fallback/);
    // The preset without referrers, with a referrer knob typed too: the knob is ignored, so refused.
    await refused(['--preset', 'access-log', '--referrer-weight', '0', '--referrer-successors', '32'], /--referrer-successors has no effect/);
  });

  it('still accepts the documented combinations, and defaults typed explicitly', async () => {
    for (const args of [
      ['--lookahead', '4', '--lookahead-prior', '1', '--half-life', '1000', '--max-states', '4096'],
      ['--preset', 'access-log', '--referrer-weight', '0'],
      ['--order', '2', '--session-stats', '--session-weight', '2'],
      ['--lookahead', '4', '--order', '1'],
      ['--prefetch', '--size', '1', '--threshold', '0.2', '--degree', '1', '--policy', 'fifo'],
    ]) {
      const r = await runCli(['markov', 'eval', '--trace', small, ...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it('runMarkovEval without the typed set compares with the defaults', async () => {
    const flags = { trace: small, predictor: 'markov', top: 3, policy: 'lru', threshold: 0.2, degree: 2, order: 1 } as Parameters<typeof runMarkovEval>[0];
    await expect(runMarkovEval(flags)).rejects.toThrow(/--threshold .*--prefetch/);
  });
});
