/**
 * The bytes the Redis backend stores for one entry (one Redis string, so one GET / SET):
 *
 *   0xCA | flags | [u32 BE length + metadata JSON] | [32-byte HMAC tag] | value bytes
 *
 * flags: 1 = metadata present, 2 = signed. The value bytes are the manager's encoded entry
 * (its marker byte + payload) untouched. Anything else found under an entry's name (another
 * format, another writer, a truncated value) is rejected as a miss and counted.
 */
import { EntrySigner, TAG_BYTES } from './redis-signing.js';

const MAGIC = 0xca;
const HAS_METADATA = 1;
const SIGNED = 2;

export interface DecodedEntry {
  value: Buffer;
  prefetched: boolean;
  metadata?: Record<string, unknown>;
}

/** The stored envelope; `metadataJson` is '' when there is no metadata. */
export function encodeEntry(key: string, value: Uint8Array, metadataJson: string, signer: EntrySigner | undefined): Buffer {
  const metaBytes = metadataJson === '' ? 0 : Buffer.byteLength(metadataJson, 'utf8');
  const tag = signer?.tag(key, metadataJson, value);
  const header = 2 + (metaBytes > 0 ? 4 + metaBytes : 0) + (tag ? TAG_BYTES : 0);
  const out = Buffer.allocUnsafe(header + value.byteLength);
  out[0] = MAGIC;
  out[1] = (metaBytes > 0 ? HAS_METADATA : 0) | (tag ? SIGNED : 0);
  let at = 2;
  if (metaBytes > 0) {
    out.writeUInt32BE(metaBytes, at);
    at += 4;
    at += out.write(metadataJson, at, 'utf8');
  }
  if (tag) at += tag.copy(out, at);
  out.set(value, at);
  return out;
}

/**
 * The entry (with `prefetched` as given, so the backend hands it on as it is), or undefined when
 * the bytes are not a valid envelope, or fail or lack the signature.
 */
export function decodeEntry(key: string, stored: Buffer, signer: EntrySigner | undefined, prefetched = false): DecodedEntry | undefined {
  if (stored.length < 2 || stored[0] !== MAGIC) return undefined;
  const flags = stored[1]!;
  if (flags > (HAS_METADATA | SIGNED)) return undefined;
  let at = 2;
  let metadataJson = '';
  if (flags & HAS_METADATA) {
    if (stored.length < at + 4) return undefined;
    const length = stored.readUInt32BE(at);
    at += 4;
    if (stored.length < at + length) return undefined;
    metadataJson = stored.toString('utf8', at, at + length);
    at += length;
  }
  const signed = (flags & SIGNED) !== 0;
  // A signing reader accepts only signed entries; a reader without the secret cannot check a
  // signature and rejects signed ones rather than trust them.
  if (signed !== (signer !== undefined)) return undefined;
  let tag: Buffer | undefined;
  if (signed) {
    if (stored.length < at + TAG_BYTES) return undefined;
    tag = stored.subarray(at, at + TAG_BYTES);
    at += TAG_BYTES;
  }
  const value = stored.subarray(at);
  if (signer && !signer.verify(key, metadataJson, value, tag!)) return undefined;
  if (metadataJson === '') return { value, prefetched };
  let metadata: unknown;
  try {
    metadata = JSON.parse(metadataJson);
  } catch {
    return undefined;
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return undefined;
  return { value, prefetched, metadata: metadata as Record<string, unknown> };
}
