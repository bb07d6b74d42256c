/**
 * `cachelab validate`: runs the CacheManager validation checks (data types round-trip in both
 * formats, compression, prefetch queue and worker, eviction control, corrupt entries, hit rate on
 * a seeded skewed workload), prints each, and exits 1 when one fails.
 */
import { CachelabError, runValidation } from '@cachelab/cache-core';
import type { Command } from 'commander';
import { printJson } from '../util/json.js';
import { parseNonNegativeInt, parsePositiveInt } from '../util/options.js';

interface ValidateOptions {
  seed: number;
  requests: number;
  json?: boolean;
}

/** Some validation check failed; the message says which. */
export class ValidationFailedError extends CachelabError {
  constructor(failed: readonly string[], total: number) {
    super('VALIDATION_FAILED', `${failed.length} of ${total} validation checks failed: ${failed.join('; ')}`);
  }
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check the CacheManager end to end: round-trips, compression, prefetch, eviction, hit rate')
    .option('--seed <n>', 'seed of the skewed workload and the random bytes', parseNonNegativeInt('--seed'), 42)
    .option('--requests <n>', 'requests in the skewed workload', parsePositiveInt('--requests'), 20_000)
    .option('--json', 'print the checks as JSON')
    .option('--quiet', 'accepted for symmetry with the other commands (validate prints no progress)')
    .addHelpText('after', '\nExample:\n  cachelab validate --seed 7\n')
    .action(async (options: ValidateOptions) => {
      const checks = await runValidation({ seed: options.seed, requests: options.requests });
      if (options.json) printJson(checks);
      else {
        for (const check of checks) process.stdout.write(`${check.passed ? 'PASS' : 'FAIL'}  ${check.name}\n      ${check.detail}\n`);
        const passed = checks.filter((c) => c.passed).length;
        process.stdout.write(`${passed}/${checks.length} checks passed\n`);
      }
      const failed = checks.filter((c) => !c.passed).map((c) => c.name);
      if (failed.length > 0) throw new ValidationFailedError(failed, checks.length);
    });
}
