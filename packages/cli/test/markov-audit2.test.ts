/** Second audit's regressions for `cachelab markov eval`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/workflow.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-markov-audit2-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const small = path.join(dir, 'small.log');
fs.writeFileSync(
  small,
  ['/', '/a.css', '/', '/a.css', '/'].map((p, i) => `10.0.0.1 - - [17/May/2015:10:05:0${i} +0000] "GET ${p} HTTP/1.1" 200 100 "-" "test"`).join('\n') + '\n',
);

describe('cachelab markov eval: a knob of an option that is off', () => {
  it('refuses --session-weight without --session-stats (it was let through and changed nothing)', async () => {
    const refused = await runCli(['markov', 'eval', '--trace', small, '--session-weight', '3']);
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stderr).toMatch(/--session-weight has no effect without --session-stats/);
    // With per-session statistics, or typed at its default, it is accepted.
    for (const args of [['--session-stats', '--session-weight', '3'], ['--session-weight', '1'], ['--preset', 'access-log', '--session-weight', '3']]) {
      const r = await runCli(['markov', 'eval', '--trace', small, ...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });
});

describe('cachelab markov eval: --order-weight at order 1', () => {
  it('is refused without position or unordered contexts (every vote scales alike, so it changed nothing)', async () => {
    const refused = await runCli(['markov', 'eval', '--trace', small, '--order-weight', '2', '--session-stats', '--skip', '3']);
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stderr).toMatch(/--order-weight has no effect at --order 1 without --positions or --unordered/);
    // Where it weighs one context against another, or at its default, it is accepted.
    const accepted = [
      ['--order-weight', '2', '--order', '2'],
      ['--order-weight', '2', '--positions', '4'],
      ['--order-weight', '2', '--unordered', '3'],
      ['--order-weight', '4'],
    ];
    for (const args of accepted) {
      const r = await runCli(['markov', 'eval', '--trace', small, ...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });
});
