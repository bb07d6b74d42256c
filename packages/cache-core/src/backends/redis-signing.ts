/**
 * Optional HMAC-SHA256 signing of Redis entries. The tag covers the cache key, the metadata and
 * the value, so a value copied to another key, or tampered bytes or metadata, are rejected
 * before the manager's decoder ever sees them (the `v8` format must not deserialize untrusted
 * input).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TAG_BYTES = 32;
/**
 * v2: key and metadata are length-prefixed. v1 separated them with NUL bytes, which a key may
 * contain: ("a\0{}", no metadata, value v) and ("a", metadata {}, value 0x00 + v) had one tag,
 * so an entry could be moved to another key with a valid signature. Entries signed by v1 are
 * rejected (a miss) and replaced by the next set.
 */
const DOMAIN = Buffer.from('cachelab-redis-entry-v2\0', 'utf8');

export class EntrySigner {
  constructor(private readonly secret: Uint8Array) {}

  tag(key: string, metadata: string, value: Uint8Array): Buffer {
    const lengths = Buffer.allocUnsafe(8);
    lengths.writeUInt32BE(Buffer.byteLength(key, 'utf8'), 0);
    lengths.writeUInt32BE(Buffer.byteLength(metadata, 'utf8'), 4);
    return createHmac('sha256', this.secret)
      .update(DOMAIN)
      .update(lengths)
      .update(key, 'utf8')
      .update(metadata, 'utf8')
      .update(value)
      .digest();
  }

  /** True when `tag` is the tag of this key, metadata and value (constant-time comparison). */
  verify(key: string, metadata: string, value: Uint8Array, tag: Uint8Array): boolean {
    return tag.length === TAG_BYTES && timingSafeEqual(this.tag(key, metadata, value), tag);
  }
}
