/**
 * The request type every trace reader yields and every consumer (simulator, Markov predictor,
 * RL environments) reads. Requests travel in columnar batches so that the hot replay loop reads
 * typed arrays and allocates nothing per request.
 */

/** `nextAccess` value meaning "this key is never requested again". */
export const NO_NEXT_ACCESS = -1;
/** `nextAccess` value meaning "unknown" (the format has no oracle column and no pre-pass ran). */
export const UNKNOWN_NEXT_ACCESS = -2;
/** `session` / `op` / `referrer` value meaning "the format has no such field" (or this request lacks it). */
export const ABSENT = -1;

/** One request, as a plain object: for APIs off the hot path (tests, predictors' public API). */
export interface Request {
  /** Timestamp in the trace's unit (seconds for CSV and logs, the record's field for oracleGeneral, the index for txt). */
  time: number;
  /** Interned dense integer id of the key: 0, 1, 2, ... in order of first appearance. */
  key: number;
  /** Size in bytes (1 for formats without sizes). */
  size: number;
  /** Dense client/session id, or ABSENT. */
  session: number;
  /** Operation code (e.g. SCSI opcode, HTTP method id), or ABSENT. */
  op: number;
  /**
   * Dense referrer id: the page the request came from (an access log's Referer field, a CSV
   * `referrer` column), interned in its own id space (not key ids); ABSENT when the format has no
   * referrer or the request had none (`-` or empty).
   */
  referrer: number;
  /** 0-based position of this key's next request in the trace, NO_NEXT_ACCESS, or UNKNOWN_NEXT_ACCESS. */
  nextAccess: number;
}

/**
 * A batch of requests in columns. `length` requests are valid; the arrays may be longer
 * (readers reuse one batch's buffers). A whole trace loaded in memory is one batch.
 */
export interface RequestBatch {
  length: number;
  time: Float64Array;
  key: Uint32Array;
  size: Float64Array;
  session: Int32Array;
  op: Int32Array;
  /** Referrer ids or ABSENT (see Request.referrer). */
  referrer: Int32Array;
  nextAccess: Float64Array;
}

export function allocateBatch(capacity: number): RequestBatch {
  return {
    length: 0,
    time: new Float64Array(capacity),
    key: new Uint32Array(capacity),
    size: new Float64Array(capacity),
    session: new Int32Array(capacity).fill(ABSENT),
    op: new Int32Array(capacity).fill(ABSENT),
    referrer: new Int32Array(capacity).fill(ABSENT),
    nextAccess: new Float64Array(capacity).fill(UNKNOWN_NEXT_ACCESS),
  };
}

/** Copies request `i` of a batch into a plain object (allocates: not for the hot path). */
export function requestAt(batch: RequestBatch, i: number): Request {
  return {
    time: batch.time[i] ?? 0,
    key: batch.key[i] ?? 0,
    size: batch.size[i] ?? 1,
    session: batch.session[i] ?? ABSENT,
    op: batch.op[i] ?? ABSENT,
    referrer: batch.referrer[i] ?? ABSENT,
    nextAccess: batch.nextAccess[i] ?? UNKNOWN_NEXT_ACCESS,
  };
}
