/**
 * Loads each trace once per process (a worker runs many cells on the same trace) and derives
 * what cell sizes are relative to: distinct objects and distinct bytes.
 */
import { existsSync, statSync } from 'node:fs';
import { CachelabError, TraceFileError, type RequestBatch, distinctBytes, withNextAccess } from '@cachelab/cache-core';
import { type TraceRef, traceReadOptionsOf, tracePath } from './cells.js';
import { loadTraceNoting } from '../util/load-trace.js';

export interface LoadedTrace {
  batch: RequestBatch;
  /** Distinct keys (key ids are 0 .. keyCount-1). */
  keyCount: number;
  /** Sum over distinct keys of the size first seen: the working set in bytes. */
  distinctBytes: number;
  /** Whether the trace has object sizes (txt and CSV without a size column do not): byte sizes need them. */
  hasSizes: boolean;
}

export class TraceMissingError extends CachelabError {
  constructor(trace: TraceRef, absolute: string) {
    const hint = trace.path.includes('shared/')
      ? 'this experiment needs the shared research traces next to the repository (../shared/traces); they are not part of a clone'
      : 'check the path in the experiment (relative paths are relative to the repository root)';
    super('TRACE_MISSING', `trace "${trace.name}" not found at ${absolute}: ${hint}`);
  }
}

const cache = new Map<string, Promise<LoadedTrace>>();

/** The trace's absolute path; a missing path or a folder is an error naming it (hashing a folder fails with a bare EISDIR). */
export function assertTraceExists(trace: TraceRef): string {
  const absolute = tracePath(trace);
  if (!existsSync(absolute)) throw new TraceMissingError(trace, absolute);
  if (statSync(absolute).isDirectory()) throw new TraceFileError(absolute, `is a directory; trace "${trace.name}" must name a trace file`);
  return absolute;
}

/**
 * `sha256` (the run's checksum of the file) is part of the cache key: a file rewritten in place
 * between two runs in one process is read again, not served from the earlier read.
 */
export function getTrace(trace: TraceRef, sha256: string | null = null): Promise<LoadedTrace> {
  const absolute = assertTraceExists(trace);
  const key = JSON.stringify([absolute, sha256, trace.format, trace.limit, trace.csv, trace.header, trace.delimiter, trace.logSession]);
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = load(absolute, trace);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
  }
  return loaded;
}

async function load(absolute: string, trace: TraceRef): Promise<LoadedTrace> {
  const options = traceReadOptionsOf(trace);
  // Next-access positions let oracle policies (Belady) run on every format.
  const { batch, keyCount, hasSizes } = withNextAccess(await loadTraceNoting(absolute, options));
  return { batch, keyCount, distinctBytes: distinctBytes(batch, keyCount), hasSizes };
}
