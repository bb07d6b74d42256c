import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMeta } from '../src/dqn/checkpoint.js';
import { resolveDqnConfig } from '../src/dqn/config.js';
import { trainDqn } from '../src/dqn/train.js';
import { ChainEnv } from './helpers/chain-env.js';

const made: string[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-rl-interrupt-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe('stopping training with an AbortSignal (Ctrl-C)', () => {
  it('stops at the next 1,000-step boundary with a checkpoint there, and --resume finishes the run', async () => {
    const dir = tempDir();
    const config = resolveDqnConfig({ seed: 3, totalSteps: 5000, learningStarts: 200, hiddenLayers: [4] });
    const stop = new AbortController();
    const result = await trainDqn({
      env: new ChainEnv(5, 20),
      config,
      outDir: dir,
      signal: stop.signal,
      onProgress: (step) => {
        if (step === 2000) stop.abort();
      },
    });
    result.agent.dispose();
    expect(result.interrupted).toBe(true);
    expect(result.steps).toBe(2000);
    expect(readMeta(dir).state.step).toBe(2000);
    const resumed = await trainDqn({ env: new ChainEnv(5, 20), config, outDir: dir, resume: true });
    resumed.agent.dispose();
    expect(resumed.interrupted).toBeUndefined();
    expect(resumed.resumedAt).toBe(2000);
    expect(resumed.steps).toBe(5000);
  });

  it('yields to the event loop, so an abort from a timer or a signal handler is seen mid-run', async () => {
    // No gradient steps (learningStarts beyond the budget): the loop is pure synchronous env steps,
    // which without a yield would run all 2M steps before the timer could fire.
    const config = resolveDqnConfig({ seed: 1, totalSteps: 2_000_000, learningStarts: 2_000_000, hiddenLayers: [4] });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 30);
    const result = await trainDqn({ env: new ChainEnv(5, 20), config, signal: stop.signal });
    result.agent.dispose();
    expect(result.interrupted).toBe(true);
    expect(result.steps).toBeLessThan(2_000_000);
    expect(result.steps % 1000).toBe(0);
  });

  it('an untouched signal changes nothing: same steps, same weights as a run without one', async () => {
    const config = resolveDqnConfig({ seed: 4, totalSteps: 3000, learningStarts: 200, hiddenLayers: [4] });
    const plain = await trainDqn({ env: new ChainEnv(5, 20), config });
    const signalled = await trainDqn({ env: new ChainEnv(5, 20), config, signal: new AbortController().signal });
    expect(signalled.interrupted).toBeUndefined();
    expect(signalled.steps).toBe(3000);
    const weights = (r: typeof plain) => r.agent.online.getWeights().map((w) => Array.from(w.dataSync()));
    expect(weights(signalled)).toEqual(weights(plain));
    plain.agent.dispose();
    signalled.agent.dispose();
  });
});
