/** `cachelab report RUN --out DIR`: index.html (inline SVG charts) and summary.md from a run's files. */
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildReportModel, sourceLine } from '../report/model.js';
import { loadRun, runConfigurations } from '../report/load-run.js';
import { writeReport } from '../report/render.js';
import { buildScoreboard, type Scoreboard, type ScoreboardOptions } from '../report/scoreboard.js';
import { scoreboardSection } from '../report/scoreboard-section.js';
import { CliUsageError } from '../util/cli-error.js';
import { printJson, writeJsonFile } from '../util/json.js';
import { commandLine, parseIntInRange, parseList, parseNonNegativeInt } from '../util/options.js';

/** commander's parsed flags: the scoreboard's options (its candidate optional) and the output ones. */
interface ReportCommandOptions extends Omit<ScoreboardOptions, 'candidate'> {
  candidate?: string;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

const DEFAULTS = { baseline: 'lru', confidence: 0.95, resamples: 2000, seed: 1 };

function parseConfidence(value: string): number {
  const level = Number(value);
  if (value.trim() === '' || !(level > 0 && level < 1)) throw new CliUsageError(`--confidence must be a level in (0, 1) such as 0.95, got "${value}"`);
  return level;
}

/** The flags that shape the scoreboard, as a command line a reader can run again. */
function scoreboardCommand(path: string, o: ReportCommandOptions): string {
  const args = ['report', path, '--candidate', o.candidate!, '--baseline', o.baseline];
  if (o.bestOf.length > 0) args.push('--best-of', o.bestOf.join(','));
  if (o.traces) args.push('--traces', o.traces.join(','));
  args.push('--confidence', String(o.confidence), '--resamples', String(o.resamples), '--seed', String(o.seed));
  return commandLine(args);
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write a comparison report (self-contained index.html with charts, and summary.md) from a run folder')
    .argument('<run>', 'runs/NAME (its most recent configuration) or runs/NAME/<config-hash>')
    .option('--out <dir>', 'output folder (default: reports/NAME)')
    .option('--candidate <label>', 'add a scoreboard: this policy (its label in the experiment) against --baseline and --best-of in every cell, with confidence intervals; also written as scoreboard.json')
    .option('--baseline <label>', 'scoreboard: the policy the candidate must beat in every cell', DEFAULTS.baseline)
    .option('--best-of <labels>', 'scoreboard: comma-separated policies; the candidate also meets whichever of them missed least at each cell', parseList, [])
    .option('--traces <names>', 'scoreboard: only these traces (comma-separated experiment trace names)', parseList)
    .option('--confidence <level>', 'scoreboard: confidence level of the intervals', parseConfidence, DEFAULTS.confidence)
    .option('--resamples <n>', 'scoreboard: bootstrap resamples per comparison', parseIntInRange('--resamples', 100, 1_000_000, ' (fewer put the interval on a handful of extreme resamples; more only cost time and memory)'), DEFAULTS.resamples)
    .option('--seed <n>', 'scoreboard: seed of the bootstrap', parseNonNegativeInt('--seed'), DEFAULTS.seed)
    .option('--json', 'print the written file paths (and the scoreboard\'s per-seed tally) as JSON')
    .option('--quiet', 'print nothing on success')
    .addHelpText(
      'after',
      `
Examples:
  cachelab run experiments/compare-web07 && cachelab report runs/compare-web07 --out reports/web07
  cachelab report runs/compare-shared/3f2a9c1b7d20
  cachelab report runs/dqn-select-rc1-mix --candidate dqn-select --best-of arc,s3fifo,sieve,wtinylfu

Every number comes from the run's summary.json and metrics.jsonl files; each table names the
command and run folder that produced it. Opening index.html needs no network.
The scoreboard's intervals come from a circular block bootstrap over each replay's metric windows
(paired: candidate minus the other policy, window by window), read at t-expanded percentiles so that
a 95 % interval from 20 windows covers about 95 % of the time.`,
    )
    .action(async (path: string, options: ReportCommandOptions, command: Command) => {
      // Typed on the command line counts, also at its default value (`--baseline lru` without
      // --candidate would otherwise write a report with no scoreboard and say nothing).
      const scoreboardFlags =
        options.bestOf.length > 0 ||
        options.traces !== undefined ||
        (Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]).some((flag) => options[flag] !== DEFAULTS[flag] || command.getOptionValueSource(flag) === 'cli');
      if (!options.candidate && scoreboardFlags) {
        throw new CliUsageError('--baseline, --best-of, --traces, --confidence, --resamples and --seed shape the scoreboard; name the policy it is for with --candidate LABEL');
      }
      const configurations = runConfigurations(path);
      if (configurations.length > 1) {
        // Each setting or --seed of an experiment has its own folder; say which one this report is.
        process.stderr.write(
          `${path} holds ${configurations.length} run configurations; reporting the newest, ${basename(configurations[0]!)} (others: ${configurations.slice(1).map((c) => basename(c)).join(', ')}); name a folder (${join(path, basename(configurations[1]!))}) to report another\n`,
        );
      }
      const run = loadRun(path);
      const outDir = resolve(options.out ?? `reports/${run.name}`);
      let board: Scoreboard | null = null;
      if (options.candidate) {
        const { baseline, bestOf, traces, confidence, resamples, seed } = options;
        board = buildScoreboard(run, { candidate: options.candidate, baseline, bestOf, ...(traces ? { traces } : {}), confidence, resamples, seed });
      }
      const leading = board ? [scoreboardSection(board, sourceLine(run), scoreboardCommand(path, options))] : [];
      const written = await writeReport(buildReportModel(run, leading), outDir);
      const scoreboardFile = board ? join(outDir, 'scoreboard.json') : null;
      if (board) writeJsonFile(scoreboardFile!, board);
      if (options.json) printJson({ run: run.runDir, ...written, ...(board ? { scoreboard: scoreboardFile, seeds: board.seeds } : {}) });
      else if (!options.quiet) {
        process.stdout.write(`report written: open ${written.html}\n(also ${written.markdown}${scoreboardFile ? ` and ${scoreboardFile}` : ''})\n`);
        if (board) for (const s of board.seeds) process.stdout.write(`seed ${s.seed}: beats ${board.options.baseline} in ${s.baseline.wins}/${s.cells} cells${board.options.bestOf.length > 0 ? `, the best of ${board.options.bestOf.join('/')} in ${s.best.wins}/${s.best.cells}` : ''}\n`);
        if (board) for (const line of board.skipped) process.stdout.write(`left out: ${line}\n`);
        if (board) for (const line of board.unchecked ?? []) process.stdout.write(`model not checked: ${line}\n`);
      }
    });
}
