/** SHA-256 as lowercase hex: cache keys, checksums of files and checkpoints across the packages. */
import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
