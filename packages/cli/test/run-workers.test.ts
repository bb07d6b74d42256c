import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment/runner.js';
import { loadExperiment } from '../src/experiment/load.js';
import { tempDir, writeSkewedTrace } from './helpers/workflow.js';

describe('cachelab run with worker processes', () => {
  it('replaces a worker that dies mid-cell, so every queued cell still runs or fails', async () => {
    const dir = tempDir();
    const trace = writeSkewedTrace(dir, 2_000, 200);
    // Preloaded into every worker (NODE_OPTIONS is read by new processes only): a worker handed a
    // fifo cell exits before running it, as a crash (out of memory, a native fault) would.
    const crash = join(dir, 'crash-on-fifo.mjs');
    // It wraps the worker's own 'message' listener: a listener of its own, attached before the
    // worker's, would start reading the IPC channel early and lose the first cell.
    writeFileSync(
      crash,
      `const on = process.on.bind(process);
process.on = (event, listener) => on(event, event !== 'message' ? listener : (m) => {
  if (m.type === 'cell' && m.cell.policy.name === 'fifo') process.exit(7);
  listener(m);
});
`,
    );
    const file = join(dir, 'crashy.json');
    writeFileSync(file, JSON.stringify({ traces: [{ path: trace, name: 'tiny' }], unit: 'objects', sizes: ['5%', '10%', '20%'], policies: ['fifo', 'lru', 'clock', 'sieve'], seeds: [0] }));
    const { experiment } = await loadExperiment(file);
    const before = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${before ?? ''} --import=${pathToFileURL(crash).href}`.trim();
    let result;
    try {
      result = await runExperiment('crashy', experiment, { runsDir: join(dir, 'runs'), workers: 2, quiet: true, command: 'test' });
    } finally {
      if (before === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = before;
    }
    expect(result.cells).toBe(12);
    // The three fifo cells fail (one worker death each); the nine others all run.
    expect(result.failed.map((f) => f.code)).toEqual(['WORKER', 'WORKER', 'WORKER']);
    expect(result.failed.every((f) => /worker process ended \(exit code 7\)/.test(f.message))).toBe(true);
    expect(result.ran).toBe(9);
    expect(result.ran + result.failed.length + result.skipped).toBe(result.cells);
  }, 120_000);
});
