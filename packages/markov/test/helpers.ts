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

/** The JSON header of a saved model file (the parts tests edit). */
export type ModelHeader = { sha256?: string; options: Record<string, unknown>; arrays: Array<{ name: string; type: string; offset: number } | null> };

const MAGIC_LENGTH = 'CLMKV1\n'.length;
const align8 = (n: number) => (n + 7) & ~7;

/**
 * A model file rewritten: `header` edits the parsed JSON header, `data` the array bytes (a
 * DataView over the data block, which moves as one block: array offsets are relative to its
 * start). The SHA-256 is dropped, as files from before it had none.
 */
export function rewriteModelFile(bytes: Uint8Array, header: (h: ModelHeader) => void, data?: (view: DataView, h: ModelHeader) => void): Uint8Array {
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC_LENGTH, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC_LENGTH + 4, MAGIC_LENGTH + 4 + jsonLength))) as ModelHeader;
  delete h.sha256;
  const payload = bytes.slice(align8(MAGIC_LENGTH + 4 + jsonLength));
  data?.(new DataView(payload.buffer), h);
  header(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(align8(MAGIC_LENGTH + 4 + json.length) + payload.length);
  out.set(bytes.subarray(0, MAGIC_LENGTH), 0);
  new DataView(out.buffer).setUint32(MAGIC_LENGTH, json.length, true);
  out.set(json, MAGIC_LENGTH + 4);
  out.set(payload, align8(MAGIC_LENGTH + 4 + json.length));
  return out;
}

/**
 * A saved model rewritten as an older version wrote it: without the arrays `dropArray` picks,
 * without the options named in `dropOptions`, and without the SHA-256 (older files had none).
 */
export function asOlderModelFile(bytes: Uint8Array, dropArray: (name: string) => boolean, dropOptions: readonly string[] = []): Uint8Array {
  return rewriteModelFile(bytes, (header) => {
    header.arrays = header.arrays.filter((e) => e !== null && !dropArray(e.name));
    for (const name of dropOptions) delete header.options[name];
  });
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
