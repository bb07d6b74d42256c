import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DqnTrainCell, expandCells } from '../src/experiment/cells.js';
import { type RunContext, executeCell, isCellComplete } from '../src/experiment/execute-cell.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { hashFile } from '../src/util/hash.js';
import { tempDir, writeSkewedTrace } from './helpers/workflow.js';

/** One training cell over tiny.txt, and the context a run would give it (checksums of the trace as it is now). */
async function setup(dir: string, config: Record<string, unknown>): Promise<{ cell: DqnTrainCell; context: () => Promise<RunContext>; rewrite: (seed: number) => void }> {
  const trace = writeSkewedTrace(dir, 5_000, 500, 1);
  const experiment = parseExperiment({
    traces: [{ path: trace, name: 't' }],
    sizes: ['10%'],
    policies: ['lru'],
    dqn: { train: [{ name: 'm', trace: 't', size: '10%', config: { learningStarts: 200, bufferSize: 1000, batchSize: 16, hiddenLayers: [8], ...config } }] },
  });
  const cell = expandCells(experiment).find((c): c is DqnTrainCell => c.kind === 'dqn-train')!;
  const context = async (): Promise<RunContext> => ({
    runName: 'audit',
    runDir: join(dir, 'runs'),
    configHash: 'audit',
    command: 'test',
    traceChecksums: { [trace]: { sha256: await hashFile(trace), bytes: statSync(trace).size } },
    tfBackend: null,
  });
  return { cell, context, rewrite: (seed) => writeSkewedTrace(dir, 5_000, 500, seed) };
}

function stopped(): AbortSignal {
  const stop = new AbortController();
  stop.abort();
  return stop.signal;
}

describe('a stopped training cell whose trace changed before the next run', () => {
  it('trains again from scratch (README: "the trace\'s bytes changed … trains from scratch"), instead of failing on every run', async () => {
    const dir = tempDir();
    const { cell, context, rewrite } = await setup(dir, { totalSteps: 3000 });
    const first = await context();
    // Aborted from the start: training stops at step 1,000 with a checkpoint and its resume state.
    await expect(executeCell(first, cell, stopped())).rejects.toThrow(/stopped at training step 1000/);
    const model = join(first.runDir, cell.id, 'model');
    expect(existsSync(join(model, 'resume-1000.json'))).toBe(true);

    rewrite(2); // same path, other requests
    const second = await context();
    expect(second.traceChecksums).not.toEqual(first.traceChecksums);
    // Old code: trainDqn refuses the resume with a DqnConfigError (a RangeError, not a CachelabError),
    // which the fall-back to a fresh training did not catch: the cell failed, and so on every run.
    await executeCell(second, cell, new AbortController().signal);
    expect(isCellComplete(second, cell)).toBe(true);
    const summary = JSON.parse(readFileSync(join(second.runDir, cell.id, 'summary.json'), 'utf8'));
    expect(summary.trace.sha256).toBe(Object.values(second.traceChecksums)[0]!.sha256);
    expect(summary.result.steps).toBe(3000);
    const manifest = JSON.parse(readFileSync(join(second.runDir, cell.id, 'manifest.json'), 'utf8'));
    expect(manifest.resumedAtStep).toBeUndefined();
    expect(readdirSync(model).filter((name) => name.startsWith('resume'))).toEqual([]);
  }, 120_000);
});

describe('Ctrl-C seen by a training cell at its very last step', () => {
  it('completes the cell: the training is done, nothing is left to resume', async () => {
    const dir = tempDir();
    const { cell, context } = await setup(dir, { totalSteps: 1000 });
    const ctx = await context();
    // Old code: InterruptedError with a checkpoint at step 1000 = totalSteps, and the next run's resume
    // was refused ("already has 1000 steps"), failing the cell for good.
    await executeCell(ctx, cell, stopped());
    expect(isCellComplete(ctx, cell)).toBe(true);
    expect(readdirSync(join(ctx.runDir, cell.id, 'model')).filter((name) => name.startsWith('resume'))).toEqual([]);
  }, 120_000);
});
