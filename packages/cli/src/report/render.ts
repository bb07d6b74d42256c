/**
 * Writes a report model as a self-contained index.html (inline SVG charts, inline CSS, no
 * scripts, nothing fetched) and a summary.md whose charts are the same SVGs under charts/.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/json.js';
import { formatMarkdownTable } from '../util/table.js';
import { renderSvg } from './charts.js';
import type { ReportModel, ReportTable } from './model.js';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The model's Markdown text as HTML: `**bold**`, code spans (a run of backticks to the next run of
 * as many, as in CommonMark) and backslash escapes. A code span's content is shown as written, so a
 * path or command line in one (`codeSpan`) never turns into bold or code of its own.
 */
function inlineHtml(text: string): string {
  const out: string[] = [];
  let plain = '';
  const flush = () => {
    out.push(escapeHtml(plain).replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>'));
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && /^[!-/:-@[-`{-~]$/.test(text[i + 1] ?? '')) {
      flush();
      out.push(escapeHtml(text[i + 1]!));
      i += 2;
      continue;
    }
    if (ch !== '`') {
      plain += ch;
      i++;
      continue;
    }
    const fence = /^`+/.exec(text.slice(i))![0];
    const close = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g');
    close.lastIndex = i + fence.length;
    const end = close.exec(text);
    if (!end) {
      plain += fence;
      i += fence.length;
      continue;
    }
    let content = text.slice(i + fence.length, end.index);
    if (content.startsWith(' ') && content.endsWith(' ') && content.trim() !== '') content = content.slice(1, -1);
    flush();
    out.push(`<code>${escapeHtml(content)}</code>`);
    i = end.index + fence.length;
  }
  flush();
  return out.join('');
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}h3{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}td.best{background:#e3f4e1;font-weight:600}.source,.note{color:#666;font-size:.85rem}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.4rem}code{background:#f4f4f4;padding:0 .2rem}`;

function tableHtml(table: ReportTable): string {
  const head = `<tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map(
      (row, r) =>
        `<tr>${row
          .map((cell, c) => (table.best.has(`${r},${c}`) ? `<td class="best">${escapeHtml(cell)} ★</td>` : `<td>${escapeHtml(cell)}</td>`))
          .join('')}</tr>`,
    )
    .join('\n');
  const note = table.note ? `<p class="note">${inlineHtml(table.note)}</p>` : '';
  return `<h3>${escapeHtml(table.title)}</h3>\n<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>\n${note}<p class="source">Source: ${inlineHtml(table.source)}</p>`;
}

function tableMarkdown(table: ReportTable): string {
  const rows = table.rows.map((row, r) => row.map((cell, c) => (table.best.has(`${r},${c}`) ? `**${cell}** ★` : cell)));
  const note = table.note ? `\n\n${table.note}` : '';
  return `### ${table.title}\n\n${formatMarkdownTable(table.header, rows)}${note}\n\nSource: ${table.source}`;
}

export interface WrittenReport {
  html: string;
  markdown: string;
  charts: string[];
}

export async function writeReport(model: ReportModel, outDir: string): Promise<WrittenReport> {
  const html: string[] = [
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(model.title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>`,
    `<h1>${escapeHtml(model.title)}</h1>`,
    ...model.intro.map((line) => `<p>${inlineHtml(line)}</p>`),
  ];
  const md: string[] = [`# ${model.title}`, ...model.intro];
  const charts: string[] = [];
  for (const section of model.sections) {
    html.push(`<section>\n<h2>${escapeHtml(section.title)}</h2>`);
    md.push(`## ${section.title}`);
    for (const block of section.blocks) {
      if (block.kind === 'text') {
        html.push(`<p>${inlineHtml(block.text)}</p>`);
        md.push(block.text);
      } else if (block.kind === 'table') {
        html.push(tableHtml(block));
        md.push(tableMarkdown(block));
      } else {
        const svg = await renderSvg(block.spec);
        const file = `charts/${block.id.replace(/[^A-Za-z0-9._-]/g, '_')}.svg`;
        writeFileAtomic(join(outDir, file), svg);
        charts.push(file);
        const note = block.note ? `<p class="note">${inlineHtml(block.note)}</p>\n` : '';
        html.push(`<figure class="chart" id="${escapeHtml(block.id)}">\n<figcaption>${escapeHtml(block.title)}</figcaption>\n${svg}\n${note}<p class="source">Source: ${inlineHtml(block.source)}</p>\n</figure>`);
        md.push(`### ${block.title}\n\n![${block.title}](${file})${block.note ? `\n\n${block.note}` : ''}`);
      }
    }
    html.push('</section>');
  }
  html.push('</body>\n</html>\n');
  const htmlFile = join(outDir, 'index.html');
  const mdFile = join(outDir, 'summary.md');
  writeFileAtomic(htmlFile, html.join('\n'));
  writeFileAtomic(mdFile, `${md.join('\n\n')}\n`);
  return { html: htmlFile, markdown: mdFile, charts };
}
