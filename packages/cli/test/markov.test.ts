import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/workflow.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-markov-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const apacheLog = fileURLToPath(new URL('../../../../shared/traces/apache_logs.log', import.meta.url));
const hasShared = fs.existsSync(apacheLog);

function logLine(client: string, path: string, second: number): string {
  return `${client} - - [17/May/2015:10:05:${String(second).padStart(2, '0')} +0000] "GET ${path} HTTP/1.1" 200 100 "-" "test"`;
}

// Two clients, interleaved. a: / /a.css /b.js / /a.css ; b: / /a.css /c.png
// Shared first-order counts, hand-worked (prediction before learning each request):
//   a /a.css  (after /: nothing known)          — no prediction
//   b /       (b's first request)               — none
//   a /b.js   (after /a.css: nothing known)     — none
//   b /a.css  (after /: {/a.css:1})             → predict /a.css  ✓
//   a /       (after /b.js: nothing known)      — none
//   b /c.png  (after /a.css: {/b.js:1})         → predict /b.js   ✗
//   a /a.css  (after /: {/a.css:2})             → predict /a.css  ✓
// → 3 predictions, 2 correct.
const requests: Array<[string, string]> = [
  ['10.0.0.1', '/'],
  ['10.0.0.1', '/a.css'],
  ['10.0.0.2', '/'],
  ['10.0.0.1', '/b.js'],
  ['10.0.0.2', '/a.css'],
  ['10.0.0.1', '/'],
  ['10.0.0.2', '/c.png'],
  ['10.0.0.1', '/a.css'],
];
const small = path.join(dir, 'small.log');
fs.writeFileSync(small, requests.map(([c, p], i) => logLine(c, p, i)).join('\n') + '\n');

describe('cachelab markov eval', () => {
  it('counts predictions per client on a hand-worked access log (--json)', async () => {
    for (const predictor of ['naive', 'markov']) {
      const r = await runCli(['markov', 'eval', '--trace', small, '--predictor', predictor, '--top', '2', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result).toMatchObject({ requests: 8, keys: 4, sessions: 2, predictions: 3, top1Hits: 2, top1Accuracy: 2 / 3, top: 2, topKHits: 2 });
      // Both clients made predictions, so both are resampled.
      expect(result.intervalClusters).toBe(2);
      expect(result.top1Interval[0]).toBeGreaterThanOrEqual(0);
      expect(result.top1Interval[1]).toBeLessThanOrEqual(1);
    }
  });

  it('reports demand-only and prefetch replay figures with --prefetch (hand-worked)', async () => {
    // One client alternating / and /a.css, one cache slot: demand-only misses all 6. With prefetch:
    // misses at t=0,1,2 (/a.css→/ is learned at t=2), then each request prefetches the other page,
    // which the next request hits: 3 misses, 4 prefetches issued (after t=2..5), 3 useful.
    const alternating = path.join(dir, 'alternating.log');
    fs.writeFileSync(alternating, ['/', '/a.css', '/', '/a.css', '/', '/a.css'].map((p, i) => logLine('10.0.0.9', p, i)).join('\n') + '\n');
    const r = await runCli(['markov', 'eval', '--trace', alternating, '--prefetch', '--size', '1', '--threshold', '0.5', '--no-escape', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).prefetch).toEqual({
      policy: 'lru',
      capacity: 1,
      capacityUnit: 'objects',
      threshold: 0.5,
      maxPrefetches: 2,
      demandHitRatio: 0,
      prefetchHitRatio: 0.5,
      hitRatioGain: 0.5,
      demandMisses: 6,
      prefetchMisses: 3,
      prefetchesIssued: 4,
      prefetchHits: 3,
      accuracy: 0.75,
      coverage: 0.5,
      prefetchBytes: 400,
      extraBytes: 100,
    });
    const text = await runCli(['markov', 'eval', '--trace', alternating, '--prefetch', '--size', '1', '--threshold', '0.5', '--no-escape']);
    expect(text.stdout).toContain('0.00% demand-only → 50.00% with prefetch (+50.00 points)');
  });

  it('fails with exit code 1 and a clear message on bad values', async () => {
    const noSize = await runCli(['markov', 'eval', '--trace', small, '--prefetch']);
    expect(noSize.code).toBe(1);
    expect(noSize.stderr).toMatch(/--prefetch needs --size/);
    const badThreshold = await runCli(['markov', 'eval', '--trace', small, '--threshold', '2']);
    expect(badThreshold.code).toBe(1);
    expect(badThreshold.stderr).toMatch(/--threshold/);
    const badOrder = await runCli(['markov', 'eval', '--trace', small, '--order', '12']);
    expect(badOrder.code).toBe(1);
    expect(badOrder.stderr).toMatch(/order/);
    const badUnordered = await runCli(['markov', 'eval', '--trace', small, '--unordered', '1']);
    expect(badUnordered.code).toBe(1);
    expect(badUnordered.stderr).toMatch(/unordered/);
    const badWindow = await runCli(['markov', 'eval', '--trace', small, '--recent-window', '-3']);
    expect(badWindow.code).toBe(1);
    expect(badWindow.stderr).toMatch(/--recent-window/);
  });

  it('passes the context options through to the model (--json options)', async () => {
    const args = ['--order-weight', '3', '--session-stats', '--session-weight', '2', '--positions', '8', '--unordered', '4', '--skip', '3'];
    const r = await runCli(['markov', 'eval', '--trace', small, ...args, '--recent-window', '32', '--recent-scale', '2', '--recent-boost', '0.5', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).options).toMatchObject({ orderWeight: 3, sessionStats: true, sessionWeight: 2, positions: 8, unordered: 4, skip: 3, recentWindow: 32, recentScale: 2, recentBoost: 0.5 });
    const text = await runCli(['markov', 'eval', '--trace', small, ...args]);
    expect(text.stdout).toContain('markov order 1 (blend, per-session stats, positions 8, unordered 4, skip 3)');
  });

  it('--against: a predictor against itself differs by exactly 0; the comparison is in --json', async () => {
    const r = JSON.parse((await runCli(['markov', 'eval', '--trace', small, '--predictor', 'naive', '--against', 'naive', '--top', '2', '--json'])).stdout);
    expect(r.against).toEqual({ predictor: 'naive', predictions: 3, top1Accuracy: 2 / 3, topKAccuracy: 2 / 3, top1Difference: [0, 0, 0], topKDifference: [0, 0, 0] });
    expect((await runCli(['markov', 'eval', '--trace', small, '--json'])).stdout).toContain('"against": null');
  });
});

describe.skipIf(!hasShared)('cachelab markov eval on apache_logs.log (needs ../shared/traces)', () => {
  it('reproduces the README baseline count with --predictor naive and beats it with PPM', async () => {
    const naive = JSON.parse((await runCli(['markov', 'eval', '--trace', apacheLog, '--predictor', 'naive', '--json'])).stdout);
    expect(naive.predictions).toBe(6856);
    expect(naive.top1Hits).toBe(3501);
    const ppm = JSON.parse((await runCli(['markov', 'eval', '--trace', apacheLog, '--order', '3', '--session-stats', '--json'])).stdout);
    expect(ppm.predictions).toBe(6856);
    expect(ppm.top1Accuracy).toBeGreaterThan(naive.top1Accuracy + 0.04);
  });

  it('the access-log preset flags give 4,126 of 6,856 (60.18%)', async () => {
    const flags = ['--order', '2', '--session-stats', '--session-weight', '2', '--positions', '8', '--unordered', '4', '--skip', '3', '--recent-window', '32', '--referrer-weight', '0.4', '--max-successors', '16'];
    const r = JSON.parse((await runCli(['markov', 'eval', '--trace', apacheLog, ...flags, '--json'])).stdout);
    expect(r.predictions).toBe(6856);
    expect(r.top1Hits).toBe(4126);
    expect(r.options.referrerWeight).toBe(0.4);
    // Clients resampled as wholes: 1,025 of them made predictions; the interval holds the estimate
    // and is far wider than a binomial one over 6,856 independent predictions (±1.2 points).
    expect(r.intervalClusters).toBe(1025);
    const [low, high] = r.top1Interval;
    expect(low).toBeLessThan(r.top1Accuracy);
    expect(high).toBeGreaterThan(r.top1Accuracy);
    expect(high - low).toBeGreaterThan(0.1);
    expect(high - low).toBeLessThan(0.16);
  });

  it('--preset access-log is those flags; a flag typed after it overrides it, and naive refuses it', async () => {
    const preset = JSON.parse((await runCli(['markov', 'eval', '--trace', apacheLog, '--preset', 'access-log', '--json'])).stdout);
    expect([preset.predictions, preset.top1Hits, preset.topKHits]).toEqual([6856, 4126, 5040]);
    expect(preset.options).toMatchObject({ order: 2, sessionStats: true, sessionWeight: 2, positions: 8, unordered: 4, skip: 3, recentWindow: 32, referrerWeight: 0.4, maxSuccessors: 16 });
    const withoutReferrer = JSON.parse((await runCli(['markov', 'eval', '--trace', apacheLog, '--preset', 'access-log', '--referrer-weight', '0', '--json'])).stdout);
    expect([withoutReferrer.top1Hits, withoutReferrer.options.referrerWeight, withoutReferrer.options.order]).toEqual([4091, 0, 2]);
    const naive = await runCli(['markov', 'eval', '--trace', apacheLog, '--preset', 'access-log', '--predictor', 'naive']);
    expect(naive.code).not.toBe(0);
    expect(naive.stderr).toContain('--preset sets Markov options');
  });

  it('--against naive: the preset gains 625 correct of 6,856, and the paired interval excludes 0', async () => {
    const flags = ['--order', '2', '--session-stats', '--session-weight', '2', '--positions', '8', '--unordered', '4', '--skip', '3', '--recent-window', '32', '--referrer-weight', '0.4', '--max-successors', '16'];
    const r = JSON.parse((await runCli(['markov', 'eval', '--trace', apacheLog, ...flags, '--against', 'naive', '--json'])).stdout);
    expect(r.against.top1Accuracy).toBe(3501 / 6856);
    const [difference, low, high] = r.against.top1Difference;
    expect(difference).toBeCloseTo((4126 - 3501) / 6856, 12);
    expect(low).toBeGreaterThan(0);
    expect(high).toBeGreaterThan(difference);
    // Paired, the interval is much narrower than either accuracy's own (about 13 points wide).
    expect(high - low).toBeLessThan(0.05);
  });
});
