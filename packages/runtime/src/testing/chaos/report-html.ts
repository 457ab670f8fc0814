import type { ChaosReport, ScenarioReport } from './chaos-report.js';
import { persistentLine, tableCells } from './report-table.js';

/**
 * The report as one self-contained HTML file: inline SVG bar charts (success and escalation
 * rates, run latency p50/p95, recovery times) and the table; no script, no CDN.
 */
export function reportHtml(report: ChaosReport): string {
  const rows = report.scenarios;
  const charts = [
    barChart('Success rate by scenario (%)', rows, (r) => [r.successRate * 100], ['#2f855a'], 100),
    barChart('Escalation rate by scenario (%)', rows, (r) => [r.escalationRate * 100], ['#c05621'], 100),
    barChart('Run latency p50 / p95 (ms)', rows, (r) => [r.runLatency.p50, r.runLatency.p95], ['#3182ce', '#1a365d']),
    barChart('Recovery after kill p50 / max (ms)', rows, (r) => [r.recovery.p50 ?? 0, r.recovery.max ?? 0], [
      '#805ad5',
      '#44337a',
    ]),
  ];
  const status = report.passed
    ? '<p class="ok">PASSED</p>'
    : `<p class="bad">FAILED: ${esc(report.failures.join('; '))}</p>`;
  const approvals =
    report.options.approve.length === 0
      ? ''
      : `<p>The harness granted the approvals of ${esc(report.options.approve.join(', '))} (<code>--approve</code>) in ` +
        `${report.totals.harnessApproved} of ${report.totals.runs} runs; they count as escalated too.</p>\n`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil chaos report: ${esc(report.workflow)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#1a202c}h1{font-size:1.4rem}
.ok{color:#2f855a;font-weight:600}.bad{color:#c53030;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}
.table{overflow-x:auto}table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .5rem;text-align:right;border-bottom:1px solid #e2e8f0}td{white-space:nowrap}
th{vertical-align:bottom;font-size:.85rem}
th:first-child,td:first-child{text-align:left}thead th{background:#f7fafc}tfoot td{font-weight:600}
</style></head><body>
<h1>Vigil chaos report: ${esc(report.workflow)}</h1>
<p>Seed <code>${esc(report.seed)}</code> · ${report.totals.runs} runs · ${report.options.workers} workers ·
kills ${report.options.killWorkers ? 'on' : 'off'} · started ${esc(report.startedAt)} · ${(report.durationMs / 1000).toFixed(1)} s</p>
${status}
${approvals}${findings(report)}<div class="charts">${charts.join('\n')}</div>
<h2>Table</h2>
${table(report)}
</body></html>
`;
}

/** The terminal's table as an HTML table: every column shown, the totals row at its foot. */
function table(report: ChaosReport): string {
  const { header, rows } = tableCells(report);
  const row = (cells: string[], tag: 'th' | 'td'): string =>
    `<tr>${cells.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  const body = rows.slice(0, -1).map((r) => row(r, 'td'));
  const tool = report.options.faultTool;
  return (
    `<div class="table"><table>\n<thead>${row(header, 'th')}</thead>\n<tbody>${body.join('\n')}</tbody>\n` +
    `<tfoot>${row(rows.at(-1)!, 'td')}</tfoot>\n</table></div>\n` +
    (tool === undefined ? '' : `<p>${esc(persistentLine(tool))}</p>\n`)
  );
}

function findings(report: ChaosReport): string {
  if (report.findings.length === 0) return '';
  const items = report.findings.map((f) => `<li><code>${esc(f.code)}</code> ${esc(f.message)}</li>`).join('\n');
  return `<h2>Findings</h2>\n<p>What the figures do not show by themselves (they do not fail the verdict):</p>\n<ul>${items}</ul>\n`;
}

function barChart(
  title: string,
  rows: readonly ScenarioReport[],
  values: (r: ScenarioReport) => number[],
  colors: string[],
  fixedMax?: number,
): string {
  const width = 420;
  const rowHeight = 26;
  const label = 90;
  const height = rows.length * rowHeight + 10;
  const max = fixedMax ?? Math.max(1, ...rows.flatMap(values));
  const bars = rows
    .map((r, i) => {
      const vs = values(r);
      const band = (rowHeight - 6) / vs.length;
      const y = i * rowHeight + 5;
      const rects = vs
        .map((v, j) => {
          const w = Math.max(0, ((width - label - 60) * v) / max);
          return `<rect x="${label}" y="${(y + j * band).toFixed(1)}" width="${w.toFixed(1)}" height="${(band - 1).toFixed(1)}" fill="${colors[j % colors.length]}"><title>${esc(`${r.scenario}: ${v.toFixed(1)}`)}</title></rect>
<text x="${(label + w + 4).toFixed(1)}" y="${(y + j * band + band - 3).toFixed(1)}" font-size="11">${v.toFixed(v < 10 ? 1 : 0)}</text>`;
        })
        .join('');
      return `<text x="0" y="${y + rowHeight / 2 + 2}" font-size="12">${esc(r.scenario)}</text>${rects}`;
    })
    .join('\n');
  return `<figure><figcaption>${esc(title)}</figcaption><svg width="${width}" height="${height}" role="img" aria-label="${esc(title)}">${bars}</svg></figure>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
