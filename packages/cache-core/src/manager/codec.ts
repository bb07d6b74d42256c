/**
 * The entry codec, exactly the spec's compression strategy:
 *   serialize (v8 or json) → if compression is enabled and the serialized size is at least the
 *   threshold, deflate with zlib and keep the result only when it is smaller → prepend one marker
 *   byte: 0x00 = payload stored as serialized, 0x01 = payload is zlib (deflate) data.
 *
 * Encoding a value the format cannot represent throws `SerializationError`. Decoding never
 * throws: corrupt bytes (empty, unknown marker, bad zlib data, bad payload) give `DECODE_FAILED`
 * and `lastDecodeError` says why. Time spent in each stage is accumulated in `stats` (decode
 * times from samples, see DECODE_SAMPLE_EVERY).
 */
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { DefaultDeserializer, serialize as v8Serialize } from 'node:v8';
import { deflateSync as zlibDeflateSync, inflateSync as zlibInflateSync } from 'node:zlib';
import type { SerializationFormat } from './config.js';
import { SerializationError } from './errors.js';
import { NOT_PLAIN, PlainReaderGate, readPlainV8 } from './v8-plain-reader.js';

// Hot-path functions bound to module locals (Buffer and performance are Node globals): under
// vitest's module runner each use of an imported binding is a read from the module namespace,
// which costs as much as a small decode's own work.
const serialize = v8Serialize;
const deflateSync = zlibDeflateSync;
const inflateSync = zlibInflateSync;

/** Documented Node API for Deserializer subclasses, missing from @types/node. */
interface HostObjectReader {
  _readHostObject(): unknown;
}
const readHostObject = (DefaultDeserializer.prototype as unknown as HostObjectReader)._readHostObject;

/**
 * v8.deserialize, except that typed arrays, Buffers and DataViews come back in memory of their
 * own. Node's DefaultDeserializer returns them as *views of the bytes it reads*: decoded from a
 * backend that hands out its stored bytes (any custom backend keeping Uint8Arrays), a caller
 * writing into such a view would change the cached entry, and `view.buffer` would expose the
 * rest of the backing memory. Values without such views cost nothing extra.
 */
class OwningDeserializer extends DefaultDeserializer {
  _readHostObject(): unknown {
    const view = readHostObject.call(this) as ArrayBufferView;
    if (view instanceof Buffer) return Buffer.from(view);
    if (view instanceof DataView) return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
    return (view as Uint8Array).slice();
  }
}

function deserialize(bytes: Uint8Array): unknown {
  const reader = new OwningDeserializer(bytes);
  reader.readHeader();
  return reader.readValue();
}

/** Byte payloads (not latin1 strings) up to this size are tried with the plain-data reader. */
const MAX_PLAIN_READER_BUFFER = 64 * 1024;

export const MARKER_PLAIN = 0x00;
/** A character outside ASCII (in a latin1 string: a byte ≥ 0x80). */
const NON_ASCII = /[^\x00-\x7f]/;
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
  /** Clock for the stage timings, in ms; default `performance.now` (tests inject a fake). */
  timer?: () => number;
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

/**
 * Decode stages (inflate, deserialize) are timed on one call in DECODE_SAMPLE_EVERY (the first
 * included) and extrapolated: mean sampled time × calls. A clock read costs about as much as parsing a small
 * value, so timing every get would make the metric a large share of what it measures. Encode
 * times (serialize, deflate) are measured on every call.
 */
export const DECODE_SAMPLE_EVERY = 16;

export class Codec {
  private serializationMs = 0;
  private compressionMs = 0;
  private compressionCount = 0;
  private compressedInputBytes = 0;
  private compressedOutputBytes = 0;
  private compressionErrors = 0;
  private deserializations = 0;
  private sampledDeserializations = 0;
  private sampledDeserializationMs = 0;
  private decompressions = 0;
  private sampledDecompressions = 0;
  private sampledDecompressionMs = 0;
  /** Holds the plain-data reader back while it mostly gives up (see `readPlain`). */
  private readonly plainGate = new PlainReaderGate();
  /** Why the last `decode` returned `DECODE_FAILED`. */
  lastDecodeError: DecodeError | undefined;
  /** Why the last `encode` stored a value uncompressed although it tried to compress it. */
  lastCompressionError: unknown;

  /** Totals since the codec was created (decode times extrapolated from samples). */
  get stats(): CodecStats {
    const estimate = (sampledMs: number, sampled: number, total: number) => (sampled > 0 ? (sampledMs / sampled) * total : 0);
    return {
      serializationTimeMs: this.serializationMs,
      deserializationTimeMs: estimate(this.sampledDeserializationMs, this.sampledDeserializations, this.deserializations),
      compressionTimeMs: this.compressionMs,
      decompressionTimeMs: estimate(this.sampledDecompressionMs, this.sampledDecompressions, this.decompressions),
      compressionCount: this.compressionCount,
      compressedInputBytes: this.compressedInputBytes,
      compressedOutputBytes: this.compressedOutputBytes,
      compressionErrors: this.compressionErrors,
    };
  }

  private readonly json: boolean;
  private readonly deflateOptions: { level: number };
  private readonly inflateOptions: { maxOutputLength: number };
  private readonly maxSerialized: number;

  private readonly now: () => number;

  constructor(private readonly options: CodecOptions) {
    this.now = options.timer ?? (() => performance.now());
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
    let t = this.now();
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
      const end = this.now();
      this.serializationMs += end - t;
      t = end;
    }
    const size = serialized.length;
    if (size > this.maxSerialized) return { bytes: serialized, serializedSize: size, compressed: false };
    if (this.options.compressionEnabled && size >= this.options.compressionThreshold && size > 0) {
      let deflated: Buffer | undefined;
      try {
        deflated = deflateSync(serialized, this.deflateOptions);
      } catch (error) {
        this.compressionErrors++;
        this.lastCompressionError = error;
      }
      this.compressionMs += this.now() - t;
      if (deflated !== undefined && deflated.length < size) {
        this.compressionCount++;
        this.compressedInputBytes += size;
        this.compressedOutputBytes += deflated.length;
        return { bytes: withMarker(MARKER_ZLIB, deflated), serializedSize: size, compressed: true };
      }
    }
    return { bytes: withMarker(MARKER_PLAIN, serialized), serializedSize: size, compressed: false };
  }

  /** The value stored in `bytes`, or `DECODE_FAILED` (see `lastDecodeError`). Never throws. */
  decode(bytes: Uint8Array | string): unknown {
    if (typeof bytes === 'string') return this.decodeLatin1(bytes);
    if (bytes.length === 0) return this.fail('empty', 'the entry has no bytes (expected a marker byte)');
    const marker = bytes[0];
    // `start` = where the serialized value begins in `payload` (no subarray on the plain path).
    let payload: Uint8Array = bytes;
    let start = 1;
    if (marker === MARKER_ZLIB) {
      const timed = this.decompressions++ % DECODE_SAMPLE_EVERY === 0;
      const t = timed ? this.now() : 0;
      try {
        payload = inflateSync(bytes.subarray(1), this.inflateOptions);
        start = 0;
      } catch (error) {
        this.compressionErrors++;
        return this.fail('decompress', `zlib data is corrupt or truncated: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        if (timed) {
          this.sampledDecompressions++;
          this.sampledDecompressionMs += this.now() - t;
        }
      }
    } else if (marker !== MARKER_PLAIN) {
      return this.fail('unknown-marker', `unknown marker byte 0x${(marker ?? 0).toString(16).padStart(2, '0')} (expected 0x00 or 0x01)`);
    }
    return this.timedParse(payload, start);
  }

  /** `parse`, timed on one call in DECODE_SAMPLE_EVERY. */
  private timedParse(payload: Uint8Array | string, start: number): unknown {
    const timed = this.deserializations++ % DECODE_SAMPLE_EVERY === 0;
    if (!timed) return this.parse(payload, start);
    const t = this.now();
    const value = this.parse(payload, start);
    this.sampledDeserializations++;
    this.sampledDeserializationMs += this.now() - t;
    return value;
  }

  /**
   * `decode` of bytes held as a latin1 string (one byte per character; what
   * `CacheBackend.getLatin1` returns). A plain JSON entry without a byte ≥ 0x80 reads the same in
   * latin1 and in UTF-8, so it is parsed straight from the string; anything else (zlib, v8,
   * non-ASCII UTF-8, a corrupt entry) goes through a Buffer and the byte path, with the same result.
   */
  private decodeLatin1(text: string): unknown {
    // A plain v8 entry (the common get-hit): read from the string itself.
    if (!this.json && text.charCodeAt(0) === MARKER_PLAIN) return this.timedParse(text, 1);
    if (!this.json || text.charCodeAt(0) !== MARKER_PLAIN || NON_ASCII.test(text)) return this.decode(latin1Bytes(text, 0));
    const timed = this.deserializations++ % DECODE_SAMPLE_EVERY === 0;
    const t = timed ? this.now() : 0;
    let value: unknown;
    try {
      value = JSON.parse(text.slice(1));
    } catch (error) {
      return this.fail('payload', `json payload cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (timed) {
      this.sampledDeserializations++;
      this.sampledDeserializationMs += this.now() - t;
    }
    return value;
  }

  /**
   * Deserializes `payload` (bytes, or a latin1 string: v8 only) from `start`; DECODE_FAILED when
   * it is not a valid value. v8 payloads of plain data are read by `readPlainV8`, the rest (and
   * anything it does not vouch for) by v8.deserialize, with the same result.
   */
  private parse(payload: Uint8Array | string, start: number): unknown {
    try {
      if (typeof payload === 'string') {
        const value = this.plainGate.open() ? this.readPlain(payload, start) : NOT_PLAIN;
        return value !== NOT_PLAIN ? value : deserialize(latin1Bytes(payload, start));
      }
      const buffer = payload instanceof Buffer ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      if (this.json) {
        const text = buffer.toString('utf8', start);
        // toString replaces invalid UTF-8 with U+FFFD; only then is the (slower) exact check needed.
        if (text.includes('\uFFFD') && !isUtf8(payload)) return this.fail('payload', 'json payload is not valid UTF-8');
        return JSON.parse(text);
      }
      // The reader needs a latin1 copy of the bytes: worth it for small payloads only (a large one
      // would be copied for a gain that no longer shows, and past 512 MiB cannot be a string).
      const small = buffer.length - start <= MAX_PLAIN_READER_BUFFER;
      const value = small && this.plainGate.open() ? this.readPlain(buffer.toString('latin1', start), 0) : NOT_PLAIN;
      return value !== NOT_PLAIN ? value : deserialize(start === 0 ? payload : payload.subarray(start));
    } catch (error) {
      return this.fail('payload', `${this.options.format} payload cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** `readPlainV8`, its outcome told to the gate (which has let it through: see PlainReaderGate). */
  private readPlain(entry: string, start: number): unknown {
    const value = readPlainV8(entry, start);
    this.plainGate.record(value !== NOT_PLAIN);
    return value;
  }

  private fail(reason: DecodeFailureReason, message: string): typeof DECODE_FAILED {
    this.lastDecodeError = { reason, message };
    return DECODE_FAILED;
  }
}

/**
 * The bytes of a latin1 string from index `from`, in a scratch buffer reused by every decode of up to SCRATCH_BYTES
 * (a get-hit then allocates no Buffer for its entry). Safe because decoding is synchronous and
 * everything it returns is a copy: strings are new, JSON.parse and inflate make their own memory,
 * and OwningDeserializer copies every typed array out of the bytes it reads.
 */
function latin1Bytes(text: string, from: number): Buffer {
  if (text.length > SCRATCH_BYTES) return Buffer.from(text, 'latin1').subarray(from);
  const length = scratch.write(text, 0, 'latin1');
  return scratch.subarray(from, length);
}

const SCRATCH_BYTES = 1 << 16;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

function withMarker(marker: number, payload: Buffer): Buffer {
  // allocUnsafe: small entries share Node's buffer pool instead of one ArrayBuffer each.
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = marker;
  out.set(payload, 1);
  return out;
}
