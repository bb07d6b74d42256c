/** Next-access positions for traces without oracle information (Belady needs them). */
import { NO_NEXT_ACCESS, UNKNOWN_NEXT_ACCESS, type RequestBatch } from './request.js';

/**
 * Fills `batch.nextAccess[i]` with the 0-based position of the next request for the same key,
 * or NO_NEXT_ACCESS, in one backward pass. Returns the batch. O(n) time, O(keys) memory.
 */
export function computeNextAccess(batch: RequestBatch, keyCount?: number): RequestBatch {
  const n = batch.length;
  const keys = batch.key;
  let maxKey = keyCount ?? 0;
  if (keyCount === undefined) for (let i = 0; i < n; i++) if (keys[i]! >= maxKey) maxKey = keys[i]! + 1;
  const following = new Float64Array(maxKey).fill(NO_NEXT_ACCESS);
  const next = batch.nextAccess;
  for (let i = n - 1; i >= 0; i--) {
    const key = keys[i]!;
    next[i] = following[key]!;
    following[key] = i;
  }
  return batch;
}

/**
 * Recomputes `batch.nextAccess` (as computeNextAccess) and returns how many positions the batch
 * held that disagreed: a trace's own next-access column (oracleGeneral's next_access_vtime) is
 * untrusted input, and a wrong one would silently give Belady and every oracle policy wrong answers.
 */
export function repairNextAccess(batch: RequestBatch, keyCount: number): number {
  const n = batch.length;
  const keys = batch.key;
  const following = new Float64Array(keyCount).fill(NO_NEXT_ACCESS);
  const next = batch.nextAccess;
  let repaired = 0;
  for (let i = n - 1; i >= 0; i--) {
    const key = keys[i]!;
    const expected = following[key]!;
    if (next[i] !== expected) {
      repaired++;
      next[i] = expected;
    }
    following[key] = i;
  }
  return repaired;
}

/** Whether every request of the batch carries next-access information. */
export function hasNextAccess(batch: RequestBatch): boolean {
  const next = batch.nextAccess;
  for (let i = 0; i < batch.length; i++) if (next[i] === UNKNOWN_NEXT_ACCESS) return false;
  return batch.length > 0;
}

/**
 * Fills next-access positions unless every request already has one (a trace file's own column,
 * or an earlier pass). Every position is checked, not just the first: a batch assembled by hand
 * may be partly filled. Returns the batch.
 */
export function ensureNextAccess(batch: RequestBatch, keyCount?: number): RequestBatch {
  return batch.length > 0 && !hasNextAccess(batch) ? computeNextAccess(batch, keyCount) : batch;
}
