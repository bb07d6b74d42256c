/**
 * Third audit of the report path: what the published report says about where its numbers came
 * from (a run made from uncommitted changes), text the user wrote (trace paths, command lines)
 * read as markup, and a confidence level rounded into another one.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { loadRun } from '../src/report/load-run.js';
import { buildReportModel, sourceLine } from '../src/report/model.js';
import { buildScoreboard } from '../src/report/scoreboard.js';
import { scoreboardSection } from '../src/report/scoreboard-section.js';
import { scoreboardOptions } from './helpers/scoreboard.js';
import { configHash } from '../src/util/hash.js';
import { formatJson } from '../src/util/json.js';
import { runCli, tempDir, writeSkewedTrace } from './helpers/workflow.js';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The content of the CommonMark code span that opens `text` (a run of n backticks to the next run of exactly n), or null. */
function leadingCodeSpan(text: string): string | null {
  const fence = /^`+/.exec(text)?.[0];
  if (!fence) return null;
  const close = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g');
  close.lastIndex = fence.length;
  const end = close.exec(text);
  if (!end) return null;
  const content = text.slice(fence.length, end.index);
  return content.startsWith(' ') && content.endsWith(' ') && content.trim() !== '' ? content.slice(1, -1) : content;
}

async function smallRun(dir: string, tracePath: string, command = 'cachelab run experiments/audit3', runs = 'runs') {
  const experiment = parseExperiment({ traces: [{ path: tracePath, name: 'odd' }], sizes: ['10%'], policies: ['lru', 'fifo'] });
  return runExperiment('audit3', experiment, { runsDir: join(dir, runs), workers: 1, quiet: true, command });
}

describe('a report of a run made from a working tree with uncommitted changes', () => {
  it('says so next to the git commit instead of naming the commit alone', async () => {
    const dir = tempDir();
    const run = await smallRun(dir, writeSkewedTrace(dir, 400, 60));
    for (const cell of readdirSync(run.runDir).filter((c) => c !== 'experiment.json')) {
      const file = join(run.runDir, cell, 'manifest.json');
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...manifest, gitCommit: 'a'.repeat(40), gitDirty: true }));
    }
    const line = sourceLine(loadRun(run.runDir));
    expect(line).toContain(`git aaaaaaaaaa with uncommitted changes`);
    // A clean tree reads as before.
    for (const cell of readdirSync(run.runDir).filter((c) => c !== 'experiment.json')) {
      const file = join(run.runDir, cell, 'manifest.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), gitDirty: false }));
    }
    expect(sourceLine(loadRun(run.runDir))).toMatch(/, git aaaaaaaaaa\)$/);
  });
});

describe('a trace path and a command line with Markdown and HTML characters', () => {
  it('are printed as written in index.html and as code spans in summary.md, not read as markup', async () => {
    const dir = tempDir();
    const trace = join(dir, 'we**b**|<i>x<b>&`07`.txt');
    writeFileSync(trace, readFileSync(writeSkewedTrace(dir, 400, 60)));
    const command = "cachelab run 'exp`s`/**a**.json'";
    const run = await smallRun(dir, trace, command, 'runs **r** <u>&amp;');
    const out = join(dir, 'report');
    expect((await runCli(['report', run.runDir, '--out', out, '--quiet'])).code).toBe(0);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    // The path and the command, each whole inside one <code> element, with no markup made from them.
    expect(html).toContain(`<code>${escapeHtml(trace)}</code>: 400 requests`);
    expect(html).toContain(`<code>${escapeHtml(command)}</code>`);
    expect(html).not.toContain('<strong>b</strong>');
    expect(html).not.toContain('<i>');
    // The run folder, outside a code span, is shown as written too.
    expect(html).toContain(`</code>: ${escapeHtml(run.runDir)} (config`);
    expect(html).not.toContain('<strong>r</strong>');
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    const traceLine = markdown.split('\n').find((l) => l.includes('400 requests'))!;
    expect(leadingCodeSpan(traceLine)).toBe(trace);
    const sourceLines = markdown.split('\n').filter((l) => l.startsWith('Source: from '));
    expect(sourceLines.length).toBeGreaterThan(0);
    for (const l of sourceLines) expect(leadingCodeSpan(l.slice('Source: from '.length))).toBe(command);
    // In Markdown the folder's `*`, `<` and entity-like `&` are backslash-escaped.
    expect(sourceLines[0]).toContain(`: ${run.runDir.replace('**r**', '\\*\\*r\\*\\*').replace('<u>', '\\<u>').replace('&amp;', '\\&amp;')} (config`);
  });

  it('keeps an ordinary path and command as they were (one backtick each side)', async () => {
    const dir = tempDir();
    const run = await smallRun(dir, writeSkewedTrace(dir, 400, 60));
    const model = buildReportModel(loadRun(run.runDir));
    expect(model.intro.find((l) => l.startsWith('Numbers '))).toMatch(new RegExp(`^Numbers from \`cachelab run experiments/audit3\`: ${run.runDir} \\(config ${run.configHash}`));
  });
});

describe('the scoreboard\'s confidence level', () => {
  it('is printed as given, not rounded to another level (0.9999 is not "100 %")', async () => {
    const dir = tempDir();
    const run = loadRun((await smallRun(dir, writeSkewedTrace(dir, 400, 60))).runDir);
    const text = (confidence: number) => {
      const board = buildScoreboard(run, scoreboardOptions({ candidate: 'fifo', confidence, resamples: 100 }));
      const block = scoreboardSection(board, sourceLine(run), 'cachelab report x').blocks[0]!;
      return block.kind === 'text' ? block.text : '';
    };
    expect(text(0.9999)).toContain('its 99.99 % interval');
    expect(text(0.95)).toContain('its 95 % interval');
    expect(text(0.999)).toContain('its 99.9 % interval');
  });
});

describe('the miss-ratio curve of a run with one cache size', () => {
  it('labels its one capacity as the whole number of objects it is, not "277.000000"', async () => {
    const dir = tempDir();
    const run = await smallRun(dir, writeSkewedTrace(dir, 400, 60));
    const out = join(dir, 'report');
    expect((await runCli(['report', run.runDir, '--out', out, '--quiet'])).code).toBe(0);
    const svg = readFileSync(join(out, 'charts', 'mrc-odd.svg'), 'utf8');
    const capacity = JSON.parse(readFileSync(join(run.runDir, 'odd-10pct-lru-s0', 'summary.json'), 'utf8')).capacity as number;
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    const xLabels = labels.slice(0, labels.indexOf('cache size (objects)'));
    expect(xLabels).toEqual([capacity.toLocaleString('en-US')]);
  });
});

describe('the DQN evaluation table of a run with a baseline cell missing', () => {
  it('does not name a baseline averaged over fewer seeds as the best one (the tables never mark such a mean)', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07', limit: 3000 }],
      sizes: ['5%'],
      policies: ['lru', 'fifo', 'dqn:@m'],
      seeds: [0, 1],
      dqn: { train: [{ name: 'm', trace: 'web07', size: '5%', config: { totalSteps: 400, learningStarts: 100, logInterval: 100 } }] },
    });
    const run = await runExperiment('audit3dqn', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run audit3dqn' });
    expect(run.failed).toEqual([]);
    // fifo's seed 1 never finished; its seed 0 is (as edited here) the lowest figure of the column.
    rmSync(join(run.runDir, 'web07-5pct-fifo-s1', 'summary.json'));
    const fifoFile = join(run.runDir, 'web07-5pct-fifo-s0', 'summary.json');
    const fifo = JSON.parse(readFileSync(fifoFile, 'utf8'));
    writeFileSync(fifoFile, JSON.stringify({ ...fifo, stats: { ...fifo.stats, missRatio: 0.001 } }));
    const model = buildReportModel(loadRun(run.runDir));
    const table = model.sections.flatMap((s) => s.blocks).find((b) => b.kind === 'table' && b.title.startsWith('DQN evaluation'));
    if (table?.kind !== 'table') throw new Error('no DQN evaluation table');
    const lru = (seed: number) => JSON.parse(readFileSync(join(run.runDir, `web07-5pct-lru-s${seed}`, 'summary.json'), 'utf8')).stats.missRatio as number;
    const row = table.rows[0]!;
    expect(row[4]).toBe(`${((lru(0) + lru(1)) / 2).toFixed(4)} (lru)`);
    expect(table.note).toContain('fifo at 5% (1 of 2 seeds)');
  });
});

describe('the miss-ratio curve of a run with a cell missing', () => {
  it('names the point that is a mean over fewer seeds, as the tables do', async () => {
    const dir = tempDir();
    const experiment = parseExperiment({ traces: [{ path: writeSkewedTrace(dir, 400, 60), name: 'odd' }], sizes: ['10%', '20%'], policies: ['lru', 'random'], seeds: [0, 1] });
    const run = await runExperiment('audit3seeds', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run audit3seeds' });
    rmSync(join(run.runDir, 'odd-20pct-random-s1', 'summary.json'));
    const out = join(dir, 'report');
    expect((await runCli(['report', run.runDir, '--out', out, '--quiet'])).code).toBe(0);
    const note = 'Means over fewer seeds (their other cells are incomplete): random at 20% (1 of 2 seeds).';
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const figure = html.slice(html.indexOf('<figure class="chart" id="mrc-odd">'), html.indexOf('</figure>'));
    expect(figure).toContain(note);
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    const after = markdown.slice(markdown.indexOf('![Miss-ratio curve: odd]'));
    expect(after.split('\n\n')[1]).toBe(note);
  });
});

describe('the training result table', () => {
  it('shows a small loss with its digits instead of "0.0000" (and "-0.0000")', () => {
    const dir = tempDir();
    const experiment = parseExperiment({ traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07' }], sizes: ['5%'], policies: ['lru'], dqn: { train: [{ name: 'small', trace: 'web07', size: '5%' }] } });
    const runDir = join(dir, 'runs', 'dqn', configHash(experiment));
    mkdirSync(join(runDir, 'train-small-s0'), { recursive: true });
    writeFileSync(join(runDir, 'experiment.json'), formatJson({ name: 'dqn', configHash: configHash(experiment), experiment }));
    const result = { steps: 300, last_tdLoss: 0.0000234, last_qValues: -0.00004, last_gradNorm: 0.25 };
    writeFileSync(join(runDir, 'train-small-s0', 'summary.json'), formatJson({ kind: 'dqn-train', result }));
    const model = buildReportModel(loadRun(runDir));
    const table = model.sections.flatMap((s) => s.blocks).find((b) => b.kind === 'table' && b.title.startsWith('Training result'));
    if (table?.kind !== 'table') throw new Error('no training result table');
    expect(Object.fromEntries(table.rows)).toEqual({ steps: '300', last_tdLoss: '0.0000234', last_qValues: '-0.0000400', last_gradNorm: '0.2500' });
  });
});

describe('the miss-ratio curve of a byte-mode run', () => {
  it('says on its axis which miss ratio it draws (requests, not bytes, though its sizes are bytes)', async () => {
    const dir = tempDir();
    const rows = ['time,key,size', ...Array.from({ length: 600 }, (_, i) => `${i},${(i * 7919) % 90},${100 + ((i * 7919) % 90) * 10}`)];
    const trace = join(dir, 'sized.csv');
    writeFileSync(trace, `${rows.join('\n')}\n`);
    const experiment = parseExperiment({ traces: [{ path: trace, name: 'sized', csv: 'time=1,key=2,size=3', header: true }], unit: 'bytes', sizes: ['10%', '30%'], policies: ['lru', 'fifo'] });
    const run = await runExperiment('audit3bytes', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run audit3bytes' });
    expect(run.failed).toEqual([]);
    const out = join(dir, 'report');
    expect((await runCli(['report', run.runDir, '--out', out, '--quiet'])).code).toBe(0);
    const labels = [...readFileSync(join(out, 'charts', 'mrc-sized.svg'), 'utf8').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(labels).toContain('cache size (bytes)');
    expect(labels).toContain('request miss ratio');
  });
});
