#!/usr/bin/env node
/**
 * `cachelab` entry point. Exit codes: 0 success, 1 failure (one line saying what to do),
 * 2 usage error (commander's own).
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportFailure } from './util/cli-error.js';

export function buildProgram(): Command {
  const program = new Command('cachelab')
    .description('Replay cache traces, compare eviction and prefetch policies, train DQN cache agents, write reports.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit with code 0 through exitOverride
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportFailure(error);
  }
}

// Run when executed directly (tsx packages/cli/src/main.ts, or bin/cachelab.js).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
