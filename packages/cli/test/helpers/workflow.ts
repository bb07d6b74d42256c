/** Shared by the workflow tests (compare, run, report, cli): temporary folders, tiny traces, captured output. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { main } from '../../src/main.js';

const made: string[] = [];

/** A fresh temporary folder, removed after the test. */
export function tempDir(prefix = 'cachelab-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** mulberry32: a tiny seeded generator, enough to make test traces reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A txt trace (one key per line) with skewed popularity: key = floor(objects * u^3), seeded. */
export function writeSkewedTrace(dir: string, requests: number, objects: number, seed = 1): string {
  const random = mulberry32(seed);
  const lines: string[] = [];
  for (let i = 0; i < requests; i++) lines.push(String(Math.floor(objects * random() ** 3)));
  const file = join(dir, 'tiny.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A txt trace from explicit keys. */
export function writeKeys(dir: string, keys: readonly (number | string)[], name = 'keys.txt'): string {
  const file = join(dir, name);
  writeFileSync(file, `${keys.join('\n')}\n`);
  return file;
}

/** Runs the CLI in this process and captures what it writes. */
export async function runCli(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}

const BIN = fileURLToPath(new URL('../../bin/cachelab.js', import.meta.url));

/** Runs the `cachelab` binary in a fresh Node process (nothing registered by earlier tests). */
export function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}
