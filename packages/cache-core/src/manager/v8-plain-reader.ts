/**
 * A JavaScript reader for the plain-data subset of V8's serialization format: objects, dense
 * arrays, strings, numbers, booleans, null, undefined, Dates and references to objects already
 * read (shared values, cycles). That is what most cached values are made of, and for them this
 * reader is about twice as fast as `v8.deserialize`, whose fixed cost per call (a native
 * deserializer object) dominates a small entry: ~0.45 vs ~1.2 µs for a 100-byte object.
 *
 * It never guesses. Anything outside the subset (Map, Set, BigInt, typed arrays, RegExp, sparse
 * arrays or arrays with holes or extra properties, boxed primitives, UTF-8 strings, strings
 * over 64 KiB, another format version, nesting deeper than MAX_DEPTH) and anything malformed
 * gives `NOT_PLAIN`, and the caller decodes the bytes with `v8.deserialize`, which
 * then gives V8's exact result or error. So the result is always the one `v8.deserialize` would
 * give (a differential fuzz test holds it to that).
 *
 * Input is the entry as a latin1 string (one character per byte: what the memory backend stores),
 * so strings are cut from it with `slice`; those of 13+ characters are then copied (see
 * copyOfText), so no decoded string keeps the entry alive.
 */
import { deserialize, serialize } from 'node:v8';

/** Returned when the bytes are not plain data in the expected format version: use v8.deserialize. */
export const NOT_PLAIN: unique symbol = Symbol('cachelab.notPlainV8');

/** Deeper values are left to v8.deserialize (its own stack check decides). */
const MAX_DEPTH = 512;

/** Tags of V8's ValueSerializer (src/objects/value-serializer.cc) read here. */
const enum Tag {
  Padding = 0x00,
  OneByteString = 0x22, // "
  DenseArrayEnd = 0x24, // $
  TheHole = 0x2d, // -
  Null = 0x30, // 0
  DenseArray = 0x41, // A
  Date = 0x44, // D
  False = 0x46, // F
  Int32 = 0x49, // I
  Double = 0x4e, // N
  True = 0x54, // T
  Uint32 = 0x55, // U
  ObjectReference = 0x5e, // ^
  Undefined = 0x5f, // _
  TwoByteString = 0x63, // c
  Object = 0x6f, // o
  ObjectEnd = 0x7b, // {
}

// The header this Node writes (0xFF, version). Other versions are left to V8.
const HEADER = serialize(null);
const VERSION_TAG = HEADER[0]!;
const VERSION = HEADER[1]!;
/** Doubles are stored little-endian; on a big-endian host every Double goes to V8. */
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/**
 * The realm's own Date, whatever the global `Date` is at the time of a read (fake timers replace
 * it with a subclass whose instances have another prototype): what v8.deserialize makes. Taken from
 * V8's own result, so a global already replaced when this module loads does not matter either.
 */
const NativeDate = (deserialize(serialize(new Date(0))) as Date).constructor as DateConstructor;

/** V8 makes a sliced string (a view keeping its parent alive) of a `slice` this long or longer. */
const SLICED_STRING_MIN = 13;

class NotPlain extends Error {}
/** Thrown (one preallocated instance, no stack captured per use) to unwind to `readPlainV8`. */
const NOT_PLAIN_SIGNAL = new NotPlain('not plain v8 data');

const doubleBits = new Float64Array(1);
const doubleWords = new Uint32Array(doubleBits.buffer);

/**
 * Object keys repeat across entries and across the objects of an array; a small direct-mapped
 * cache hands out the same key string again (no allocation, and a key V8 has already
 * internalized stores faster). Only keys shorter than 13 characters: V8 copies those on `slice`,
 * while a longer slice would share, and keep alive, the whole entry it came from.
 */
const KEY_CACHE_SIZE = 512;
const MAX_CACHED_KEY = 12;
const keyCache: string[] = new Array<string>(KEY_CACHE_SIZE).fill('');

// Reader state: the reader is synchronous and runs no user code (it assigns only keys that no
// prototype defines, so no setter runs), so one module-level cursor serves every call.
let text = '';
let pos = 0;
let end = 0;
let depth = 0;
/** Objects by id in reading order, for back-references (cleared after each call). */
const objects: (object | undefined)[] = [];
let objectCount = 0;
/** The id table keeps its slots between calls, up to this many (a huge value's are released). */
const MAX_KEPT_OBJECT_SLOTS = 1 << 16;

/**
 * The value serialized in `entry` from `start` (where V8's header begins), or NOT_PLAIN.
 * Never throws.
 */
export function readPlainV8(entry: string, start: number): unknown {
  if (entry.charCodeAt(start) !== VERSION_TAG || entry.charCodeAt(start + 1) !== VERSION) return NOT_PLAIN;
  text = entry;
  pos = start + 2;
  end = entry.length;
  depth = 0;
  objectCount = 0;
  try {
    return readValue();
  } catch {
    // NOT_PLAIN_SIGNAL, or a RangeError from an unexpectedly deep stack: V8 decides.
    return NOT_PLAIN;
  } finally {
    for (let i = 0; i < objectCount; i++) objects[i] = undefined;
    if (objects.length > MAX_KEPT_OBJECT_SLOTS) objects.length = 0;
    text = '';
  }
}

function notPlain(): never {
  throw NOT_PLAIN_SIGNAL;
}

function readTag(): number {
  let tag: number;
  do {
    if (pos >= end) notPlain();
    tag = text.charCodeAt(pos++);
  } while (tag === Tag.Padding);
  return tag;
}

/** A base-128 varint of at most 32 bits (longer or larger ones are left to V8). */
function readVarint(): number {
  if (pos >= end) notPlain();
  let byte = text.charCodeAt(pos++);
  let value = byte & 0x7f;
  for (let shift = 7; byte & 0x80; shift += 7) {
    if (pos >= end) notPlain();
    byte = text.charCodeAt(pos++);
    if (shift === 28) {
      // The fifth byte holds bits 28–31: anything above them, or a sixth byte, is not 32 bits.
      if (byte > 0x0f) notPlain();
      return (value | (byte << 28)) >>> 0;
    }
    value |= (byte & 0x7f) << shift;
  }
  return value;
}

function readDouble(): number {
  if (!LITTLE_ENDIAN || pos + 8 > end) notPlain();
  const low = text.charCodeAt(pos) | (text.charCodeAt(pos + 1) << 8) | (text.charCodeAt(pos + 2) << 16) | (text.charCodeAt(pos + 3) << 24);
  const high = text.charCodeAt(pos + 4) | (text.charCodeAt(pos + 5) << 8) | (text.charCodeAt(pos + 6) << 16) | (text.charCodeAt(pos + 7) << 24);
  pos += 8;
  // V8 reads every NaN as its one quiet NaN (another NaN's payload would show through a
  // Float64Array). Decided on the bits, so the value itself stays an unboxed double.
  const nan = (high & 0x7ff00000) === 0x7ff00000 && ((high & 0xfffff) | low) !== 0;
  doubleWords[0] = nan ? 0 : low;
  doubleWords[1] = nan ? 0x7ff80000 : high;
  return doubleBits[0]!;
}

function readOneByteString(): string {
  const length = readVarint();
  if (length > end - pos) notPlain();
  const from = pos;
  pos += length;
  return copyOfText(from, pos);
}

/**
 * text[from, to) as a string that does not share the entry's memory. A `slice` of 13+ characters
 * is a V8 sliced string, which would keep the whole entry alive as long as the caller keeps it.
 * Up to 96 characters: 12-character slices (V8 copies those) joined, a rope of copies that V8
 * flattens when first used; up to 64 KiB: through reused bytes, one copy each way.
 */
function copyOfText(from: number, to: number): string {
  const length = to - from;
  if (length < SLICED_STRING_MIN) return text.slice(from, to);
  if (length <= 96) {
    let copy = text.slice(from, from + 12);
    for (let at = from + 12; at < to; at += 12) copy += text.slice(at, Math.min(at + 12, to));
    return copy;
  }
  // Over 64 KiB, left to V8: copying through bytes was as slow as V8 in some runs (1 MB: 0.2–4.8 ms).
  if (length > SCRATCH.length) notPlain();
  SCRATCH.write(text.slice(from, to), 0, 'latin1');
  return SCRATCH.toString('latin1', 0, length);
}

function readTwoByteString(): string {
  const byteLength = readVarint();
  if (byteLength > end - pos || byteLength % 2 !== 0) notPlain();
  const from = pos;
  pos += byteLength;
  // UTF-16LE code units as they are (lone surrogates included), through reused bytes when they fit.
  // Longer ones are left to V8, which copies them once where this would copy them twice.
  if (byteLength > SCRATCH.length) notPlain();
  SCRATCH.write(text.slice(from, pos), 0, 'latin1');
  return SCRATCH.toString('utf16le', 0, byteLength);
}

/** Reused bytes for string copies (copyOfText, readTwoByteString). */
const SCRATCH = Buffer.allocUnsafeSlow(1 << 16);

function readValue(): unknown {
  switch (readTag()) {
    case Tag.OneByteString:
      return readOneByteString();
    case Tag.TwoByteString:
      return readTwoByteString();
    case Tag.Int32: {
      const zigzag = readVarint();
      return (zigzag >>> 1) ^ -(zigzag & 1);
    }
    case Tag.Uint32:
      return readVarint();
    case Tag.Double:
      return readDouble();
    case Tag.True:
      return true;
    case Tag.False:
      return false;
    case Tag.Null:
      return null;
    case Tag.Undefined:
      return undefined;
    case Tag.Object:
      return readObject();
    case Tag.DenseArray:
      return readDenseArray();
    case Tag.Date: {
      const date = new NativeDate(readDouble());
      objects[objectCount++] = date;
      return date;
    }
    case Tag.ObjectReference: {
      const id = readVarint();
      if (id >= objectCount) notPlain();
      return objects[id];
    }
    default:
      return notPlain();
  }
}

function readObject(): object {
  if (++depth > MAX_DEPTH) notPlain();
  const object: Record<string | number, unknown> = {};
  // V8 registers an object before reading its properties, so a property may refer back to it.
  objects[objectCount++] = object;
  let properties = 0;
  for (;;) {
    if (pos >= end) notPlain();
    if (text.charCodeAt(pos) === Tag.ObjectEnd) {
      pos++;
      break;
    }
    const key = readKey();
    // Left to V8: a key read twice (V8 refuses the object) and a key naming a property of
    // Object.prototype (an assignment to `__proto__` would set the prototype, where V8 defines an
    // own property). `in` sees both: own keys and inherited ones.
    if (key in object) notPlain();
    object[key] = readValue();
    properties++;
  }
  if (readVarint() !== properties) notPlain();
  depth--;
  return object;
}

function readDenseArray(): unknown[] {
  if (++depth > MAX_DEPTH) notPlain();
  const length = readVarint();
  if (length > end - pos) notPlain();
  const first = pos < end ? text.charCodeAt(pos) : -1;
  const numbers = first === Tag.Int32 || first === Tag.Double;
  // Two allocation sites: V8 learns an elements kind per site, and arrays of objects read here
  // would otherwise make it allocate the number arrays as generic ones (a heap number per double).
  // (Elements are assigned, so an index setter that prototype pollution put on Array.prototype or
  // Object.prototype would run, where V8 stores directly: not guarded against, as nothing else is.)
  const array = numbers ? new Array<unknown>(length) : new Array<unknown>(length);
  objects[objectCount++] = array;
  const filled = numbers ? readNumbers(array as number[], length) : 0;
  for (let i = filled; i < length; i++) {
    if (pos < end && text.charCodeAt(pos) === Tag.TheHole) notPlain();
    array[i] = readValue();
  }
  // No extra properties: the end tag, then their count (0) and the length again.
  if (readTag() !== Tag.DenseArrayEnd || readVarint() !== 0 || readVarint() !== length) notPlain();
  depth--;
  return array;
}

/**
 * Elements of an array that starts with numbers, read in a loop of their own (its stores see
 * numbers only, so they stay fast whatever else was read before), up to the first element that is
 * not a number. Returns how many it read.
 */
function readNumbers(array: number[], length: number): number {
  let i = 0;
  for (; i < length && pos < end; i++) {
    const tag = text.charCodeAt(pos);
    if (tag === Tag.Int32) {
      pos++;
      const zigzag = readVarint();
      array[i] = (zigzag >>> 1) ^ -(zigzag & 1);
    } else if (tag === Tag.Double) {
      pos++;
      array[i] = readDouble();
    } else {
      break;
    }
  }
  return i;
}

/** An object key: a string (one-byte ones through the key cache) or a number. */
function readKey(): string | number {
  const tag = readTag();
  if (tag === Tag.Int32 || tag === Tag.Uint32 || tag === Tag.Double) {
    pos--;
    return readValue() as number;
  }
  if (tag === Tag.TwoByteString) return readTwoByteString();
  if (tag !== Tag.OneByteString) return notPlain();
  const length = readVarint();
  if (length > end - pos) notPlain();
  const from = pos;
  pos += length;
  if (length === 0 || length > MAX_CACHED_KEY) return text.slice(from, pos);
  const slot = (length * 31 + text.charCodeAt(from) * 7 + text.charCodeAt(pos - 1)) & (KEY_CACHE_SIZE - 1);
  const cached = keyCache[slot]!;
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === text.charCodeAt(from + i)) i++;
    if (i === length) return cached;
  }
  const key = text.slice(from, pos);
  keyCache[slot] = key;
  return key;
}

/**
 * Whether to try the reader at all. A value it gives up on late (a Map after 10 KB of plain
 * objects) is read twice, up to ~2.6× what v8.deserialize alone costs; when GIVE_UP of the last
 * WINDOW attempts gave up, the gate stays shut for the next PAUSE decodes, then tries again. Only
 * speed depends on it: the decoded value is the same either way.
 */
export class PlainReaderGate {
  static readonly WINDOW = 32;
  static readonly GIVE_UP = 8;
  static readonly PAUSE = 1024;
  private attempts = 0;
  private gaveUp = 0;
  private paused = 0;

  /** Whether this decode should try the reader (a shut gate counts the decode towards its pause). */
  open(): boolean {
    if (this.paused === 0) return true;
    this.paused--;
    return false;
  }

  /** The outcome of an attempt the gate let through. */
  record(plain: boolean): void {
    if (!plain) this.gaveUp++;
    if (++this.attempts < PlainReaderGate.WINDOW) return;
    if (this.gaveUp >= PlainReaderGate.GIVE_UP) this.paused = PlainReaderGate.PAUSE;
    this.attempts = 0;
    this.gaveUp = 0;
  }
}
