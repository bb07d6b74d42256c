/** Test helpers: tiny request batches written by hand. */
import { allocateBatch, type RequestBatch } from '@cachelab/cache-core';

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
