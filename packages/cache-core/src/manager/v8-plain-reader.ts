/**
 * A JavaScript reader for the plain-data subset of V8's serialization format: objects, dense
 * arrays, strings, numbers, booleans, null, undefined, Dates and references to objects already
 * read (shared values, cycles). That is what most cached values are made of, and for them this
 * reader is about twice as fast as `v8.deserialize`, whose fixed cost per call (a native
 * deserializer object) dominates a small entry: ~0.5 vs ~1.2 µs for a 100-byte object.
 *
 * It never guesses. Anything outside the subset (Map, Set, BigInt, typed arrays, RegExp, sparse
 * arrays or arrays with holes or extra properties, boxed primitives, UTF-8 strings, another
 * format version, nesting deeper than MAX_DEPTH) and anything malformed gives `NOT_PLAIN`, and
 * the caller decodes the bytes with `v8.deserialize`, which then gives V8's exact result or error.
 * So the result is always the one `v8.deserialize` would give (a differential fuzz test holds it
 * to that).
 *
 * Input is the entry as a latin1 string (one character per byte: what the memory backend stores),
 * so short strings are cheap `slice`s. Strings of 13+ characters are V8 sliced strings that share
 * the entry's memory, as JSON.parse's are; a caller holding one keeps that entry's string alive.
 */
import { serialize } from 'node:v8';

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

class NotPlain extends Error {}
/** Thrown (one preallocated instance, no stack captured per use) to unwind to `readPlainV8`. */
const NOT_PLAIN_SIGNAL = new NotPlain('not plain v8 data');

const doubleBits = new Float64Array(1);
const doubleBytes = new Uint8Array(doubleBits.buffer);

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
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    if (pos >= end || scale > 2 ** 28) notPlain();
    byte = text.charCodeAt(pos++);
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  if (value > 0xffffffff) notPlain();
  return value;
}

function readDouble(): number {
  if (!LITTLE_ENDIAN || pos + 8 > end) notPlain();
  for (let i = 0; i < 8; i++) doubleBytes[i] = text.charCodeAt(pos + i);
  pos += 8;
  return doubleBits[0]!;
}

function readOneByteString(): string {
  const length = readVarint();
  if (length > end - pos) notPlain();
  const from = pos;
  pos += length;
  return text.slice(from, pos);
}

function readTwoByteString(): string {
  const byteLength = readVarint();
  if (byteLength > end - pos || byteLength % 2 !== 0) notPlain();
  const from = pos;
  pos += byteLength;
  // UTF-16LE code units as they are (lone surrogates included).
  return Buffer.from(text.slice(from, pos), 'latin1').toString('utf16le');
}

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
      const date = new Date(readDouble());
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
  const array = new Array<unknown>(length);
  objects[objectCount++] = array;
  for (let i = 0; i < length; i++) {
    if (pos < end && text.charCodeAt(pos) === Tag.TheHole) notPlain();
    array[i] = readValue();
  }
  // No extra properties: the end tag, then their count (0) and the length again.
  if (readTag() !== Tag.DenseArrayEnd || readVarint() !== 0 || readVarint() !== length) notPlain();
  depth--;
  return array;
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
