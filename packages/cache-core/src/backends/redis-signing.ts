/**
 * Optional HMAC-SHA256 signing of Redis entries. The tag covers the cache key, the metadata and
 * the value, so a value copied to another key, or tampered bytes or metadata, are rejected
 * before the manager's decoder ever sees them (the `v8` format must not deserialize untrusted
 * input).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TAG_BYTES = 32;
const DOMAIN = Buffer.from('cachelab-redis-entry-v1\0', 'utf8');
const SEPARATOR = Buffer.from([0]);

export class EntrySigner {
  constructor(private readonly secret: Uint8Array) {}

  tag(key: string, metadata: string, value: Uint8Array): Buffer {
    return createHmac('sha256', this.secret)
      .update(DOMAIN)
      .update(key, 'utf8')
      .update(SEPARATOR)
      .update(metadata, 'utf8')
      .update(SEPARATOR)
      .update(value)
      .digest();
  }

  /** True when `tag` is the tag of this key, metadata and value (constant-time comparison). */
  verify(key: string, metadata: string, value: Uint8Array, tag: Uint8Array): boolean {
    return tag.length === TAG_BYTES && timingSafeEqual(this.tag(key, metadata, value), tag);
  }
}
