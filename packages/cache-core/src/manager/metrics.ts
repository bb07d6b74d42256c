/**
 * The manager's counters and the `CacheMetrics` snapshot returned by `getMetrics()`: every key of
 * the spec's metrics dictionary (camelCased) plus evictions, expirations, utilization and error
 * counters. Counters only grow; `hitRate`-style ratios are 0 when their denominator is 0.
 */
import type { BackendStats } from '../backends/backend.js';
import type { CodecStats } from './codec.js';

export interface CacheMetrics {
  /** Reads that returned a cached value (get, getOrSet, getEntry). */
  hits: number;
  /** Reads that found nothing usable: absent, expired, corrupt, backend error or no-cache mode. */
  misses: number;
  /** Values stored (set, getOrSet on a miss, prefetch worker). */
  sets: number;
  /** `delete` calls that removed an entry. */
  deletes: number;
  /** hits / (hits + misses). */
  hitRate: number;
  /** Live entries in the backend. */
  currentEntries: number;
  /** Encoded bytes held by the backend (marker + payload; keys and metadata excluded). */
  currentSizeBytes: number;
  /** Total time spent serializing / deserializing / deflating / inflating, in ms. */
  serializationTimeMs: number;
  deserializationTimeMs: number;
  compressionTimeMs: number;
  decompressionTimeMs: number;
  /** Compressed bytes / serialized bytes over the values stored compressed (0.35 = 65% saved); 0 if none. */
  compressionRatio: number;
  /** Values stored compressed. */
  compressionCount: number;
  /** Prefetches accepted into the queue (new keys; merged duplicates are not counted again). */
  prefetchRequests: number;
  /** Prefetched entries that were later read (each counted once). */
  prefetchHits: number;
  /** prefetchHits / prefetchRequests. */
  prefetchHitRate: number;
  /** get / getEntry / set / delete / getOrSet calls, including those answered in no-cache mode. */
  cacheOperations: number;
  /** Values refused because the format cannot represent them. */
  serializationErrors: number;
  /** zlib failures: deflate failed (value stored plain) or a stored entry failed to inflate. */
  compressionErrors: number;
  /** Prefetches waiting in the queue now. */
  prefetchQueueSize: number;
  /** Entries removed for capacity, by evictLru or by evictLowProbability. */
  evictions: number;
  /** Entries removed because their TTL passed. */
  expirations: number;
  /** Fraction of the backend's capacity in use: max(bytes / maxBytes, entries / maxEntries); 0 without limits. */
  utilization: number;
  /** Stored entries that could not be decoded (unknown marker, bad zlib, bad payload): each a miss, logged, deleted. */
  decodeErrors: number;
  /** Entries refused because their encoded size exceeds maxEntrySize. */
  oversizedEntries: number;
  /** Sets the backend refused (e.g. a value larger than its whole capacity) or that failed in it. */
  rejectedSets: number;
  /** Backend operations that failed (the manager's own try/catch plus the backend's reported count). */
  backendErrors: number;
  /**
   * Prefetched entries removed (evicted, expired, deleted, overwritten) before any read, plus
   * those whose first read found them corrupt (a miss, so the prefetch bought nothing).
   */
  wastedPrefetches: number;
  /** Queued prefetches dropped because the queue was full and they had the lowest priority. */
  prefetchDropped: number;
  /** Prefetches whose fetcher threw, passed `prefetchTimeout`, or whose data could not be stored. */
  prefetchFailures: number;
  /** Prefetches fetched and stored by the worker. */
  prefetchesStored: number;
  /**
   * Prefetches the worker did not fetch because their key was already cached when it took them
   * (only with a backend that has `has`; the built-in ones do). Refetching would overwrite a
   * fresh entry and mark it prefetched, so its next hit would be credited to the prefetch.
   */
  prefetchesSkipped: number;
  /** getOrSet and prefetch results not stored because the key was set or deleted while they were produced. */
  staleResultsDropped: number;
}

/** Counters the manager increments directly (the rest come from the codec and the backend). */
export class ManagerCounters {
  hits = 0;
  misses = 0;
  sets = 0;
  deletes = 0;
  cacheOperations = 0;
  serializationErrors = 0;
  decodeErrors = 0;
  oversizedEntries = 0;
  rejectedSets = 0;
  backendErrors = 0;
  prefetchRequests = 0;
  prefetchHits = 0;
  prefetchDropped = 0;
  prefetchFailures = 0;
  prefetchesStored = 0;
  prefetchesSkipped = 0;
  /** Prefetched entries found corrupt on their first read (the backend counts the other wasted ones). */
  corruptPrefetches = 0;
  staleResultsDropped = 0;
  /** Values stored compressed, and their serialized / compressed bytes (refused values excluded). */
  compressionCount = 0;
  compressedInputBytes = 0;
  compressedOutputBytes = 0;

  storedCompressed(serializedBytes: number, compressedBytes: number): void {
    this.compressionCount++;
    this.compressedInputBytes += serializedBytes;
    this.compressedOutputBytes += compressedBytes;
  }
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export function buildMetrics(counters: ManagerCounters, codec: CodecStats, backend: BackendStats | undefined, prefetchQueueSize: number): CacheMetrics {
  const entries = backend?.entries ?? 0;
  const bytes = backend?.sizeBytes ?? 0;
  const maxEntries = backend?.maxEntries;
  const maxBytes = backend?.maxBytes;
  const utilization = Math.max(
    maxBytes !== undefined && Number.isFinite(maxBytes) && maxBytes > 0 ? bytes / maxBytes : 0,
    maxEntries !== undefined && Number.isFinite(maxEntries) && maxEntries > 0 ? entries / maxEntries : 0,
  );
  return {
    hits: counters.hits,
    misses: counters.misses,
    sets: counters.sets,
    deletes: counters.deletes,
    hitRate: ratio(counters.hits, counters.hits + counters.misses),
    currentEntries: entries,
    currentSizeBytes: bytes,
    serializationTimeMs: codec.serializationTimeMs,
    deserializationTimeMs: codec.deserializationTimeMs,
    compressionTimeMs: codec.compressionTimeMs,
    decompressionTimeMs: codec.decompressionTimeMs,
    // From the manager, not the codec: the codec also counts values it compressed that were then
    // refused (oversized, or by the backend).
    compressionRatio: ratio(counters.compressedOutputBytes, counters.compressedInputBytes),
    compressionCount: counters.compressionCount,
    prefetchRequests: counters.prefetchRequests,
    prefetchHits: counters.prefetchHits,
    prefetchHitRate: ratio(counters.prefetchHits, counters.prefetchRequests),
    cacheOperations: counters.cacheOperations,
    serializationErrors: counters.serializationErrors,
    compressionErrors: codec.compressionErrors,
    prefetchQueueSize,
    evictions: backend?.evictions ?? 0,
    expirations: backend?.expirations ?? 0,
    utilization,
    decodeErrors: counters.decodeErrors,
    oversizedEntries: counters.oversizedEntries,
    rejectedSets: counters.rejectedSets,
    backendErrors: counters.backendErrors + (backend?.backendErrors ?? 0),
    wastedPrefetches: (backend?.wastedPrefetches ?? 0) + counters.corruptPrefetches,
    prefetchDropped: counters.prefetchDropped,
    prefetchFailures: counters.prefetchFailures,
    prefetchesStored: counters.prefetchesStored,
    prefetchesSkipped: counters.prefetchesSkipped,
    staleResultsDropped: counters.staleResultsDropped,
  };
}
