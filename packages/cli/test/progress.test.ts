/** Progress lines for a stderr that is a file or a pipe (a run's log), where no bar is drawn. */
import { describe, expect, it } from 'vitest';
import { lineProgress, PROGRESS_LINE_INTERVAL_MS } from '../src/util/progress.js';

function clocked() {
  let t = 1000;
  const lines: string[] = [];
  return { lines, now: () => t, advance: (ms: number) => (t += ms), write: (line: string) => void lines.push(line) };
}

describe('lineProgress', () => {
  it('writes at most one line per interval, with the share done, the time spent and an estimate of what is left', () => {
    const c = clocked();
    const p = lineProgress('run x', 40, c.write, { intervalMs: 30_000, now: c.now });
    c.advance(10_000);
    p.update(4);
    expect(c.lines).toEqual([]);
    c.advance(20_000);
    p.update(10); // 30 s in, a quarter done: 90 s left
    c.advance(5_000);
    p.update(11); // within the interval of the last line: nothing
    expect(c.lines).toEqual(['run x: 10/40 (25 %), 30 s elapsed, about 1 min 30 s left\n']);
    c.advance(3_600_000);
    p.update(39);
    expect(c.lines[1]).toBe('run x: 39/40 (98 %), 1 h 0 min elapsed, about 1 min 33 s left\n');
    p.setTotal(39);
    p.stop(); // a last line, since lines were written: done, no estimate
    expect(c.lines[2]).toBe('run x: 39/39 (100 %), 1 h 0 min elapsed\n');
  });

  it('stays silent for work shorter than the interval, stop() included', () => {
    const c = clocked();
    const p = lineProgress('replay', 100, c.write, { now: c.now });
    c.advance(PROGRESS_LINE_INTERVAL_MS - 1);
    p.update(100);
    p.stop();
    expect(c.lines).toEqual([]);
  });

  it('a share under 10 % gets a decimal, and an unknown total (0) no share or estimate', () => {
    const c = clocked();
    const small = lineProgress('train', 1000, c.write, { intervalMs: 1, now: c.now });
    c.advance(2_000);
    small.update(3);
    expect(c.lines.pop()).toBe('train: 3/1000 (0.3 %), 2 s elapsed, about 11 min 5 s left\n');
    const unknown = lineProgress('mrc', 0, c.write, { intervalMs: 1, now: c.now });
    c.advance(5);
    unknown.update(7);
    expect(c.lines.pop()).toBe('mrc: 7/0, 0 s elapsed\n');
  });

  it('with timer, writes while no unit finishes (cells on workers), and stop() ends the timer', async () => {
    const lines: string[] = [];
    const p = lineProgress('run y', 5, (line) => void lines.push(line), { intervalMs: 20, timer: true });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(/^run y: 0\/5 \(0\.0 %\), 0 s elapsed\n$/);
    p.stop();
    const after = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(lines.length).toBe(after);
  });

  it('estimate: false leaves out the time left (a run whose trainings come before its quick replays)', () => {
    const c = clocked();
    const p = lineProgress('run z', 100, c.write, { intervalMs: 10, now: c.now, estimate: false });
    c.advance(60_000);
    p.update(5);
    expect(c.lines).toEqual(['run z: 5/100 (5.0 %), 1 min 0 s elapsed\n']);
  });

  it('alreadyDone (a resumed run\'s skipped cells) stays out of the rate: 10 of the 20 left in 1 min is 1 min more', () => {
    const c = clocked();
    const p = lineProgress('run r', 100, c.write, { intervalMs: 10, now: c.now, alreadyDone: 80 });
    p.update(80);
    c.advance(60_000);
    p.update(90);
    expect(c.lines).toEqual(['run r: 90/100 (90 %), 1 min 0 s elapsed, about 1 min 0 s left\n']);
  });
});
