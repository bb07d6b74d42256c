#!/usr/bin/env node
/**
 * `cachelab` entry point. Exit codes: 0 success; 1 failure, with one line saying what to do (a
 * bad file, a bad option value, an unknown policy with the list of known ones, an interrupted
 * run); 2 usage error found by commander (unknown command or option, missing argument).
 * Ctrl-C: long commands stop handing out work, keep finished results and exit with 1.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportFailure } from './util/cli-error.js';
import { versionLine } from './util/manifest.js';
import { exitQuietlyOnClosedPipe } from './util/closed-pipe.js';
import { installInterruptHandler } from './util/interrupt.js';

export function buildProgram(): Command {
  const program = new Command('cachelab')
    .description('Replay cache traces, compare eviction and prefetch policies, train DQN cache agents, write reports.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // Not commander's .version(string): that would ask git for the commit on every invocation.
  program.option('-V, --version', 'print the version and the git commit it runs from').on('option:version', () => {
    const line = versionLine();
    process.stdout.write(`${line}\n`);
    throw new CommanderError(0, 'commander.version', line);
  });
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
  installInterruptHandler();
  exitQuietlyOnClosedPipe();
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
