/**
 * Saving and loading a model: `CLMKV1\n`, a little-endian uint32 header length, a JSON header
 * (options, scalars, array manifest), then each typed array's bytes at an 8-byte-aligned offset.
 * Loading validates everything and throws MarkovModelError (with the offset and what was wrong)
 * instead of crashing on foreign or truncated bytes. The header's `sha256` covers the arrays'
 * bytes and the rest of the header: a flipped bit in the counts, an option or the clock would
 * otherwise load as a model that predicts nonsense.
 */
import { createHash } from 'node:crypto';
import { CachelabError } from '@cachelab/cache-core';
import type { PredictorState } from './predictor.js';

export class MarkovModelError extends CachelabError {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super('MARKOV_MODEL', `bad Markov model file at byte ${offset}: ${message}; save the model again with MarkovPredictor.save()`);
  }
}

const MAGIC = 'CLMKV1\n';
const ARRAY_TYPES = {
  Int32Array,
  Uint32Array,
  Uint8Array,
  Float64Array,
} as const;
type ArrayTypeName = keyof typeof ARRAY_TYPES;
type Arrays = PredictorState['arrays'];
const ARRAY_FIELDS: Record<keyof Arrays, ArrayTypeName> = {
  tagA: 'Int32Array',
  tagB: 'Int32Array',
  inUse: 'Uint8Array',
  total: 'Float64Array',
  stamp: 'Float64Array',
  filled: 'Uint8Array',
  succKey: 'Uint32Array',
  succCount: 'Float64Array',
  succError: 'Float64Array',
  slotOwner: 'Int32Array',
  slotLength: 'Uint8Array',
  slotHistory: 'Uint32Array',
  slotCount: 'Uint8Array',
  slotRequests: 'Uint32Array',
  slotRepeats: 'Uint32Array',
  slotReferrer: 'Int32Array',
  referrerTagA: 'Int32Array',
  referrerTagB: 'Int32Array',
  referrerInUse: 'Uint8Array',
  referrerTotal: 'Float64Array',
  referrerStamp: 'Float64Array',
  referrerFilled: 'Uint8Array',
  referrerSuccKey: 'Uint32Array',
  referrerSuccCount: 'Float64Array',
  referrerSuccError: 'Float64Array',
  popularity: 'Float64Array',
  popularityStamp: 'Float64Array',
};

interface Header {
  options: PredictorState['options'];
  clock: number;
  lastSession: number;
  popularityTotal: number;
  liveStates: number;
  arrays: Array<{ name: keyof Arrays; type: ArrayTypeName; length: number; offset: number }>;
  /**
   * SHA-256 (hex) of the arrays' bytes in manifest order followed by `coveredHeader` (older files:
   * of the arrays only); absent in files from before it existed.
   */
  sha256?: string;
}

/** The header fields the checksum covers, as canonical text (everything but the checksum itself). */
function coveredHeader(header: Header): string {
  const { options, clock, lastSession, popularityTotal, liveStates, arrays } = header;
  return JSON.stringify({ options, clock, lastSession, popularityTotal, liveStates, arrays });
}

const bytesOf = (array: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

const align8 = (n: number): number => (n + 7) & ~7;

/** Serialises a predictor's full state (counts, histories, clock); see MarkovPredictor.save(). */
export function encodeModel(state: PredictorState): Uint8Array {
  const names = Object.keys(ARRAY_FIELDS) as Array<keyof Arrays>;
  const manifest: Header['arrays'] = [];
  let offset = 0;
  for (const name of names) {
    const array = state.arrays[name];
    manifest.push({ name, type: ARRAY_FIELDS[name], length: array.length, offset });
    offset = align8(offset + array.byteLength);
  }
  const header: Header = {
    // Infinity is not JSON: a half-life of Infinity is written as null.
    options: { ...state.options, halfLife: Number.isFinite(state.options.halfLife) ? state.options.halfLife : (null as unknown as number) },
    clock: state.clock,
    lastSession: state.lastSession,
    popularityTotal: state.popularityTotal,
    liveStates: state.liveStates,
    arrays: manifest,
  };
  const hash = createHash('sha256');
  for (const entry of manifest) hash.update(bytesOf(state.arrays[entry.name]));
  header.sha256 = hash.update(coveredHeader(header)).digest('hex');
  const magic = new TextEncoder().encode(MAGIC);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align8(magic.length + 4 + json.length);
  const bytes = new Uint8Array(dataStart + offset);
  bytes.set(magic, 0);
  new DataView(bytes.buffer).setUint32(magic.length, json.length, true);
  bytes.set(json, magic.length + 4);
  for (const entry of manifest) {
    const array = state.arrays[entry.name];
    bytes.set(bytesOf(array), dataStart + entry.offset);
  }
  return bytes;
}

/** Decodes `encodeModel` bytes (validated); see MarkovPredictor.load(). */
export function decodeModel(bytes: Uint8Array): PredictorState {
  const magic = new TextEncoder().encode(MAGIC);
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== MAGIC) {
    throw new MarkovModelError(0, 'not a cachelab Markov model (missing CLMKV1 signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(magic.length, true);
  const jsonEnd = magic.length + 4 + jsonLength;
  if (jsonEnd > bytes.length) throw new MarkovModelError(magic.length, `header length ${jsonLength} runs past the end (${bytes.length} bytes)`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.length + 4, jsonEnd))) as Header;
  } catch (error) {
    throw new MarkovModelError(magic.length + 4, `header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.arrays) || typeof header.options !== 'object' || header.options === null || Array.isArray(header.options)) {
    throw new MarkovModelError(magic.length + 4, 'header lacks options or arrays');
  }
  for (const field of ['clock', 'lastSession', 'popularityTotal', 'liveStates'] as const) {
    if (typeof header[field] !== 'number' || !Number.isFinite(header[field])) throw new MarkovModelError(magic.length + 4, `header field ${field} is not a number`);
  }
  const dataStart = align8(jsonEnd);
  const arrays: Partial<Record<keyof Arrays, ArrayLike<number>>> = {};
  for (const entry of header.arrays) {
    if (typeof entry !== 'object' || entry === null) throw new MarkovModelError(jsonEnd, `array manifest entry ${JSON.stringify(entry)} is not an object`);
    const type = ARRAY_FIELDS[entry.name];
    if (type === undefined || entry.type !== type) throw new MarkovModelError(jsonEnd, `unexpected array ${String(entry.name)} of type ${String(entry.type)}`);
    const Type = ARRAY_TYPES[type];
    const start = dataStart + entry.offset;
    const byteLength = entry.length * Type.BYTES_PER_ELEMENT;
    if (!Number.isInteger(entry.length) || entry.length < 0 || !Number.isInteger(entry.offset) || entry.offset < 0 || entry.offset % 8 !== 0 || start + byteLength > bytes.length) {
      throw new MarkovModelError(start, `array ${entry.name} (${entry.length} entries) does not fit in the ${bytes.length} bytes`);
    }
    // Copy into a fresh, aligned buffer.
    arrays[entry.name] = new Type(bytes.slice(start, start + byteLength).buffer);
  }
  if (header.sha256 !== undefined) {
    const hash = createHash('sha256');
    for (const entry of header.arrays) hash.update(bytesOf(arrays[entry.name] as Uint8Array));
    // The checksum covers the header's options and scalars too (a changed option or clock loads
    // as a different model); files from before that covered the arrays only, and still load.
    const arraysOnly = hash.copy().digest('hex');
    if (hash.update(coveredHeader(header)).digest('hex') !== header.sha256 && arraysOnly !== header.sha256) {
      throw new MarkovModelError(dataStart, 'the model data does not match its SHA-256 checksum (the file is damaged or was edited)');
    }
  }
  // Models saved before position contexts existed have no slotCount: all slots start at 0.
  if (arrays.slotCount === undefined && arrays.slotOwner !== undefined) arrays.slotCount = new Uint8Array(arrays.slotOwner.length);
  // Models saved before the recency window existed have no re-request counters (the window was off).
  if (arrays.slotRequests === undefined) arrays.slotRequests = new Uint32Array(0);
  if (arrays.slotRepeats === undefined) arrays.slotRepeats = new Uint32Array(0);
  // Models saved before referrer contexts existed have no referrer per slot (the option was off).
  if (arrays.slotReferrer === undefined) {
    arrays.slotReferrer = new Int32Array(0);
    for (const name of Object.keys(ARRAY_FIELDS) as Array<keyof Arrays>) {
      if (name.startsWith('referrer') && arrays[name] === undefined) arrays[name] = new ARRAY_TYPES[ARRAY_FIELDS[name]](0);
    }
  }
  for (const name of Object.keys(ARRAY_FIELDS) as Array<keyof Arrays>) {
    if (arrays[name] === undefined) throw new MarkovModelError(jsonEnd, `array ${name} is missing`);
  }
  return {
    options: { ...header.options, halfLife: header.options.halfLife ?? Infinity },
    clock: header.clock,
    lastSession: header.lastSession,
    popularityTotal: header.popularityTotal,
    liveStates: header.liveStates,
    arrays: arrays as Arrays,
  };
}
