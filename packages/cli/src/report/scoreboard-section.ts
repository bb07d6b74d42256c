/** The scoreboard as report tables: one row per cell, then one row per seed. */
import { formatRatio } from '../util/table.js';
import { type ReportBlock, type ReportSection, codeSpan, markdownText } from './model.js';
import type { Comparison, Scoreboard, Tally } from './scoreboard.js';

const signed = (n: number) => (n > 0 ? `+${n.toLocaleString('en-US')}` : n.toLocaleString('en-US'));

function differenceText(c: Comparison): string {
  const interval = c.low === null || c.high === null ? '' : ` [${signed(c.low)}, ${signed(c.high)}]`;
  return `${signed(c.difference)}${interval}`;
}

/** `win`, `loss` or `tie`; `(n.s.)` when the interval includes 0. */
export function verdictText(c: Comparison): string {
  if (c.verdict === 'tie') return 'tie';
  if (c.low === null) return `${c.verdict} (no interval)`;
  return c.significant ? c.verdict : `${c.verdict} (n.s.)`;
}

const tallyText = (t: Tally, cells: number) =>
  `${t.wins}/${cells} (${t.significantWins} sig.) · ${t.ties} tied · ${t.losses} lost (${t.significantLosses} sig.)`;

export function scoreboardSection(board: Scoreboard, source: string, reportCommand: string): ReportSection {
  const { candidate, baseline, bestOf, confidence, resamples, seed } = board.options;
  const setName = bestOf.length > 0 ? `the best of ${bestOf.join(', ')}` : null;
  // As given (0.9999 → 99.99 %), not rounded to another level; toPrecision drops float noise (99.99000000000001).
  const level = `${Number((confidence * 100).toPrecision(12))} %`;
  const blocks: ReportBlock[] = [
    {
      kind: 'text',
      text:
        `**${candidate}** against **${baseline}**${setName ? ` and ${setName} (whichever missed least at each cell)` : ''}, every cell of the run` +
        `${board.options.traces ? ` on ${board.options.traces.join(', ')}` : ''}. A difference is ${candidate}'s misses minus the other's ` +
        `(negative: ${candidate} missed less), with its ${level} interval from a circular block bootstrap over the replays' ` +
        `metric windows (expanded percentiles, ${resamples} resamples, seed ${seed}). **n.s.**: the interval includes 0, so the sign may not hold on ` +
        `another stretch of a similar trace. Computed by ${codeSpan(reportCommand)}.`,
    },
  ];
  const header = ['trace', 'size', 'seed', candidate, baseline, `Δ misses vs ${baseline}`, `vs ${baseline}`];
  if (setName) header.push('best of set', 'Δ misses vs best', 'vs best');
  blocks.push({
    kind: 'table',
    title: `Every cell: ${candidate}`,
    header,
    rows: board.cells.map((c) => {
      const row = [c.trace, `${c.size} (${c.capacity})`, String(c.seed), formatRatio(c.missRatio), formatRatio(c.baseline.missRatio), differenceText(c.baseline), verdictText(c.baseline)];
      if (setName) {
        row.push(c.best ? `${c.best.against} ${formatRatio(c.best.missRatio)}` : 'n/a', c.best ? differenceText(c.best) : '', c.best ? verdictText(c.best) : '');
      }
      return row;
    }),
    best: new Set(),
    source,
  });
  const tallyHeader = ['seed', 'cells', `vs ${baseline}: won · tied · lost`];
  if (setName) tallyHeader.push('vs best of set: won · tied · lost');
  tallyHeader.push(`mean ${candidate}`, `mean ${baseline}`);
  blocks.push({
    kind: 'table',
    title: `Per seed: ${candidate}`,
    header: tallyHeader,
    rows: board.seeds.map((s) => {
      const row = [String(s.seed), String(s.cells), tallyText(s.baseline, s.cells)];
      if (setName) row.push(tallyText(s.best, s.best.cells));
      row.push(formatRatio(s.meanMissRatio), formatRatio(s.baselineMeanMissRatio));
      return row;
    }),
    best: new Set(),
    source,
    note: 'sig.: the confidence interval of the difference excludes 0. Means are over the cells of this table (miss ratio, unweighted).',
  });
  if (board.skipped.length > 0) blocks.push({ kind: 'text', text: `Left out: ${board.skipped.join('; ')}.` });
  if (board.unchecked) blocks.push({ kind: 'text', text: `Model not checked (figures kept): ${board.unchecked.map(markdownText).join('; ')}.` });
  return { title: `Scoreboard: ${candidate}`, blocks };
}
