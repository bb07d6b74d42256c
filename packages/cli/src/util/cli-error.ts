/**
 * Turns any thrown error into the CLI's one-line failure message on stderr, exit code 1.
 * Typed cachelab errors already say what to do; anything else is shown with its message and,
 * with CACHELAB_DEBUG=1, its stack.
 */
import { CachelabError } from '@cachelab/cache-core';

/** Thrown by commands for a bad option value: the message names the option and what is accepted. */
export class CliUsageError extends CachelabError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export function reportFailure(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`cachelab: ${message}\n`);
  if (process.env.CACHELAB_DEBUG === '1' && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  return 1;
}
