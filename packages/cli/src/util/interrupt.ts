/**
 * Ctrl-C handling. The first SIGINT aborts `interruptSignal()`: long commands stop handing out
 * work, stop the work in progress (a cell without summary.json counts as not done and runs again
 * next time) and keep every finished result. A second SIGINT exits at once.
 */
import { CachelabError } from '@cachelab/cache-core';

export class InterruptedError extends CachelabError {
  constructor(what: string) {
    super('INTERRUPTED', `interrupted: ${what}`);
  }
}

let controller = new AbortController();
let installed = false;

export function interruptSignal(): AbortSignal {
  return controller.signal;
}

/** Installs the SIGINT handler (the CLI entry point does this; tests drive `interrupt()` instead). */
export function installInterruptHandler(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => {
    if (controller.signal.aborted) {
      process.stderr.write('cachelab: interrupted twice, exiting now\n');
      process.exit(130);
    }
    process.stderr.write('\ncachelab: stopping; finished results are kept (Ctrl-C again to quit now)\n');
    controller.abort();
  });
}

/** Aborts the current signal (what SIGINT does). */
export function interrupt(): void {
  controller.abort();
}

/** A fresh signal, for tests that run several commands in one process. */
export function resetInterrupt(): void {
  controller = new AbortController();
}
