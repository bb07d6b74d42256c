/**
 * Processes killed in the middle of a checkpoint, simulated by making one file operation throw
 * (node:fs is patched for the length of one training run): the next --resume must continue
 * exactly or refuse, never continue silently from the wrong point. Reproductions from the review
 * of the per-step resume files; each failed on the code before its fix.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadForward } from '../src/dqn/checkpoint.js';
import { resolveDqnConfig, type DqnConfig } from '../src/dqn/config.js';
import { trainDqn } from '../src/dqn/train.js';
import { ChainEnv } from './helpers/chain-env.js';
import { tempDirs } from './helpers/temp-dirs.js';

const tempDir = tempDirs('rl-checkpoint-kill');
const config = resolveDqnConfig({ seed: 5, totalSteps: 4000, learningStarts: 300, logInterval: 250, hiddenLayers: [8] });
const env = () => new ChainEnv(9, 200, true);

/** metrics.jsonl from step `from` on, without the wall-clock field. */
function metricsFrom(dir: string, from: number): Record<string, number>[] {
  return fs
    .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, number>)
    .filter((record) => record.global_step! >= from)
    .map((record) => {
      delete record['charts/SPS'];
      return record;
    });
}

/** The run every test compares with: `config` trained in one go (deterministic, so trained once). */
let uninterruptedRun: Promise<string> | undefined;
function uninterrupted(): Promise<string> {
  uninterruptedRun ??= (async () => {
    const dir = tempDir();
    (await trainDqn({ env: env(), config, outDir: dir })).agent.dispose();
    return dir;
  })();
  return uninterruptedRun;
}

const KILLED = 'killed (simulated)';

/** Trains into `dir` until a Ctrl-C at `stopAt`; `kill` may throw from a file operation to simulate a kill there. */
async function trainUntil(
  dir: string,
  settings: DqnConfig,
  stopAt: number,
  resume: boolean,
  kill?: { op: 'writeFileSync' | 'renameSync' | 'linkSync'; when: (file: string) => boolean },
) {
  const stop = new AbortController();
  const original = fs[kill?.op ?? 'renameSync'];
  if (kill) {
    (fs as unknown as Record<string, unknown>)[kill.op] = (...args: unknown[]) => {
      if (kill.when(String(args[kill.op === 'writeFileSync' ? 0 : 1]))) throw new Error(KILLED);
      return (original as (...a: unknown[]) => unknown)(...args);
    };
    syncBuiltinESMExports();
  }
  try {
    const run = await trainDqn({ env: env(), config: settings, outDir: dir, resume, signal: stop.signal, onProgress: (step) => step === stopAt && stop.abort() });
    run.agent.dispose();
  } catch (error) {
    if ((error as Error).message !== KILLED) throw error;
  } finally {
    if (kill) {
      (fs as unknown as Record<string, unknown>)[kill.op] = original;
      syncBuiltinESMExports();
    }
  }
}

describe('a process killed while writing a checkpoint', () => {
  it('a fresh run killed before its first agent.json leaves nothing an older run’s --resume would pick up', async () => {
    const straight = await uninterrupted();
    const dir = tempDir();
    await trainUntil(dir, config, 2000, false); // run A: checkpoint at 2000
    // Run B, fresh (no --resume), another learning rate: killed after its resume-2000 files, before its weights.
    await trainUntil(dir, { ...config, learningRate: config.learningRate * 10 }, 2000, false, { op: 'writeFileSync', when: (file) => file.includes(`${path.sep}weights.bin.`) });
    // Old code: A's agent.json with B's replay buffer and Adam state, reported as an exact resume.
    const resumed = await trainDqn({ env: env(), config, outDir: dir, resume: true });
    resumed.agent.dispose();
    expect(metricsFrom(dir, 2000)).toEqual(metricsFrom(straight, 2000));
  }, 120_000);

  it('a checkpoint of the first version (no weights SHA-256 in agent.json), torn by the first new checkpoint, is put back', async () => {
    const straight = await uninterrupted();
    const dir = tempDir();
    await trainUntil(dir, config, 2000, false);
    // What the first version wrote: no weightsSha256, one resume.json + resume.bin pair.
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'agent.json'), 'utf8')) as Record<string, unknown>;
    delete meta.weightsSha256;
    fs.writeFileSync(path.join(dir, 'agent.json'), JSON.stringify(meta, null, 2));
    fs.renameSync(path.join(dir, 'resume-2000.json'), path.join(dir, 'resume.json'));
    fs.renameSync(path.join(dir, 'resume-2000.bin'), path.join(dir, 'resume.bin'));
    // Resumed, stopped at 3000 and killed after the weights were renamed into place, before agent.json.
    let weightsWritten = false;
    await trainUntil(dir, config, 3000, true, {
      op: 'renameSync',
      when: (file) => {
        if (path.basename(file) === 'weights.bin') weightsWritten = true;
        return weightsWritten && path.basename(file) === 'agent.json';
      },
    });
    // Code before weightsSha256: resumed at 2000 with the step-3000 weights, "exact"; code before
    // previous/: refused, the step-2000 weights being gone.
    const resumed = await trainDqn({ env: env(), config, outDir: dir, resume: true });
    resumed.agent.dispose();
    expect(resumed).toMatchObject({ resumedAt: 2000, exactResume: true, restoredWeights: true });
    expect(metricsFrom(dir, 2000)).toEqual(metricsFrom(straight, 2000));
    expect(fs.readFileSync(path.join(dir, 'weights.bin'))).toEqual(fs.readFileSync(path.join(straight, 'weights.bin')));
  }, 120_000);

  describe('killed after weights of the next checkpoint replaced the ones agent.json names', () => {
    const kills: [string, (file: string) => boolean][] = [
      ['before agent.json (both networks new)', (file) => path.basename(file) === 'agent.json'],
      ['between the online weights.bin and its model.json', (file) => path.basename(file) === 'model.json' && !file.includes(`${path.sep}target${path.sep}`)],
      ['between the two networks', (file) => file.includes(`${path.sep}target${path.sep}weights.bin`)],
    ];
    for (const [when, killAt] of kills) {
      it(`${when}: the next --resume puts agent.json's weights back and continues exactly`, async () => {
        const straight = await uninterrupted();
        const dir = tempDir();
        await trainUntil(dir, config, 2000, false);
        expect(fs.existsSync(path.join(dir, 'previous'))).toBe(false); // only while a checkpoint is written
        await trainUntil(dir, config, 3000, true, { op: 'renameSync', when: killAt });
        expect(JSON.parse(fs.readFileSync(path.join(dir, 'agent.json'), 'utf8')).state.step).toBe(2000);
        // A replay (dqn:DIR) refuses the torn online weights rather than report another step's model.
        // (Between weights.bin and its model.json the pair itself disagrees: "damaged or replaced".)
        expect(() => loadForward(dir)).toThrow(/(not the ones agent\.json \(step 2000\) was written with|does not match the SHA-256 in model\.json).*`cachelab train` was stopped while writing a checkpoint here.* run it again with --resume/);
        // Code before previous/: "the online network's weights are not the ones agent.json (step 2000) was written with".
        const resumed = await trainDqn({ env: env(), config, outDir: dir, resume: true });
        resumed.agent.dispose();
        expect(resumed).toMatchObject({ resumedAt: 2000, exactResume: true, restoredWeights: true });
        expect(metricsFrom(dir, 2000)).toEqual(metricsFrom(straight, 2000));
        for (const file of ['weights.bin', 'target/weights.bin']) {
          expect(fs.readFileSync(path.join(dir, file))).toEqual(fs.readFileSync(path.join(straight, file)));
        }
        expect(fs.existsSync(path.join(dir, 'previous'))).toBe(false);
      }, 120_000);
    }

    it('killed while keeping the previous weights: nothing to put back, the resume is exact', async () => {
      const straight = await uninterrupted();
      const dir = tempDir();
      await trainUntil(dir, config, 2000, false);
      await trainUntil(dir, config, 3000, true, { op: 'linkSync', when: (file) => file.includes(`${path.sep}target${path.sep}`) });
      const resumed = await trainDqn({ env: env(), config, outDir: dir, resume: true });
      resumed.agent.dispose();
      expect(resumed).toMatchObject({ resumedAt: 2000, exactResume: true });
      expect(resumed.restoredWeights).toBeUndefined();
      expect(metricsFrom(dir, 2000)).toEqual(metricsFrom(straight, 2000));
    }, 120_000);

    it('on a file system without hard links the previous weights are copied, and put back the same', async () => {
      const straight = await uninterrupted();
      const dir = tempDir();
      const link = fs.linkSync;
      fs.linkSync = () => {
        throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
      };
      syncBuiltinESMExports();
      try {
        await trainUntil(dir, config, 2000, false);
        await trainUntil(dir, config, 3000, true, { op: 'renameSync', when: (file) => path.basename(file) === 'agent.json' });
      } finally {
        fs.linkSync = link;
        syncBuiltinESMExports();
      }
      const resumed = await trainDqn({ env: env(), config, outDir: dir, resume: true });
      resumed.agent.dispose();
      expect(resumed).toMatchObject({ resumedAt: 2000, exactResume: true, restoredWeights: true });
      expect(metricsFrom(dir, 2000)).toEqual(metricsFrom(straight, 2000));
    }, 120_000);

    it('without the kept copy (previous/ deleted, or another step’s), the resume is refused', async () => {
      const dir = tempDir();
      await trainUntil(dir, config, 2000, false);
      await trainUntil(dir, config, 3000, true, { op: 'renameSync', when: (file) => path.basename(file) === 'agent.json' });
      // The kept copy replaced by the step-3000 weights (what another step's copy would be).
      for (const folder of ['', 'target']) {
        for (const name of ['weights.bin', 'model.json']) fs.copyFileSync(path.join(dir, folder, name), path.join(dir, 'previous', folder, name));
      }
      await expect(trainDqn({ env: env(), config, outDir: dir, resume: true })).rejects.toThrow(
        /online network's weights are not the ones agent\.json \(step 2000\) was written with, and no copy of those is left in previous\//,
      );
      fs.rmSync(path.join(dir, 'previous'), { recursive: true });
      await expect(trainDqn({ env: env(), config, outDir: dir, resume: true })).rejects.toThrow(/no copy of those is left/);
    }, 120_000);
  });

  it('temporary files a kill left behind are removed when the next run starts', async () => {
    const dir = tempDir();
    await trainUntil(dir, config, 2000, false, { op: 'renameSync', when: (file) => path.basename(file) === 'model.json' });
    const inTarget = () => (fs.existsSync(path.join(dir, 'target')) ? fs.readdirSync(path.join(dir, 'target')).map((name) => `target/${name}`) : []);
    const leftovers = () => [...fs.readdirSync(dir), ...inTarget()].filter((name) => name.endsWith('.tmp'));
    expect(leftovers().length).toBeGreaterThan(0); // the killed run's model.json.PID.tmp
    fs.writeFileSync(path.join(dir, 'resume-2000.bin.99999.tmp'), 'x'); // another process's
    fs.writeFileSync(path.join(dir, 'metrics.jsonl.99999.tmp'), 'x'); // a resume's rewrite of metrics.jsonl, killed
    await trainUntil(dir, config, 1000, false);
    expect(leftovers()).toEqual([]);
  }, 120_000);
});
