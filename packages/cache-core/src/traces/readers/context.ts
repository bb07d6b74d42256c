/** State shared by the format readers of one trace: interners, error policy, counters. */
import { TraceFormatError } from '../errors.js';
import type { LogSession } from '../format.js';
import type { KeyInterner } from '../interner.js';

export interface ReaderContext {
  readonly path: string;
  readonly keys: KeyInterner;
  readonly sessions: KeyInterner;
  readonly ops: KeyInterner;
  /** Referrers (access logs' Referer field, a CSV referrer column): their own id space, apart from keys. */
  readonly referrers: KeyInterner;
  readonly batchSize: number;
  /** Stop after this many requests (Infinity: read all). */
  readonly limit: number;
  /** Access logs: what makes a session (see TraceReadOptions.logSession). */
  readonly logSession: LogSession;
  /** CSV: called once the columns are known, with whether a size column is mapped. */
  noteSizes(hasSizes: boolean): void;
  /** Throws TraceFormatError, or counts the record as skipped with skipInvalid. */
  invalid(location: TraceFormatError['location'], problem: string): void;
  /** Counts a record that is kept without an optional field it could not read. */
  partial(location: TraceFormatError['location'], problem: string): void;
}
