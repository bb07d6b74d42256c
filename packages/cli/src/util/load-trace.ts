/** loadTrace for the CLI: what the reader repaired or could not read is said on stderr, not only counted. */
import { loadTrace, type LoadedTrace, type TraceReadOptions } from '@cachelab/cache-core';

export async function loadTraceNoting(path: string, options: TraceReadOptions): Promise<LoadedTrace> {
  const trace = await loadTrace(path, options);
  if (trace.nextAccessRepaired > 0) {
    process.stderr.write(
      `note: ${path}: ${trace.nextAccessRepaired} of ${trace.batch.length} records have a next_access_vtime that does not point at their object's next request; Belady and other oracle policies use positions recomputed from the trace\n`,
    );
  }
  notePartialRecords(path, trace);
  return trace;
}

/** Says how many records were kept without a field the reader could not read (a loaded trace or a finished TraceReader). */
export function notePartialRecords(path: string, read: { partial: number; partialExample: string | undefined }): void {
  if (read.partial === 0) return;
  process.stderr.write(
    `note: ${path}: ${read.partial} record${read.partial === 1 ? ' was' : 's were'} kept without fields that could not be read (${read.partial === 1 ? '' : 'first: '}${read.partialExample})\n`,
  );
}
