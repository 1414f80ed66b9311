import { Option, type Command } from 'commander';
import { readThroughServer } from '../app/read-through-server.js';
import { runReport } from '../app/report-service.js';
import { flatReportRow, isNarrowedReport, reportJsonPieces, type NarrowedReport, type Report, type ReportRow } from '../core/kpi/build-report.js';
import { formatChange, formatCount, formatMoney, formatRatio, formatShare, formatTokens } from '../core/kpi/format-measures.js';
import { emptyGroupAggregate } from '../core/kpi/group-aggregate.js';
import { reportFromJson } from '../core/kpi/report-from-json.js';
import type { NarrowedMeasures, ReportField } from '../core/kpi/report-fields.js';
import { changeMeasures, reportMeasures, type ChangeMeasure, type ReportMeasures } from '../core/kpi/report-measures.js';
import { addDays } from '../core/kpi/report-periods.js';
import { usd } from '../core/kpi/unit-ratios.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';
import { parseDateOption } from './parse-date-option.js';

interface ReportCommandOptions {
  by: string[];
  period?: string;
  from?: string;
  to?: string;
  where: string[];
  top?: string;
  fields?: string;
  json?: boolean;
  csv?: boolean;
  db?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Registers `unitcost report`. */
export function registerReportCommand(program: Command, context: CliContext): void {
  program
    .command('report')
    .description('unit economics of the stored usage: cost per call, per successful task and per active user, revenue and margin, by feature, model, team…')
    .addOption(new Option('--by <dimensions>', 'group by feature, team, user_tier, model, provider, environment, user_id, session_id and time, comma-separated').argParser(collect).default([], 'feature'))
    .option('--period <period>', 'a row per day, week (ISO, Monday first) or month, UTC')
    .option('--from <date>', 'first day of the report (default: the first stored day)')
    .option('--to <date>', 'the day after the report, exclusive (default: the day after the last stored day)')
    .addOption(new Option('--where <tag=value>', 'keep only calls with this tag value; repeat for more (same tag: either value)').argParser(collect).default([], 'every call'))
    .option('--top <rows>', 'only the N costliest rows of each period; totals and the count of groups stay over every group')
    .option('--fields <measures>', 'only these measures in each row, comma-separated (names as in --json, docs/reports.md): the store sums only what they need')
    .option('--json', 'print JSON for scripts')
    .option('--csv', 'print CSV, one row per group (and period)')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .addHelpText(
      'after',
      `
Every measure is exact: costs are summed in integer picodollars. Calls of models the catalog cannot price
are counted (calls, tokens) and marked unpriced, never as $0. Each row is compared with the period before
it. The measures and their formulas are in docs/reports.md.

Examples:
  unitcost report                                   cost, margin and caching per feature
  unitcost report --by feature,model --period week  a row per feature, model and week
  unitcost report --by team --where environment=production --from 2026-03-01 --to 2026-04-01
  unitcost report --by user_tier --json
  unitcost report --by session_id --where feature=agent --top 100   the 100 costliest sessions
  unitcost report --by user_id --where feature=agent --fields calls,cost_usd,cost_per_active_user_month_usd,revenue_usd --json
                                                    a row per user with those four measures only: at 10⁵ users
                                                    several times faster than every measure`,
    )
    .action(async (options: ReportCommandOptions) => {
      if (options.json && options.csv) throw new UnitcostError('invalid_argument', 'choose one of --json and --csv', { field: '--csv' });
      const from = options.from === undefined ? undefined : parseDateOption(options.from, '--from');
      const to = options.to === undefined ? undefined : parseDateOption(options.to, '--to');
      const db = options.db === undefined ? {} : { db: options.db };
      // While `unitcost serve` holds the store, the same report comes from its GET /v1/report.
      const query: Array<[string, string]> = [
        ...(options.by.length > 0 ? [['by', options.by.join(',')] as [string, string]] : []),
        ...(options.period === undefined ? [] : [['period', options.period] as [string, string]]),
        ...(from === undefined ? [] : [['from', from.toISOString()] as [string, string]]),
        ...(to === undefined ? [] : [['to', to.toISOString()] as [string, string]]),
        ...options.where.map((filter) => ['where', filter] as [string, string]),
        ...(options.top === undefined ? [] : [['top', options.top] as [string, string]]),
        ...(options.fields === undefined ? [] : [['fields', options.fields] as [string, string]]),
      ];
      const answer = await readThroughServer(
        context.app(),
        db,
        () =>
          runReport(context.app(), {
            by: options.by,
            ...(options.period === undefined ? {} : { period: options.period }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
            where: options.where,
            ...(options.top === undefined ? {} : { top: options.top }),
            ...(options.fields === undefined ? {} : { fields: options.fields }),
            ...db,
          }),
        () => ({ method: 'GET', path: '/v1/report', query }),
      );
      const report = answer.from === 'store' ? answer.value : reportFromJson(answer.json as Record<string, unknown>);
      if (answer.from === 'server') context.io.stderr(`the store is open in \`unitcost serve\` (pid ${answer.server.pid}): asked it at ${answer.server.url}\n`);
      if (options.json && answer.from === 'server') context.io.stdout(`${JSON.stringify(answer.json, null, 2)}\n`);
      else if (options.json) {
        // Piece by piece: a full report by user is ~150 MB of JSON at 10⁵ users (reportJsonPieces).
        for (const piece of reportJsonPieces(report)) context.io.stdout(piece);
        context.io.stdout('\n');
      } else if (options.csv) context.io.stdout(reportCsv(report));
      else context.io.stdout(reportText(report));
    });
}

/** The report as CSV: a header of stable names, then one line per row. */
export function reportCsv(report: Report | NarrowedReport): string {
  if (isNarrowedReport(report)) return narrowedCsv(report);
  const template: ReportRow = {
    keys: {},
    period: report.period ? { from: '', to: '' } : null,
    measures: reportMeasures(emptyGroupAggregate(), report.revenueTracked),
    previous: null,
    change: Object.fromEntries(Object.keys(changeMeasures).map((name) => [name, null])) as ReportRow['change'],
  };
  const columns = Object.keys(flatReportRow(template, report.groupBy));
  const lines = [columns.join(',')];
  for (const row of report.rows) {
    const record = flatReportRow(row, report.groupBy);
    lines.push(columns.map((column) => csvCell(record[column] ?? null)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** A narrowed report as CSV: the keys, the period, the fields asked for and the changes among them. */
function narrowedCsv(report: NarrowedReport): string {
  const changed = report.fields.filter((field) => field in changeMeasures);
  const columns = [...report.groupBy, ...(report.period ? ['period_start', 'period_end'] : []), ...report.fields, ...changed.map((field) => `${field}_change`)];
  const lines = [columns.join(',')];
  for (const row of report.rows) {
    const record = flatReportRow(row, report.groupBy);
    lines.push(columns.map((column) => csvCell(record[column] ?? null)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The report as a table for people, with the totals, the Pareto view and what could not be priced. */
export function reportText(report: Report | NarrowedReport): string {
  if (isNarrowedReport(report)) return narrowedText(report);
  const head = ['calls', 'cost', 'Δ cost', '$/call', '$/success', 'users', '$/user·mo', 'revenue', 'margin', 'out/in', 'prompt cache', 'resp. cache', 'frontier', 'unpriced'];
  return reportTable(report, report.rows, report.totals, head, (measures: ReportMeasures, change: ReportRow['change']): string[] => [
    formatCount(measures.calls),
    costCell(measures),
    formatChange(change.cost_usd, 'relative'),
    formatMoney(measures.cost_per_call_usd),
    formatMoney(measures.cost_per_successful_task_usd),
    formatCount(measures.active_users),
    formatMoney(measures.cost_per_active_user_month_usd),
    formatMoney(measures.revenue_usd),
    formatShare(measures.inference_margin),
    formatRatio(measures.output_input_ratio),
    formatShare(measures.prompt_cache_hit_rate),
    formatShare(measures.response_cache_hit_rate),
    formatShare(measures.frontier_call_share),
    measures.unpriced_calls > 0 ? formatCount(measures.unpriced_calls) : '',
  ]);
}

/** A narrowed report as a table: the keys, then one column per field asked for (and the change of cost when asked), then the totals. */
function narrowedText(report: NarrowedReport): string {
  const head = report.fields.flatMap((field) => (field === 'cost_usd' ? [field, 'Δ cost'] : [field]));
  return reportTable(report, report.rows, report.totals, head, (measures: NarrowedMeasures, change: Partial<Record<ChangeMeasure, number | null>>): string[] =>
    report.fields.flatMap((field) => (field === 'cost_usd' ? [fieldCell(field, measures[field]), formatChange(change.cost_usd ?? null, 'relative')] : [fieldCell(field, measures[field])])),
  );
}

/**
 * The table both kinds of report print: the heading, a row per group with its key columns (and period) then the
 * measure columns each kind names, the totals, and the footer; or why there is no table.
 */
function reportTable<Measures, Change>(
  report: Report | NarrowedReport,
  rows: ReadonlyArray<{ keys: ReportRow['keys']; period: ReportRow['period']; measures: Measures; change: Change }>,
  totals: { measures: Measures; change: Change },
  measureHead: string[],
  measureCells: (measures: Measures, change: Change) => string[],
): string {
  if (report.window === null) return 'the store holds no usage yet: run `unitcost ingest FILE` or `unitcost demo`\n';
  const lines = [reportHeading(report, report.window)];
  if (rows.length === 0) {
    lines.push('no usage matches');
    return `${lines.join('\n')}\n`;
  }
  const keyColumns = [...report.groupBy, ...(report.period ? ['period'] : [])];
  const head = [...keyColumns, ...measureHead];
  const body = rows.map((row) => [...report.groupBy.map((dimension) => row.keys[dimension] ?? '(none)'), ...(row.period ? [row.period.from] : []), ...measureCells(row.measures, row.change)]);
  body.push([...keyColumns.map((_, index) => (index === 0 ? 'total' : '')), ...measureCells(totals.measures, totals.change)]);
  lines.push(formatTable(head, body, head.map((_, index) => index).filter((index) => index >= keyColumns.length)).trimEnd());
  return reportFooter(report, lines);
}

/** A report's first line: its days, filters and what each row is compared with. */
function reportHeading(report: Report | NarrowedReport, window: { from: string; to: string }): string {
  const days = (span: { from: string; to: string }): string => `${span.from} → ${addDays(span.to, -1)}`;
  const filters = report.where.map((filter) => `${filter.dimension}=${filter.values.join('|')}`).join(', ');
  return `usage ${days(window)}${filters ? ` where ${filters}` : ''}, compared with ${report.period ? `the ${report.period} before each row` : days(report.previousWindow!)}`;
}

/** One measure of a narrowed report as the full table prints its kind: money, shares and rates, ratios, counts. */
function fieldCell(field: ReportField, value: string | number | null | undefined): string {
  if (value === undefined || value === null) return formatMoney(null);
  if (typeof value === 'string') return value;
  if (field.endsWith('_usd')) return formatMoney(value);
  if (field.endsWith('_share') || field.endsWith('_rate') || field === 'inference_margin') return formatShare(value);
  if (field === 'output_input_ratio') return formatRatio(value);
  return formatCount(value);
}

/** What follows a report's table, the same for every report: its top, revenue, unpriced calls and Pareto view. */
function reportFooter(report: Report | NarrowedReport, lines: string[]): string {
  if (report.top) lines.push(`the ${formatCount(report.top.rows)} costliest rows${report.period ? ' of each period' : ''} of ${formatCount(report.top.groupCount)} with calls; the total is over every one`);
  if (!report.revenueTracked) lines.push('revenue: none tracked — add plans to the config or revenue records to the events to see revenue and margin');
  if (report.unpriced.calls > 0) {
    const models = report.unpriced.models.map((model) => `${model.model} (${formatCount(model.calls)})`).join(', ');
    lines.push(
      `* cost leaves out ${formatCount(report.unpriced.calls)} unpriced calls (${formatTokens(report.unpriced.inputTokens)} input, ${formatTokens(report.unpriced.outputTokens)} output tokens) of ${models}: price them in the config, or run \`unitcost reprice\` once the catalog knows them`,
    );
  }
  const pareto = report.pareto;
  if (pareto.cutSize > 0) {
    lines.push(`Pareto: ${pareto.cutSize} of ${pareto.entries.length} request types (feature × model) make ${formatShare(pareto.targetShare)} of spend`);
    for (const entry of pareto.entries.filter((candidate) => candidate.inCut)) {
      lines.push(`  ${entry.key.feature ?? '(none)'} × ${entry.key.model}  ${formatMoney(usd(entry.costPicodollars))}  ${formatShare(entry.share)} (cumulative ${formatShare(entry.cumulativeShare)})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function costCell(measures: ReportMeasures): string {
  if (measures.cost_usd === null) return 'unpriced';
  return `${formatMoney(measures.cost_usd)}${measures.unpriced_calls > 0 ? '*' : ''}`;
}

