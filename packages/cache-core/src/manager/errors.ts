/** Typed errors of the CacheManager. Each message says what was wrong and what to do. */
import { CachelabError } from '../errors.js';

/** A value the configured serialization format cannot represent (set refuses it). */
export class SerializationError extends CachelabError {
  constructor(
    readonly key: string,
    readonly format: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'SERIALIZATION',
      `cannot cache "${key}": ${reason} (serializationFormat "${format}"); ` +
        (format === 'json'
          ? 'convert it to plain JSON data, or use serializationFormat "v8"'
          : 'store plain data (objects, arrays, Map, Set, Date, BigInt, typed arrays) instead'),
      options,
    );
  }
}

/** An argument of a CacheManager method is out of its domain (e.g. a negative count). */
export class InvalidArgumentError extends CachelabError {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super('INVALID_ARGUMENT', `${argument}: ${message}`);
  }
}

/** The backend module for `backendType` could not be loaded. */
export class BackendUnavailableError extends CachelabError {
  constructor(backendType: string, reason: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', `backendType "${backendType}" is not available: ${reason}`, options);
  }
}

/** A prefetch fetch took longer than `prefetchTimeout`; its result, if it comes, is not stored. */
export class PrefetchTimeoutError extends CachelabError {
  constructor(
    readonly key: string,
    readonly timeoutSeconds: number,
  ) {
    super('PREFETCH_TIMEOUT', `the fetch of "${key}" took longer than prefetchTimeout (${timeoutSeconds} s); raise prefetchTimeout, or set it to 0 for no limit`);
  }
}
