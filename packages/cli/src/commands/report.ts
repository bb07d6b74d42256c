/** `cachelab report RUN --out DIR`: index.html (inline SVG charts) and summary.md from a run's files. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { buildReportModel } from '../report/model.js';
import { loadRun } from '../report/load-run.js';
import { writeReport } from '../report/render.js';
import { printJson } from '../util/json.js';

interface ReportCommandOptions {
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write a comparison report (self-contained index.html with charts, and summary.md) from a run folder')
    .argument('<run>', 'runs/NAME (its most recent configuration) or runs/NAME/<config-hash>')
    .option('--out <dir>', 'output folder (default: reports/NAME)')
    .option('--json', 'print the written file paths as JSON')
    .option('--quiet', 'print nothing on success')
    .addHelpText(
      'after',
      `
Examples:
  cachelab run experiments/compare-web07 && cachelab report runs/compare-web07 --out reports/web07
  cachelab report runs/compare-shared/3f2a9c1b7d20

Every number comes from the run's summary.json and metrics.jsonl files; each table names the
command and run folder that produced it. Opening index.html needs no network.`,
    )
    .action(async (path: string, options: ReportCommandOptions) => {
      const run = loadRun(path);
      const outDir = resolve(options.out ?? `reports/${run.name}`);
      const written = await writeReport(buildReportModel(run), outDir);
      if (options.json) printJson({ run: run.runDir, ...written });
      else if (!options.quiet) process.stdout.write(`report written: open ${written.html}\n(also ${written.markdown})\n`);
    });
}
