/** Errors raised while reading trace files. */
import { CachelabError } from '../errors.js';

/**
 * A trace file is malformed. `file` is the path, `location` says where (`line 12`, `byte 480`),
 * `problem` what was wrong. The message puts them together as `file:line 12: problem`.
 */
export class TraceFormatError extends CachelabError {
  constructor(
    readonly file: string,
    readonly location: { line: number } | { byte: number } | null,
    readonly problem: string,
  ) {
    super('TRACE_FORMAT', `${file}${formatLocation(location)}: ${problem}`);
  }

  /** 1-based line number, when the error is in a text format. */
  get line(): number | undefined {
    return this.location && 'line' in this.location ? this.location.line : undefined;
  }

  /** Byte offset, when the error is in a binary format. */
  get byteOffset(): number | undefined {
    return this.location && 'byte' in this.location ? this.location.byte : undefined;
  }
}

function formatLocation(location: TraceFormatError['location']): string {
  if (!location) return '';
  return 'line' in location ? `:${location.line}` : ` (byte offset ${location.byte})`;
}

/** A trace path that cannot be opened: missing, a directory, or not readable. */
export class TraceFileError extends CachelabError {
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super('TRACE_FILE', `${file}: ${problem}`, options);
  }
}
