import type { Command } from 'commander';
import type { BudgetsJson } from '../app/governance/budget-status-service.js';
import { runBudgetStatus } from '../app/governance/budget-status-service.js';
import { readThroughServer } from '../app/read-through-server.js';
import { formatMoney, formatShare } from '../core/kpi/format-measures.js';
import { addDays } from '../core/kpi/report-periods.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';

interface BudgetsCommandOptions {
  at?: string;
  json?: boolean;
  db?: string;
}

/** Registers `unitcost budgets`. */
export function registerBudgetsCommand(program: Command, context: CliContext): void {
  program
    .command('budgets')
    .description('where each budget of the config stands: spent, remaining, the forecast to the end of its period, and the day it would be breached')
    .option('--at <date>', 'as of this date (the end of that day) or timestamp, e.g. to look back at last month (default: now)')
    .option('--json', 'print JSON for scripts')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .addHelpText(
      'after',
      `
Budgets are configured under budgets: in unitcost.config.yaml (or .json); the gateway enforces them, and
this command reads the stored spend against them. For example:

  budgets:
    - name: support-monthly        # named in refusals, alerts and here
      per: team                    # a tag: team, feature, user_tier, user_id, session_id; left out: all spend
      equals: support              # one value of it; left out: every value has a budget of its own
      period: month                # day, week (ISO, from Monday) or month, in UTC
      limit_usd: 2000
      mode: soft                   # hard: the gateway refuses calls past the limit (429); soft: it lets them through
      alert_at: [0.5, 0.8, 1]      # fractions of the limit (the default)

The forecast adds to what is spent, for each day left in the period, what that day of the week usually
costs: the median of its last four weeks, scaled to the last week's level, so that a quiet weekend is not
read as a slowdown and one odd day changes nothing. The range comes from the spread of those samples.
A budget per tag without a value shows the 10 values that spent most. The method is in docs/budgets.md.

Examples:
  unitcost budgets                      every budget, now
  unitcost budgets --at 2026-11-30      as of the end of November 30th
  unitcost budgets --json               for scripts (the same JSON as GET /v1/budgets)`,
    )
    .action(async (options: BudgetsCommandOptions) => {
      const app = context.app();
      const db = options.db === undefined ? {} : { db: options.db };
      // While `unitcost serve` holds the store, the same answer comes from its GET /v1/budgets.
      const answer = await readThroughServer(
        app,
        db,
        () => runBudgetStatus(app, { ...db, ...(options.at === undefined ? {} : { at: options.at }) }),
        () => ({ method: 'GET', path: '/v1/budgets', query: options.at === undefined ? [] : [['at', options.at]] }),
      );
      const budgets = (answer.from === 'store' ? answer.value : answer.json) as BudgetsJson;
      if (answer.from === 'server') context.io.stderr(`the store is open in \`unitcost serve\` (pid ${answer.server.pid}): asked it at ${answer.server.url}\n`);
      context.io.stdout(options.json ? `${JSON.stringify(budgets, null, 2)}\n` : budgetsText(budgets));
    });
}

/** The budgets as tables for people: one per budget, a row per scope. */
export function budgetsText(status: BudgetsJson): string {
  if (status.budgets.length === 0) return 'no budgets configured: add a budgets: section to the config (see `unitcost budgets --help`)\n';
  const sections: string[] = [];
  for (const budget of status.budgets) {
    const scope = budget.per === null ? 'all spend' : budget.equals === null ? `each ${budget.per}` : `${budget.per}=${budget.equals}`;
    const window = budget.scopes[0]?.window;
    const lines = [`${budget.name}: ${scope}, ${formatMoney(budget.limit_usd)} a ${budget.period} (${budget.mode})${window ? `, ${daysOf(window)}` : ''}`];
    if (budget.scopes.length === 0) {
      lines.push(`  no ${budget.per} has spent anything this ${budget.period}`);
    } else {
      const head = [budget.per ?? 'scope', 'spent', 'limit', 'remaining', 'used', 'forecast (range)', 'breach', 'alerts reached'];
      const rows = budget.scopes.map((row) => [
        row.value ?? 'all',
        formatMoney(row.spent_usd),
        formatMoney(row.limit_usd),
        formatMoney(row.remaining_usd),
        formatShare(row.used_share),
        row.forecast.basis === 'no-spend' ? '—' : `${formatMoney(row.forecast.end_usd)} (${formatMoney(row.forecast.low_usd)}–${formatMoney(row.forecast.high_usd)})`,
        row.breach === null ? '' : row.breach.already ? `breached ${row.breach.day}` : `on ${row.breach.day}`,
        row.alert_points_reached.map((point) => `${Math.round(point * 100)}%`).join(' '),
      ]);
      lines.push(formatTable(head, rows, [1, 2, 3, 4, 5]).trimEnd());
      if (budget.more_values > 0) lines.push(`… and ${budget.more_values} more values of ${budget.per} with spend this ${budget.period}`);
    }
    sections.push(lines.join('\n'));
  }
  return `as of ${status.at}\n${sections.join('\n\n')}\n`;
}

// A day budget's period is one day: naming it once reads better than "2026-12-02 → 2026-12-02".
function daysOf(window: { from: string; to: string }): string {
  const last = addDays(window.to, -1);
  return last === window.from ? window.from : `${window.from} → ${last}`;
}
