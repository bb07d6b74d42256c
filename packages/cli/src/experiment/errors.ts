import { CachelabError } from '@cachelab/cache-core';

/** A cell asks for something this build cannot run (a package that does not export the API yet). */
export class UnsupportedCellError extends CachelabError {
  constructor(cellId: string, what: string) {
    super('UNSUPPORTED_CELL', `cell ${cellId}: ${what}`);
  }
}

/** One or more cells failed; the others finished and were kept. */
export class CellsFailedError extends CachelabError {
  constructor(
    readonly failures: readonly { id: string; message: string }[],
    runDir: string,
  ) {
    const first = failures[0];
    super(
      'CELLS_FAILED',
      `${failures.length} cell(s) failed, finished cells are kept in ${runDir}; first: ${first?.id}: ${first?.message}`,
    );
  }
}
