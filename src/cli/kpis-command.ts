import { Option, type Command } from 'commander';
import { readThroughServer } from '../app/read-through-server.js';
import { runKpis } from '../app/report-service.js';
import { formatChange, formatCount, formatMoney, formatShare } from '../core/kpi/format-measures.js';
import { kpiDashboardJson, type KpiDashboard, type KpiLine } from '../core/kpi/kpi-dashboard.js';
import type { KpiCheck, KpiName } from '../core/kpi/kpi-thresholds.js';
import { kpiDashboardFromJson } from '../core/kpi/report-from-json.js';
import { addDays } from '../core/kpi/report-periods.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';
import { parseDateOption } from './parse-date-option.js';

const kpiTitles: Record<KpiName, string> = {
  inference_margin: 'inference margin',
  cost_per_active_user_month: 'cost per active user-month',
  prompt_cache_hit_rate: 'prompt-cache hit rate',
  response_cache_hit_rate: 'response-cache hit rate',
  frontier_call_share: 'frontier share of calls',
};

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The mark of a breach: plain text, so that it survives pipes, logs and terminals without colour. */
export const breachMark = '✗ BREACH';

/** Registers `unitcost kpis`. */
export function registerKpisCommand(program: Command, context: CliContext): void {
  program
    .command('kpis')
    .description('the unit-economics dashboard: each KPI of the last day, week or month against its threshold, overall and per feature')
    .option('--period <period>', 'day, week or month (the last 1, 7 or 30 days of data)', 'week')
    .option('--to <date>', 'the day after the period (default: the day after the last stored day)')
    .addOption(new Option('--where <tag=value>', 'the KPIs of the calls with this tag value only (as report --where); repeat for more').argParser(collect).default([], 'every call'))
    .option('--json', 'print JSON for scripts')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .addHelpText(
      'after',
      `
Thresholds (config kpi_thresholds): inference margin under 40%, cost per active user-month over 25% of
ARPU, a prompt- or response-cache hit rate down more than 25 points, the frontier share of calls up more
than 10 points against the period before. Every breach is marked ${breachMark}.

Examples:
  unitcost kpis
  unitcost kpis --period month --json
  unitcost kpis --where team=search --where user_tier=pro`,
    )
    .action(async (options: { period: string; to?: string; where: string[]; json?: boolean; db?: string }) => {
      const to = options.to === undefined ? undefined : parseDateOption(options.to, '--to');
      const db = options.db === undefined ? {} : { db: options.db };
      // While `unitcost serve` holds the store, the same dashboard comes from its GET /v1/kpis.
      const query: Array<[string, string]> = [
        ['period', options.period],
        ...(to === undefined ? [] : [['to', to.toISOString()] as [string, string]]),
        ...options.where.map((filter) => ['where', filter] as [string, string]),
      ];
      const answer = await readThroughServer(
        context.app(),
        db,
        () => runKpis(context.app(), { period: options.period, where: options.where, ...(to === undefined ? {} : { to }), ...db }),
        () => ({ method: 'GET', path: '/v1/kpis', query }),
      );
      if (answer.from === 'server') context.io.stderr(`the store is open in \`unitcost serve\` (pid ${answer.server.pid}): asked it at ${answer.server.url}\n`);
      const dashboard = answer.from === 'store' ? answer.value : kpiDashboardFromJson(answer.json as Record<string, unknown>);
      // A filtered table looks like the whole one: say which calls it covers (the JSON's figures are the same either way).
      const filtered = options.where.length > 0 ? `only calls with ${options.where.join(', ')}\n` : '';
      context.io.stdout(options.json ? `${JSON.stringify(answer.from === 'store' ? kpisJson(dashboard) : answer.json, null, 2)}\n` : `${filtered}${kpisText(dashboard)}`);
    });
}

/** The dashboard as JSON (kept here under its old name; the shape lives in the core so the server shares it). */
export const kpisJson = kpiDashboardJson;

/** The dashboard for a terminal: the overall KPIs one per line, then a line per feature. */
export function kpisText(dashboard: KpiDashboard): string {
  if (dashboard.window === null) return 'the store holds no usage yet: run `unitcost ingest FILE` or `unitcost demo`\n';
  const window = dashboard.window;
  const previous = dashboard.previousWindow!;
  const overall = dashboard.overall.measures;
  const lines: string[] = [
    `unit economics, ${window.from} → ${addDays(window.to, -1)} (${dashboard.period}), against ${previous.from} → ${addDays(previous.to, -1)}`,
    `${formatCount(overall.calls)} calls, cost ${formatMoney(overall.cost_usd)}${overall.unpriced_calls > 0 ? ` + ${formatCount(overall.unpriced_calls)} unpriced calls` : ''}, ` +
      `${formatCount(overall.active_users)} active users, revenue ${dashboard.revenueTracked ? formatMoney(overall.revenue_usd) : 'not tracked'}, ARPU ${formatMoney(dashboard.arpuUsd)} per user-month`,
    '',
  ];
  const rows = dashboard.overall.checks.map((check) => [kpiTitles[check.kpi], value(check), previousValue(check), changeCell(check), ruleCell(check), statusCell(check)]);
  lines.push(formatTable(['KPI', 'value', 'before', 'change', 'threshold', 'status'], rows, [1, 2, 3]).trimEnd());
  if (dashboard.features.length > 0) {
    lines.push('', 'per feature');
    const byKpi = (feature: KpiLine, kpi: KpiName): KpiCheck => feature.checks.find((check) => check.kpi === kpi)!;
    const featureRows = dashboard.features.map((feature) => {
      const breaches = feature.checks.filter((check) => check.status === 'breach');
      return [
        feature.feature ?? '(none)',
        feature.measures.cost_usd === null && feature.measures.calls > 0 ? 'unpriced' : `${formatMoney(feature.measures.cost_usd)}${feature.measures.unpriced_calls > 0 ? '*' : ''}`,
        marked(byKpi(feature, 'inference_margin'), formatShare(feature.measures.inference_margin)),
        marked(byKpi(feature, 'cost_per_active_user_month'), formatMoney(feature.measures.cost_per_active_user_month_usd)),
        marked(byKpi(feature, 'prompt_cache_hit_rate'), `${formatShare(feature.measures.prompt_cache_hit_rate)} ${changeCell(byKpi(feature, 'prompt_cache_hit_rate'))}`.trim()),
        marked(byKpi(feature, 'response_cache_hit_rate'), `${formatShare(feature.measures.response_cache_hit_rate)} ${changeCell(byKpi(feature, 'response_cache_hit_rate'))}`.trim()),
        marked(byKpi(feature, 'frontier_call_share'), `${formatShare(feature.measures.frontier_call_share)} ${changeCell(byKpi(feature, 'frontier_call_share'))}`.trim()),
        breaches.length === 0 ? 'ok' : `${breachMark} ×${breaches.length}`,
      ];
    });
    lines.push(formatTable(['feature', 'cost', 'margin', '$/user·mo', 'prompt cache', 'resp. cache', 'frontier share', 'status'], featureRows, [1, 2, 3]).trimEnd());
  }
  lines.push('', dashboard.breaches === 0 ? 'no KPI breaches its threshold' : `${dashboard.breaches} breach${dashboard.breaches === 1 ? '' : 'es'} (marked ${breachMark}; "!" marks a feature's breaching value)`);
  if (overall.unpriced_calls > 0) lines.push(`* cost leaves out ${formatCount(overall.unpriced_calls)} unpriced calls (see unitcost report)`);
  if (!dashboard.revenueTracked) lines.push('margin and ARPU need revenue: add plans to the config or revenue records to the events');
  return `${lines.join('\n')}\n`;
}

function value(check: KpiCheck): string {
  return check.kpi === 'cost_per_active_user_month' ? formatMoney(check.value) : formatShare(check.value);
}

function previousValue(check: KpiCheck): string {
  return check.kpi === 'cost_per_active_user_month' ? formatMoney(check.previous) : formatShare(check.previous);
}

function changeCell(check: KpiCheck): string {
  if (check.kpi === 'cost_per_active_user_month') return check.change === null || check.previous === null || check.previous === 0 ? '' : formatChange(check.change / check.previous, 'relative');
  return formatChange(check.change, 'points');
}

function ruleCell(check: KpiCheck): string {
  return check.kpi === 'cost_per_active_user_month' && check.limit !== null ? `${check.rule} (${formatMoney(check.limit)})` : check.rule;
}

function statusCell(check: KpiCheck): string {
  if (check.status === 'breach') return breachMark;
  return check.status === 'ok' ? 'ok' : 'no data';
}

function marked(check: KpiCheck, text: string): string {
  return check.status === 'breach' ? `${text} !` : text;
}
