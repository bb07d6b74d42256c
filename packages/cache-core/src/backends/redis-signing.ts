/**
 * Optional HMAC-SHA256 signing of Redis entries. The tag covers the cache key, the metadata and
 * the value, so a value copied to another key, or a tampered value or metadata, is rejected
 * before the manager's decoder ever sees its bytes (the `v8` format must not deserialize
 * untrusted input). Stored layout: 32-byte tag ‖ value bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TAG_BYTES = 32;
const DOMAIN = Buffer.from('cachelab-redis-entry-v1\0', 'utf8');
const SEPARATOR = Buffer.from([0]);

export class EntrySigner {
  constructor(private readonly secret: Uint8Array) {}

  private tag(key: string, metadata: string, value: Uint8Array): Buffer {
    return createHmac('sha256', this.secret)
      .update(DOMAIN)
      .update(key, 'utf8')
      .update(SEPARATOR)
      .update(metadata, 'utf8')
      .update(SEPARATOR)
      .update(value)
      .digest();
  }

  /** The bytes to store: tag followed by the value. */
  sign(key: string, metadata: string, value: Uint8Array): Buffer {
    return Buffer.concat([this.tag(key, metadata, value), value]);
  }

  /** The value when the tag matches, undefined when the stored bytes are unsigned or tampered. */
  verify(key: string, metadata: string, stored: Buffer): Buffer | undefined {
    if (stored.length < TAG_BYTES) return undefined;
    const value = stored.subarray(TAG_BYTES);
    const expected = this.tag(key, metadata, value);
    return timingSafeEqual(expected, stored.subarray(0, TAG_BYTES)) ? value : undefined;
  }
}
