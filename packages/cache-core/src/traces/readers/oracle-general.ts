/**
 * libCacheSim's oracleGeneral binary format: packed little-endian 24-byte records
 * `uint32 time, uint64 obj_id, uint32 obj_size, int64 next_access_vtime`. next_access_vtime is
 * the 1-based position of the object's next request or -1; it becomes the 0-based nextAccess.
 */
import { open } from 'node:fs/promises';
import { TraceFormatError } from '../errors.js';
import { BatchBuilder } from '../batch-builder.js';
import { NO_NEXT_ACCESS, type RequestBatch } from '../request.js';
import type { ReaderContext } from './context.js';

export const ORACLE_GENERAL_RECORD_BYTES = 24;
const TWO_32 = 4294967296;
/** Ids with a high word below this are exact doubles (< 2^53). */
const SAFE_HIGH = 0x200000;

export async function* readOracleGeneral(ctx: ReaderContext): AsyncGenerator<RequestBatch> {
  const file = await open(ctx.path, 'r');
  try {
    const builder = new BatchBuilder(ctx.batchSize, ctx.limit);
    const buffer = Buffer.allocUnsafeSlow(ctx.batchSize * ORACLE_GENERAL_RECORD_BYTES);
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let position = 0; // byte offset of buffer[0] in the file
    let record = 0; // 0-based index of the next record in the file
    for (;;) {
      const bytes = await readFully(file, buffer, position);
      const whole = bytes - (bytes % ORACLE_GENERAL_RECORD_BYTES);
      for (let at = 0; at < whole; at += ORACLE_GENERAL_RECORD_BYTES, record++) {
        const time = view.getUint32(at, true);
        const idLow = view.getUint32(at + 4, true);
        const idHigh = view.getUint32(at + 8, true);
        const size = view.getUint32(at + 12, true);
        const nextLow = view.getUint32(at + 16, true);
        const nextHigh = view.getInt32(at + 20, true);
        const next = nextHigh * TWO_32 + nextLow;
        let nextAccess: number;
        if (next === -1) nextAccess = NO_NEXT_ACCESS;
        else if (next > record + 1) nextAccess = next - 1;
        else {
          ctx.invalid({ byte: position + at }, `record ${record + 1}: next_access_vtime ${next} is neither -1 nor a position after this record`);
          continue;
        }
        const key =
          idHigh < SAFE_HIGH
            ? ctx.keys.internNumber(idHigh * TWO_32 + idLow)
            : ctx.keys.internString(((BigInt(idHigh) << 32n) | BigInt(idLow)).toString());
        builder.push(time, key, size, -1, -1, nextAccess);
        if (builder.full) {
          yield builder.batch;
          builder.reset();
        }
      }
      if (bytes < buffer.length) {
        if (whole !== bytes) {
          const offset = position + whole;
          ctx.invalid(
            { byte: offset },
            `truncated record: ${bytes - whole} trailing bytes, but oracleGeneral records are ${ORACLE_GENERAL_RECORD_BYTES} bytes (is the file cut short, or not oracleGeneral?)`,
          );
        }
        break;
      }
      position += bytes;
    }
    if (builder.batch.length > 0) yield builder.batch;
  } finally {
    await file.close();
  }
}

/** Reads until the buffer is full or the file ends; returns the bytes read. */
async function readFully(file: import('node:fs/promises').FileHandle, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
