import { formatUsd } from '../../cost/picodollars.js';
import { formatShare } from '../../kpi/format-measures.js';
import type { Amount, StatementJson } from './statement-json.js';
import { unallocatedGroup } from './statement-json.js';

/*
 * A statement as documents for finance: CSV (one row per line, exact decimal dollars, so a spreadsheet's sum
 * is the statement's total) and a self-contained printable HTML page (inline CSS, no script, no external asset).
 */

const csvHead = ['statement_id', 'mode', 'period', 'by', 'kind', 'group', 'adjusts_statement_id', 'adjusts_period', 'calls', 'direct_usd', 'shared_usd', 'total_usd', 'revenue_usd', 'margin'];

/** The statement as CSV: its group lines, what stayed unallocated, its adjustments, and a total row. */
export function statementCsv(statement: StatementJson): string {
  const rows: string[][] = [csvHead];
  const base = [statement.statement_id ?? '', statement.mode, statement.period, statement.by];
  for (const line of statement.lines) {
    rows.push([...base, 'group', line.group, '', '', String(line.calls), line.direct.exact, line.shared.exact, line.total.exact, line.revenue?.exact ?? '', line.margin === null ? '' : String(line.margin)]);
  }
  if (statement.shared.unallocated.exact !== '0') {
    rows.push([...base, 'unallocated', unallocatedGroup, '', '', '', '0', statement.shared.unallocated.exact, statement.shared.unallocated.exact, '', '']);
  }
  for (const adjustment of statement.adjustments) {
    rows.push([...base, 'adjustment', adjustment.group, adjustment.statement_id, adjustment.period, '', adjustment.direct.exact, adjustment.shared.exact, adjustment.total.exact, adjustment.revenue?.exact ?? '', '']);
  }
  rows.push([...base, 'total', '', '', '', String(statement.calls), '', statement.shared.total.exact, statement.due.exact, statement.revenue?.exact ?? '', '']);
  return `${rows.map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

/** The statement as one printable HTML page. */
export function statementHtml(statement: StatementJson): string {
  const title = `${statement.mode === 'chargeback' ? 'Chargeback' : 'Showback'} statement — ${statement.period} by ${statement.by}`;
  const revenue = statement.revenue_tracked;
  const head = [statement.by, 'Calls', 'Direct', 'Shared', 'Total', ...(revenue ? ['Revenue', 'Margin'] : [])];
  const body = statement.lines.map((line) =>
    row([text(line.group), count(line.calls), money(line.direct), money(line.shared), money(line.total), ...(revenue ? [money(line.revenue), text(formatShare(line.margin), 'number')] : [])]),
  );
  if (statement.shared.unallocated.exact !== '0') body.push(row([text(unallocatedGroup), '<td></td>', money(null), money(statement.shared.unallocated), money(statement.shared.unallocated), ...(revenue ? ['<td></td>', '<td></td>'] : [])]));
  const totalRow = row([text('Period total'), count(statement.calls), '<td></td>', money(statement.shared.total), money(statement.total), ...(revenue ? [money(statement.revenue), '<td></td>'] : [])], 'total');
  const sources = statement.shared.sources
    .map((source) => `<li>${escapeHtml(source.group === null ? `calls without ${statement.by}` : source.group)}: ${escapeHtml(formatUsd(source.cost.usd))} (${source.calls.toLocaleString('en-US')} calls)</li>`)
    .join('');
  const adjustments =
    statement.adjustments.length === 0
      ? ''
      : `<h2>${statement.mode === 'chargeback' ? 'Adjustments to closed periods' : 'Pending adjustments (carried on the next chargeback statement)'}</h2>
<table><thead><tr><th>Closed period</th><th>Statement</th><th>Group</th><th class="number">Direct</th><th class="number">Shared</th><th class="number">Total</th></tr></thead><tbody>
${statement.adjustments.map((line) => row([text(line.period), text(line.statement_id), text(line.group), money(line.direct), money(line.shared), money(line.total)])).join('\n')}
${row([text('Adjustments total'), '<td></td>', '<td></td>', '<td></td>', '<td></td>', money(statement.adjustments_total)], 'total')}
</tbody></table>`;
  const closed = statement.closed_periods.length === 0 ? 'none' : statement.closed_periods.map((period) => `${escapeHtml(period.period)} (${escapeHtml(period.statement_id)}${period.changed_since_close ? ', changed since' : ''})`).join(', ');
  const status =
    statement.mode === 'chargeback'
      ? `Closed ${escapeHtml(statement.closed_at ?? '')} as <strong>${escapeHtml(statement.statement_id ?? '')}</strong>; these figures are frozen. Fingerprint <code>${escapeHtml(statement.fingerprint ?? '')}</code>.`
      : 'Showback: live figures, which change as calls arrive or are repriced.';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 2rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
  p { margin: .25rem 0; }
  table { border-collapse: collapse; width: 100%; margin-top: .75rem; }
  th, td { border-bottom: 1px solid #ccc; padding: .3rem .5rem; text-align: left; }
  th { border-bottom: 2px solid #111; }
  .number { text-align: right; font-variant-numeric: tabular-nums; }
  tr.total td { border-top: 2px solid #111; font-weight: 600; }
  .due { font-size: 1.2rem; font-weight: 700; margin-top: 1rem; }
  code { font-size: .8rem; word-break: break-all; }
  @page { size: A4; margin: 15mm; }
  @media print { body { margin: 0; } tr { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(statement.from)} to ${escapeHtml(statement.to)} (UTC, the end excluded). ${status}</p>
<div>Shared cost, allocated ${escapeHtml(ruleText(statement))}: ${sources === '' ? 'none.' : `<ul>${sources}</ul>`}</div>
<table><thead><tr>${head.map((name, index) => `<th${index > 0 ? ' class="number"' : ''}>${escapeHtml(name)}</th>`).join('')}</tr></thead><tbody>
${body.join('\n')}
${totalRow}
</tbody></table>
${adjustments}
<p class="due">Due: <span data-amount="${escapeHtml(statement.due.exact)}">${escapeHtml(formatUsd(statement.due.usd))}</span></p>
<p>Closed periods of ${escapeHtml(statement.by)}: ${closed}.${statement.unpriced_calls > 0 ? ` ${statement.unpriced_calls.toLocaleString('en-US')} calls of unknown models are unpriced and in no figure.` : ''}</p>
</body>
</html>
`;
}

/** The rule in words, for headers. */
export function ruleText(statement: Pick<StatementJson, 'allocation'>): string {
  const rule = statement.allocation.rule;
  if (rule === 'proportional') return 'in proportion to direct cost';
  if (rule === 'even') return 'evenly';
  return `by fixed shares (${Object.entries(rule.fixed)
    .map(([group, share]) => `${group} ${formatShare(share)}`)
    .join(', ')})`;
}

function row(cells: string[], className?: string): string {
  return `<tr${className ? ` class="${className}"` : ''}>${cells.join('')}</tr>`;
}

function text(value: string, className?: string): string {
  return `<td${className ? ` class="${className}"` : ''}>${escapeHtml(value)}</td>`;
}

function count(value: number): string {
  return `<td class="number">${value.toLocaleString('en-US')}</td>`;
}

// The exact amount rides along in data-amount, so a reader (or a test) can add the page up to the picodollar.
function money(value: Amount | null): string {
  if (value === null) return '<td class="number">—</td>';
  return `<td class="number" data-amount="${escapeHtml(value.exact)}">${escapeHtml(formatUsd(value.usd))}</td>`;
}

function escapeHtml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

function csvField(value: string): string {
  // A group named "=HYPERLINK(…)" must stay text in a spreadsheet, not become a formula; amounts are numbers and pass.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
