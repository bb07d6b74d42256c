import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment/runner.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { configHash } from '../src/util/hash.js';
import { formatJson } from '../src/util/json.js';
import { runCli, tempDir } from './helpers/workflow.js';

/** A CSV trace whose objects have different sizes, so request and byte miss ratios differ. */
function writeSizedTrace(dir: string): string {
  const rows = ['time,key,size'];
  let x = 7;
  for (let i = 0; i < 3_000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const key = Math.floor(((x / 2147483648) ** 2) * 400);
    rows.push(`${i},${key},${100 + (key % 7) * 50}`);
  }
  const file = join(dir, 'sized.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

async function runSized(dir: string) {
  const experiment = parseExperiment({
    traces: [{ path: writeSizedTrace(dir), name: 'sized', csv: 'time=1,key=2,size=3', header: true }],
    sizes: ['5%', '20%'],
    policies: ['lru', 'fifo', 'arc', 'belady'],
    seeds: [0, 1],
  });
  return runExperiment('sized', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run experiments/sized' });
}

/** Rows of the Markdown table under `### title`. */
function markdownTable(markdown: string, title: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`### ${title}`);
  expect(start, title).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  return rows.slice(2); // header and rule
}

function readSummary(runDir: string, cell: string) {
  return JSON.parse(readFileSync(join(runDir, cell, 'summary.json'), 'utf8'));
}

describe('cachelab report', () => {
  it('tables hold the numbers of summary.json (mean over seeds), with the best cell marked and the gap to Belady', async () => {
    const dir = tempDir();
    const run = await runSized(dir);
    expect(run.failed).toEqual([]);
    const out = join(dir, 'report');
    const { code, stdout } = await runCli(['report', join(dir, 'runs', 'sized'), '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toContain(`open ${join(out, 'index.html')}`);
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    const mean = (policy: string, size: string, pick: (s: { stats: Record<string, number> }) => number) =>
      (pick(readSummary(run.runDir, `sized-${size}-${policy}-s0`)) + pick(readSummary(run.runDir, `sized-${size}-${policy}-s1`))) / 2;
    for (const [title, pick] of [
      ['Request miss ratio: sized', (s: { stats: Record<string, number> }) => s.stats.missRatio!],
      ['Byte miss ratio: sized', (s: { stats: Record<string, number> }) => s.stats.byteMissRatio!],
    ] as const) {
      const rows = markdownTable(markdown, title);
      expect(rows.map((r) => r[0])).toEqual(['lru', 'fifo', 'arc', 'belady']);
      for (const row of rows) {
        ['5pct', '20pct'].forEach((size, c) => {
          const expected = mean(row[0]!, size, pick).toFixed(4);
          expect(row[c + 1]!.replace(/\*|★/g, '').trim(), `${title} ${row[0]} ${size}`).toBe(expected);
        });
      }
      // The mark goes to the lowest non-oracle value of each column, and only there.
      [1, 2].forEach((c) => {
        const contenders = rows.filter((r) => r[0] !== 'belady');
        const lowest = Math.min(...contenders.map((r) => Number(r[c]!.replace(/\*|★/g, ''))));
        for (const r of rows) expect(r[c]!.includes('★'), `${title} ${r[0]}`).toBe(r[0] !== 'belady' && Number(r[c]!.replace(/\*|★/g, '')) === lowest);
      });
    }
    const requestRows = markdownTable(markdown, 'Request miss ratio: sized');
    const byteRows = markdownTable(markdown, 'Byte miss ratio: sized');
    expect(byteRows).not.toEqual(requestRows);
    const gap = markdownTable(markdown, 'Gap to belady (request miss ratio − optimum): sized');
    expect(gap.map((r) => r[0])).toEqual(['lru', 'fifo', 'arc']);
    for (const row of gap) {
      const expected = mean(row[0]!, '5pct', (s) => s.stats.missRatio!) - mean('belady', '5pct', (s) => s.stats.missRatio!);
      expect(row[1]).toBe(`+${expected.toFixed(4)}`);
    }
    expect(markdown).toContain(`Source: from \`cachelab run experiments/sized\`: ${run.runDir} (config ${run.configHash}`);
    expect(markdown).toContain('Each figure is the mean over seeds 0, 1.');
    expect(markdown).toContain('![Miss-ratio curve: sized](charts/mrc-sized.svg)');
    expect(readFileSync(join(out, 'charts', 'mrc-sized.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('lists incomplete cells and leaves them out of the tables', async () => {
    const dir = tempDir();
    const run = await runSized(dir);
    rmSync(join(run.runDir, 'sized-20pct-fifo-s1', 'summary.json'));
    const out = join(dir, 'r');
    expect((await runCli(['report', run.runDir, '--out', out, '--quiet'])).code).toBe(0);
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(markdown).toContain('Incomplete cells (not in the tables): sized-20pct-fifo-s1.');
    const fifo = markdownTable(markdown, 'Request miss ratio: sized').find((r) => r[0] === 'fifo')!;
    expect(fifo[2]!.replace(/\*|★/g, '').trim()).toBe(readSummary(run.runDir, 'sized-20pct-fifo-s0').stats.missRatio.toFixed(4));
  });

  it('draws DQN training curves from metrics.jsonl and shows the training result', async () => {
    // A run folder as a DQN training cell writes it (the report reads files only).
    const dir = tempDir();
    const experiment = parseExperiment({
      traces: [{ path: 'traces/cache2k-web07.txt', name: 'web07' }],
      sizes: ['5%'],
      policies: ['lru'],
      dqn: { train: [{ name: 'small', trace: 'web07', size: '5%' }] },
    });
    const runDir = join(dir, 'runs', 'dqn', configHash(experiment));
    mkdirSync(join(runDir, 'train-small-s0'), { recursive: true });
    writeFileSync(join(runDir, 'experiment.json'), formatJson({ name: 'dqn', configHash: configHash(experiment), experiment }));
    const records = [
      { global_step: 100, 'charts/episodic_return': -40, 'charts/hit_ratio': 0.31 },
      { global_step: 200, 'losses/td_loss': 0.5 },
      { global_step: 300, 'charts/episodic_return': -25, 'charts/hit_ratio': 0.42, 'losses/td_loss': 0.25 },
    ];
    writeFileSync(join(runDir, 'train-small-s0', 'metrics.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(runDir, 'train-small-s0', 'summary.json'), formatJson({ kind: 'dqn-train', result: { steps: 300, episodes: 2, last_tdLoss: 0.25 } }));
    writeFileSync(join(runDir, 'train-small-s0', 'manifest.json'), formatJson({ command: 'cachelab run experiments/dqn', gitCommit: null }));
    const out = join(dir, 'r');
    expect((await runCli(['report', runDir, '--out', out, '--quiet'])).code).toBe(0);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const id of ['train-train-small-s0-charts_episodic_return', 'train-train-small-s0-losses_td_loss', 'train-train-small-s0-charts_hit_ratio']) {
      expect(html).toContain(`<figure class="chart" id="${id}">`);
    }
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(markdownTable(markdown, 'Training result: small (seed 0, trace web07)')).toEqual([
      ['episodes', '2'],
      ['last_tdLoss', '0.2500'],
      ['steps', '300'],
    ]);
    expect(markdown).toContain('Incomplete cells (not in the tables): web07-5pct-lru-s0.');
  });

  it('shows prefetch accuracy and coverage from the prefetch cells', async () => {
    const dir = tempDir();
    const trace = join(dir, 'loop.txt');
    writeFileSync(trace, `${Array.from({ length: 30 }, (_, i) => 10 + (i % 3)).join('\n')}\n`);
    const experiment = parseExperiment({ traces: [{ path: trace, name: 'loop' }], sizes: [2], policies: ['lru'], prefetch: [{ name: 'markov', degree: 1 }] });
    const run = await runExperiment('pf', experiment, { runsDir: join(dir, 'runs'), workers: 1, quiet: true, command: 'cachelab run pf' });
    const out = join(dir, 'r');
    expect((await runCli(['report', run.runDir, '--out', out, '--quiet'])).code).toBe(0);
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    const rows = markdownTable(markdown, 'Prefetch: loop');
    // 27 prefetches, 26 used; 4 misses remain (see run.test.ts for the hand-worked replay).
    expect(rows).toEqual([['lru+markov', '2', '27', (26 / 27).toFixed(4), (26 / 30).toFixed(4), (4 / 30).toFixed(4), '1.0000']]);
    // A txt trace has no sizes: the byte table would repeat the request table, so one line says so.
    expect(markdown).not.toContain('### Byte miss ratio: loop');
    expect(markdown).toContain('Byte miss ratio: loop: the same as the request miss ratio in every cell (every request of this trace has the same size), so not repeated.');
    expect(markdownTable(markdown, 'Request miss ratio: loop').map((r) => r[0])).toEqual(['lru', 'lru+markov']);
  });

  it('says when a run folder was written in an experiment format this version no longer reads', async () => {
    const dir = tempDir();
    const runDir = join(dir, 'runs', 'old', 'abc123');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'experiment.json'), formatJson({ name: 'old', configHash: 'abc123', experiment: { traces: ['t.txt'], sizes: ['ten'], policies: ['lru'] } }));
    const result = await runCli(['report', runDir, '--out', join(dir, 'r')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the run in ${runDir} was written by a cachelab whose experiment format differs from this one (sizes[0]:`);
    expect(result.stderr).toContain('run the experiment file again (cachelab run experiments/NAME) and report the new run');
  });

  it('names a damaged run file (bad JSON, a missing field, a bad metrics line) and says how to redo the cell', async () => {
    const dir = tempDir();
    const run = await runSized(dir);
    const cell = join(run.runDir, 'sized-5pct-lru-s0');
    const summary = readFileSync(join(cell, 'summary.json'), 'utf8');
    const metrics = readFileSync(join(cell, 'metrics.jsonl'), 'utf8');
    const failure = async () => {
      const result = await runCli(['report', run.runDir, '--out', join(dir, 'r'), '--quiet']);
      expect(result.code).toBe(1);
      return result.stderr.trim();
    };
    const redo = "; delete that cell's folder and run the experiment again to redo it";

    writeFileSync(join(cell, 'summary.json'), summary.slice(0, 40));
    expect(await failure()).toMatch(new RegExp(`^cachelab: ${join(cell, 'summary.json')}: not valid JSON \\(.*\\)${redo}$`));
    const parsed = JSON.parse(summary) as { stats: Record<string, unknown> };
    delete parsed.stats.missRatio;
    writeFileSync(join(cell, 'summary.json'), JSON.stringify(parsed));
    expect(await failure()).toMatch(new RegExp(`^cachelab: ${join(cell, 'summary.json')}: stats\\.missRatio: .*${redo}$`));
    writeFileSync(join(cell, 'summary.json'), summary);
    writeFileSync(join(cell, 'metrics.jsonl'), `${metrics}not json\n`);
    const line = metrics.split('\n').length; // the appended line's number
    expect(await failure()).toContain(`${join(cell, 'metrics.jsonl')}:${line}: not valid JSON`);
    writeFileSync(join(cell, 'metrics.jsonl'), metrics);
    expect((await runCli(['report', run.runDir, '--out', join(dir, 'r'), '--quiet'])).code).toBe(0);
  });

  it('says which configuration it reports when runs/NAME holds several (one per setting or --seed)', async () => {
    const dir = tempDir();
    const trace = writeSizedTrace(dir);
    const run = (seeds: number[]) =>
      runExperiment('multi', parseExperiment({ traces: [{ path: trace, name: 'sized', csv: 'time=1,key=2,size=3', header: true }], sizes: ['5%'], policies: ['lru'], seeds }), {
        runsDir: join(dir, 'runs'),
        workers: 1,
        quiet: true,
        command: 'cachelab run experiments/multi',
      });
    const older = await run([0]);
    await new Promise((resolve) => setTimeout(resolve, 20)); // distinct modification times
    const newer = await run([1]);
    const name = join(dir, 'runs', 'multi');
    const result = await runCli(['report', name, '--out', join(dir, 'r'), '--quiet']);
    expect(result.code).toBe(0);
    const [olderHash, newerHash] = [older.runDir, newer.runDir].map((d) => d.split('/').pop()!);
    expect(result.stderr).toContain(`${name} holds 2 run configurations; reporting the newest, ${newerHash} (others: ${olderHash})`);
    // A configuration folder named outright reports quietly.
    expect((await runCli(['report', older.runDir, '--out', join(dir, 'r2'), '--quiet'])).stderr).toBe('');
  });

  it('fails with a hint when the folder holds no run', async () => {
    const result = await runCli(['report', tempDir(), '--out', tempDir()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no run found in .*cachelab run experiments\/NAME/);
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('report in headless Chromium (needs Debian chromium at /usr/bin/chromium)', () => {
  it('renders every chart as SVG paths with no console errors and no network', async () => {
    const dir = tempDir();
    const run = await runSized(dir);
    const out = join(dir, 'report');
    expect((await runCli(['report', run.runDir, '--out', out, '--quiet'])).code).toBe(0);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(join(out, 'index.html')).href);
      const charts = await page.locator('figure.chart').evaluateAll((figures) =>
        figures.map((figure) => {
          const svg = figure.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: figure.id,
            paths: figure.querySelectorAll('svg path').length,
            lines: figure.querySelectorAll('svg path[aria-roledescription="line mark"], svg g.mark-line path').length,
            width: box?.width ?? 0,
            height: box?.height ?? 0,
          };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(['mrc-sized']);
      for (const chart of charts) {
        expect(chart.paths).toBeGreaterThan(10);
        expect(chart.lines).toBe(4); // one line per policy
        expect(chart.width).toBeGreaterThan(300);
        expect(chart.height).toBeGreaterThan(200);
      }
      expect(await page.locator('td.best').count()).toBe(4); // two tables × two sizes
      expect(problems).toEqual([]);
      expect(requests).toEqual([pathToFileURL(join(out, 'index.html')).href]);
    } finally {
      await browser.close();
    }
  });
});
