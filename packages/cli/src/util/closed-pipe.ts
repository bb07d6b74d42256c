/**
 * `cachelab … | head`: when the reader closes the pipe early, Node emits EPIPE on stdout, and
 * without a listener that is an uncaught exception with a stack trace. The reader being done is
 * not a failure, so the process stops quietly instead.
 */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
