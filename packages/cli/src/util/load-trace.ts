/** loadTrace for the CLI: what the reader repaired is said on stderr, not only counted. */
import { loadTrace, type LoadedTrace, type TraceReadOptions } from '@cachelab/cache-core';

export async function loadTraceNoting(path: string, options: TraceReadOptions): Promise<LoadedTrace> {
  const trace = await loadTrace(path, options);
  if (trace.nextAccessRepaired > 0) {
    process.stderr.write(
      `note: ${path}: ${trace.nextAccessRepaired} of ${trace.batch.length} records have a next_access_vtime that does not point at their object's next request; Belady and other oracle policies use positions recomputed from the trace\n`,
    );
  }
  return trace;
}
