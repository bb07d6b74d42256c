/** Plain-text and Markdown tables for terminal output and summary.md. */

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Per column; default: first column left, the others right. */
  align?: readonly Align[];
}

function alignments(columns: number, options: TableOptions): Align[] {
  return Array.from({ length: columns }, (_, i) => options.align?.[i] ?? (i === 0 ? 'left' : 'right'));
}

/** Columns padded with spaces, a dashed rule under the header. */
export function formatTextTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const align = alignments(header.length, options);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (align[c] === 'left' ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function escapeMarkdown(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}

export function formatMarkdownTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const align = alignments(header.length, options);
  const rule = align.map((a) => (a === 'left' ? ':---' : '---:'));
  const line = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

/** A ratio as a fixed 4-decimal string (the precision of libCacheSim's reference tables). */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : 'n/a';
}
