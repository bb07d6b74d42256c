import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  generateLoop,
  generateSessions,
  generateShift,
  generateTrace,
  generateZipf,
  sessionMatrixJson,
  writeTrace,
  type GenerateOptions,
} from '../../src/index.js';
import { tempFolder } from './fixtures.js';

const file = tempFolder('generators');

describe('synthetic generators', () => {
  it('the same seed gives byte-identical files; another seed a different one', async () => {
    const kinds: GenerateOptions[] = [
      { kind: 'zipf', requests: 5000, objects: 500, alpha: 0.9, seed: 1 },
      { kind: 'shift', requests: 5000, objects: 100, shiftEvery: 500, shiftBy: 20, seed: 1 },
      { kind: 'sessions', requests: 5000, endpoints: 30, users: 5, seed: 1 },
    ];
    for (const options of kinds) {
      const write = async (seed: number, name: string) => {
        const trace = generateTrace({ ...options, seed } as GenerateOptions);
        const path = file(`${options.kind}-${name}.csv`, '');
        await writeTrace(path, 'csv', trace.batch, { keyLabel: trace.keyLabel, sessionLabel: String });
        return readFileSync(path);
      };
      const a = await write(1, 'a');
      const b = await write(1, 'b');
      const c = await write(2, 'c');
      expect(a.equals(b)).toBe(true);
      expect(a.equals(c)).toBe(false);
    }
  });

  it('zipf: log-log rank-frequency slope ≈ -alpha', () => {
    for (const alpha of [0.7, 1.0]) {
      const trace = generateZipf({ requests: 400_000, objects: 10_000, alpha, seed: 42 });
      const counts = new Map<string, number>();
      for (let i = 0; i < trace.batch.length; i++) {
        const label = trace.keyLabel(trace.batch.key[i]!);
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
      // label = rank - 1; regress log(count) on log(rank) over ranks 1..100 (well sampled).
      let sx = 0, sy = 0, sxx = 0, sxy = 0;
      const n = 100;
      for (let r = 1; r <= n; r++) {
        const x = Math.log(r);
        const y = Math.log(counts.get(String(r - 1)) ?? 1);
        sx += x; sy += y; sxx += x * x; sxy += x * y;
      }
      const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
      expect(slope).toBeGreaterThan(-alpha - 0.05);
      expect(slope).toBeLessThan(-alpha + 0.05);
      // the most popular object's share is 1/H(N, alpha)
      let h = 0;
      for (let r = 1; r <= 10_000; r++) h += 1 / Math.pow(r, alpha);
      expect((counts.get('0') ?? 0) / 400_000).toBeCloseTo(1 / h, 2);
    }
  });

  it('loop: keys cycle 0..objects-1', () => {
    const trace = generateLoop({ requests: 10, objects: 4 });
    expect(Array.from(trace.batch.key)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
    expect(trace.keyCount).toBe(4);
  });

  it('shift: every request lies in the current working-set window', () => {
    const trace = generateShift({ requests: 3000, objects: 50, shiftEvery: 1000, shiftBy: 30, seed: 3 });
    for (let i = 0; i < trace.batch.length; i++) {
      const object = Number(trace.keyLabel(trace.batch.key[i]!));
      const base = Math.floor(i / 1000) * 30;
      expect(object >= base && object < base + 50).toBe(true);
    }
    expect(trace.keyCount).toBeGreaterThan(100);
    expect(trace.keyCount).toBeLessThanOrEqual(50 + 2 * 30);
  });

  it('sessions: the walk follows the exported transition matrix', () => {
    const trace = generateSessions({ requests: 200_000, endpoints: 20, users: 10, fanout: 3, endProbability: 0.05, seed: 9 });
    const n = trace.endpoints;
    expect(trace.keyCount).toBe(n);
    for (let from = 0; from < n; from++) {
      const row = trace.transitions.subarray(from * n, (from + 1) * n);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(row.filter((p) => p > 0).length).toBe(3);
    }
    // Count within-session successions and compare with the true probabilities.
    const last = new Map<number, number>();
    const counts = new Float64Array(n * n);
    const rowTotals = new Float64Array(n);
    let maxSession = -1;
    let dense = true;
    for (let i = 0; i < trace.batch.length; i++) {
      const session = trace.batch.session[i]!;
      const key = trace.batch.key[i]!;
      if (session > maxSession + 1) dense = false; // ids must be dense, in order of first request
      maxSession = Math.max(maxSession, session);
      const previous = last.get(session);
      if (previous !== undefined) {
        counts[previous * n + key]!++;
        rowTotals[previous]!++;
      }
      last.set(session, key);
    }
    expect(dense).toBe(true);
    expect(trace.sessionCount).toBe(maxSession + 1);
    let worst = 0;
    let rows = 0;
    for (let from = 0; from < n; from++) {
      if (rowTotals[from]! < 2000) continue;
      rows++;
      for (let to = 0; to < n; to++) {
        worst = Math.max(worst, Math.abs(counts[from * n + to]! / rowTotals[from]! - trace.transitions[from * n + to]!));
      }
    }
    expect(rows).toBeGreaterThan(10);
    expect(worst).toBeLessThan(0.03);
    const json = sessionMatrixJson(trace);
    expect(json.transitions[4]![7]).toBe(trace.transitions[4 * n + 7]);
    expect(json.keys[3]).toBe('/api/e3');
  });

  it('rejects bad options by name', () => {
    expect(() => generateZipf({ requests: 0, objects: 5, alpha: 1, seed: 0 })).toThrow('requests: must be a positive integer, got 0');
    expect(() => generateZipf({ requests: 5, objects: 5, alpha: -1, seed: 0 })).toThrow('alpha: must be a finite number >= 0');
    expect(() => generateZipf({ requests: 5, objects: 5, alpha: Infinity, seed: 0 })).toThrow('alpha: must be a finite number >= 0, got Infinity');
  });
});
