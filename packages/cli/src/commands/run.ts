/** `cachelab run EXPERIMENT`: runs every cell of an experiment file, resumably, on all cores. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadExperiment } from '../experiment/load.js';
import { assertRunFinished, describeRun } from '../experiment/outcome.js';
import { runExperiment } from '../experiment/runner.js';
import { interruptSignal } from '../util/interrupt.js';
import { printJson } from '../util/json.js';
import { commandLine, parseNonNegativeInt, parsePositiveInt } from '../util/options.js';

interface RunCommandOptions {
  runs: string;
  workers?: number;
  seed?: number;
  json?: boolean;
  quiet?: boolean;
}

const RUNS_DEFAULT = 'runs';

export function register(program: Command): void {
  program
    .command('run')
    .description('run an experiment: every trace × size × policy × seed cell, skipping cells already complete')
    .argument('<experiment>', 'experiment file (.json, .yaml, .ts); the extension may be left out')
    .option('--runs <dir>', 'folder for results: <dir>/<name>/<config-hash>/<cell>/', RUNS_DEFAULT)
    .option('--workers <n>', 'parallel worker processes (default: all cores; 1 = in this process)', parsePositiveInt('--workers'))
    .option('--seed <n>', 'run only this seed instead of the experiment\'s seeds (a different configuration hash)', parseNonNegativeInt('--seed'))
    .option('--json', 'print the run result as JSON')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Examples:
  cachelab run experiments/compare-web07           # writes runs/compare-web07/<hash>/...
  cachelab run experiments/compare-shared --workers 2
  cachelab run experiments/compare-web07 --seed 3 --json

Each cell folder holds config.json, manifest.json (git commit, versions, trace SHA-256, timings),
metrics.jsonl and summary.json (deterministic: same experiment and seed, same bytes).
Ctrl-C stops cleanly; finished cells are kept and the next run resumes.`,
    )
    .action(async (file: string, options: RunCommandOptions) => {
      const loaded = await loadExperiment(file);
      const experiment = options.seed === undefined ? loaded.experiment : { ...loaded.experiment, seeds: [options.seed] };
      // What names this run's folder: the same flags resume it (without them a rerun starts another).
      const args = ['run'];
      if (options.seed !== undefined) args.push('--seed', String(options.seed));
      if (options.runs !== RUNS_DEFAULT) args.push('--runs', options.runs);
      args.push(file);
      const result = await runExperiment(loaded.name, experiment, {
        runsDir: resolve(options.runs),
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        quiet: options.quiet ?? false,
        signal: interruptSignal(),
        command: commandLine(args),
      });
      if (options.json) printJson(result);
      else {
        process.stdout.write(`${describeRun(result)}\n`);
        if (result.failed.length === 0 && !result.interrupted) process.stdout.write(`next: cachelab report ${result.runDir} --out reports/${result.name}\n`);
      }
      assertRunFinished(result, commandLine(args));
    });
}
