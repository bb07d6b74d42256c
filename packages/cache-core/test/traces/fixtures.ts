/** Tiny hand-written trace files in a per-test-file temporary folder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';

/** The error `promise` rejects with (the test fails if it resolves or rejects with a non-Error). */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

export function tempFolder(prefix: string): (name: string, content: string | Buffer) => string {
  const dir = mkdtempSync(join(tmpdir(), `cachelab-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (name, content) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
}

export interface OracleRecord {
  time: number;
  id: bigint;
  size: number;
  next: bigint;
}

/** Packs records as libCacheSim's oracleGeneral does (24 bytes, little-endian). */
export function oracleGeneralBytes(records: readonly OracleRecord[]): Buffer {
  const buffer = Buffer.alloc(records.length * 24);
  records.forEach((r, i) => {
    buffer.writeUInt32LE(r.time, i * 24);
    buffer.writeBigUInt64LE(r.id, i * 24 + 4);
    buffer.writeUInt32LE(r.size, i * 24 + 12);
    buffer.writeBigInt64LE(r.next, i * 24 + 16);
  });
  return buffer;
}

/** Where the shared real traces are (beside the repository), and whether they are there. */
export const sharedTraces = new URL('../../../../../shared/traces/', import.meta.url);
