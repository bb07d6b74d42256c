/** Test helpers: tiny request batches written by hand. */
import { allocateBatch, type RequestBatch } from '@cachelab/cache-core';
import { expect } from 'vitest';
import type { MarkovPredictor } from '../src/index.js';

/** A batch of the given keys (size 1 each, or `sizes`), all in `session` (default: no session). */
export function batchOf(keys: readonly number[], sessions?: readonly number[], sizes?: readonly number[]): RequestBatch {
  const batch = allocateBatch(keys.length);
  batch.length = keys.length;
  keys.forEach((key, i) => {
    batch.time[i] = i;
    batch.key[i] = key;
    batch.size[i] = sizes?.[i] ?? 1;
    batch.session[i] = sessions?.[i] ?? -1;
  });
  return batch;
}

export const sharedTracesDir = new URL('../../../../shared/traces/', import.meta.url);

/**
 * A saved model rewritten as an older version wrote it: without the arrays `dropArray` picks,
 * without the options named in `dropOptions`, and without the SHA-256 (older files had none).
 */
export function asOlderModelFile(bytes: Uint8Array, dropArray: (name: string) => boolean, dropOptions: readonly string[] = []): Uint8Array {
  const magic = 'CLMKV1\n'.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(magic, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic + 4, magic + 4 + jsonLength)));
  header.arrays = header.arrays.filter((e: { name: string }) => !dropArray(e.name));
  for (const name of dropOptions) delete header.options[name];
  delete header.sha256;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const align8 = (n: number) => (n + 7) & ~7;
  // Array offsets are relative to the data start, so the data moves as one block.
  const data = bytes.subarray(align8(magic + 4 + jsonLength));
  const older = new Uint8Array(align8(magic + 4 + json.length) + data.length);
  older.set(bytes.subarray(0, magic), 0);
  new DataView(older.buffer).setUint32(magic, json.length, true);
  older.set(json, magic + 4);
  older.set(data, align8(magic + 4 + json.length));
  return older;
}

/**
 * A loaded model learns exactly as the saved one: both learn requests [from, end) of `batch` and
 * must then save to the same bytes.
 */
export function expectLearnsAlike(saved: MarkovPredictor, loaded: MarkovPredictor, batch: RequestBatch, from: number): void {
  for (let i = from; i < batch.length; i++) {
    saved.updateBatch(batch, i);
    loaded.updateBatch(batch, i);
  }
  expect(Buffer.from(loaded.save()).equals(Buffer.from(saved.save()))).toBe(true);
}
