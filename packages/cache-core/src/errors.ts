/**
 * Base class of every error cachelab throws on purpose. `code` is stable and machine-readable;
 * the message says what was wrong and what to do about it.
 */
export class CachelabError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration or option value is invalid. `field` names it (e.g. `compressionLevel`). */
export class ConfigError extends CachelabError {
  constructor(
    readonly field: string,
    /** What is wrong with the field, without its name (to re-raise it under another field name). */
    readonly detail: string,
  ) {
    super('CONFIG', `${field}: ${detail}`);
  }
}
