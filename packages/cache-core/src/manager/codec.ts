/**
 * The entry codec, exactly the spec's compression strategy:
 *   serialize (v8 or json) → if compression is enabled and the serialized size is at least the
 *   threshold, deflate with zlib and keep the result only when it is smaller → prepend one marker
 *   byte: 0x00 = payload stored as serialized, 0x01 = payload is zlib (deflate) data.
 *
 * Encoding a value the format cannot represent throws `SerializationError`. Decoding never
 * throws: corrupt bytes (empty, unknown marker, bad zlib data, bad payload) give `DECODE_FAILED`
 * and `lastDecodeError` says why. Time spent in each stage is accumulated in `stats`.
 */
import { Buffer, constants as bufferConstants, isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { deflateSync, inflateSync } from 'node:zlib';
import type { SerializationFormat } from './config.js';
import { SerializationError } from './errors.js';

export const MARKER_PLAIN = 0x00;
export const MARKER_ZLIB = 0x01;

/**
 * Decompressed payloads may be at most this many times `maxEntrySize` (a guard against zlib
 * bombs in untrusted bytes); `encode` refuses serialized values above the same bound, so every
 * value the codec stores can be decoded.
 */
export const MAX_INFLATE_FACTOR = 64;

/** Returned by `decode` for bytes that are not a valid entry. */
export const DECODE_FAILED: unique symbol = Symbol('cachelab.decodeFailed');

export type DecodeFailureReason = 'empty' | 'unknown-marker' | 'decompress' | 'payload';

export interface DecodeError {
  reason: DecodeFailureReason;
  message: string;
}

export interface CodecOptions {
  format: SerializationFormat;
  compressionEnabled: boolean;
  compressionThreshold: number;
  compressionLevel: number;
  maxEntrySize: number;
}

/** Totals since the codec was created. Times in milliseconds. */
export interface CodecStats {
  serializationTimeMs: number;
  deserializationTimeMs: number;
  compressionTimeMs: number;
  decompressionTimeMs: number;
  /** Values stored compressed. */
  compressionCount: number;
  /** Serialized bytes of the values stored compressed, and their compressed bytes. */
  compressedInputBytes: number;
  compressedOutputBytes: number;
  /** Values whose deflate failed (stored plain instead) plus entries whose inflate failed. */
  compressionErrors: number;
}

export interface EncodedEntry {
  bytes: Buffer;
  /** Size of the serialized value before compression. */
  serializedSize: number;
  compressed: boolean;
}

/** The largest serialized value `encode` accepts before compression. */
export function maxSerializedSize(maxEntrySize: number): number {
  return Math.min(bufferConstants.MAX_LENGTH, maxEntrySize * MAX_INFLATE_FACTOR);
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol') return `a symbol (${value.toString()})`;
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'number') return `the number ${value}`;
  if (value === undefined) return 'undefined';
  return `a ${Object.prototype.toString.call(value).slice(8, -1)}`;
}

/**
 * JSON.stringify silently drops or rewrites what JSON cannot hold; a cache must not hand back a
 * different value than it was given, so those cases are refused instead. Dates are the one
 * exceptions JSON users expect: Dates become ISO strings (JSON's own toJSON) and undefined object
 * properties are left out.
 */
function strictJsonReplacer(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'function':
    case 'symbol':
    case 'bigint':
      throw new TypeError(`${key ? `property "${key}" is ` : ''}${describe(value)}, which JSON cannot represent`);
    case 'undefined':
      // An undefined object property is dropped, as JSON does ({a: undefined} reads back as {});
      // undefined as the whole value or in an array (where JSON writes null) is refused.
      if (key !== '' && !Array.isArray(this)) return undefined;
      throw new TypeError(`${key ? `element ${key} is ` : 'the value is '}undefined, which JSON cannot represent`);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${key ? `property "${key}" is ` : ''}${describe(value)}, which JSON turns into null`);
      return value;
    case 'object':
      if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof RegExp) {
        throw new TypeError(`${key ? `property "${key}" is ` : ''}${describe(value)}, which JSON cannot represent`);
      }
      return value;
    default:
      return value;
  }
}

export class Codec {
  readonly stats: CodecStats = {
    serializationTimeMs: 0,
    deserializationTimeMs: 0,
    compressionTimeMs: 0,
    decompressionTimeMs: 0,
    compressionCount: 0,
    compressedInputBytes: 0,
    compressedOutputBytes: 0,
    compressionErrors: 0,
  };
  /** Why the last `decode` returned `DECODE_FAILED`. */
  lastDecodeError: DecodeError | undefined;
  /** Why the last `encode` stored a value uncompressed although it tried to compress it. */
  lastCompressionError: unknown;

  private readonly json: boolean;
  private readonly deflateOptions: { level: number };
  private readonly inflateOptions: { maxOutputLength: number };
  private readonly maxSerialized: number;

  constructor(private readonly options: CodecOptions) {
    this.json = options.format === 'json';
    this.deflateOptions = { level: options.compressionLevel };
    this.maxSerialized = maxSerializedSize(options.maxEntrySize);
    this.inflateOptions = { maxOutputLength: this.maxSerialized };
  }

  /**
   * Serializes and (maybe) compresses `value`. Throws `SerializationError` when the format cannot
   * represent it; returns the serialized size as well so callers can refuse oversized entries.
   * `key` only names the entry in error messages.
   */
  encode(value: unknown, key: string): EncodedEntry {
    const stats = this.stats;
    let t = performance.now();
    let serialized: Buffer;
    try {
      if (this.json) {
        const text = JSON.stringify(value, strictJsonReplacer);
        serialized = Buffer.from(text, 'utf8');
      } else {
        serialized = serialize(value);
      }
    } catch (error) {
      throw new SerializationError(key, this.options.format, error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      const end = performance.now();
      stats.serializationTimeMs += end - t;
      t = end;
    }
    const size = serialized.length;
    if (size > this.maxSerialized) return { bytes: serialized, serializedSize: size, compressed: false };
    if (this.options.compressionEnabled && size >= this.options.compressionThreshold && size > 0) {
      let deflated: Buffer | undefined;
      try {
        deflated = deflateSync(serialized, this.deflateOptions);
      } catch (error) {
        stats.compressionErrors++;
        this.lastCompressionError = error;
      }
      stats.compressionTimeMs += performance.now() - t;
      if (deflated !== undefined && deflated.length < size) {
        stats.compressionCount++;
        stats.compressedInputBytes += size;
        stats.compressedOutputBytes += deflated.length;
        return { bytes: withMarker(MARKER_ZLIB, deflated), serializedSize: size, compressed: true };
      }
    }
    return { bytes: withMarker(MARKER_PLAIN, serialized), serializedSize: size, compressed: false };
  }

  /** The value stored in `bytes`, or `DECODE_FAILED` (see `lastDecodeError`). Never throws. */
  decode(bytes: Uint8Array): unknown {
    if (bytes.length === 0) return this.fail('empty', 'the entry has no bytes (expected a marker byte)');
    const marker = bytes[0];
    // `start` = where the serialized value begins in `payload` (no subarray on the plain path).
    let payload: Uint8Array = bytes;
    let start = 1;
    if (marker === MARKER_ZLIB) {
      const t = performance.now();
      try {
        payload = inflateSync(bytes.subarray(1), this.inflateOptions);
        start = 0;
      } catch (error) {
        this.stats.compressionErrors++;
        return this.fail('decompress', `zlib data is corrupt or truncated: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.stats.decompressionTimeMs += performance.now() - t;
      }
    } else if (marker !== MARKER_PLAIN) {
      return this.fail('unknown-marker', `unknown marker byte 0x${(marker ?? 0).toString(16).padStart(2, '0')} (expected 0x00 or 0x01)`);
    }
    const t = performance.now();
    try {
      if (this.json) {
        // The marker byte 0x00 is valid UTF-8 itself, so the whole buffer can be checked at once.
        if (!isUtf8(payload)) return this.fail('payload', 'json payload is not valid UTF-8');
        const buffer = payload instanceof Buffer ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
        return JSON.parse(buffer.toString('utf8', start));
      }
      return deserialize(start === 0 ? payload : payload.subarray(start));
    } catch (error) {
      return this.fail('payload', `${this.options.format} payload cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.stats.deserializationTimeMs += performance.now() - t;
    }
  }

  private fail(reason: DecodeFailureReason, message: string): typeof DECODE_FAILED {
    this.lastDecodeError = { reason, message };
    return DECODE_FAILED;
  }
}

function withMarker(marker: number, payload: Buffer): Buffer {
  // allocUnsafe: small entries share Node's buffer pool instead of one ArrayBuffer each.
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = marker;
  out.set(payload, 1);
  return out;
}
