/**
 * Stable hashing: a canonical JSON form (object keys sorted) so that the same configuration
 * always hashes the same, whatever order its fields were written in; SHA-256 of files, streamed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { canonicalJson, sha256Hex } from '@cachelab/cache-core';

export { canonicalJson, sha256Hex };

/** First 12 hex digits of the SHA-256 of the canonical JSON: names a configuration's run folder. */
export function configHash(value: unknown): string {
  return sha256Hex(canonicalJson(value)).slice(0, 12);
}

/** SHA-256 of a file's bytes, streamed (traces can be large). */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
