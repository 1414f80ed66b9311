import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readThroughServer } from '../app/read-through-server.js';
import { runStatement, type StatementFlags } from '../app/governance/statement-service.js';
import { ruleText, statementCsv, statementHtml } from '../core/governance/statements/statement-documents.js';
import { unallocatedGroup, type StatementJson } from '../core/governance/statements/statement-json.js';
import { formatMoney, formatShare } from '../core/kpi/format-measures.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';

interface StatementCommandOptions {
  period?: string;
  from?: string;
  to?: string;
  by: string;
  mode: string;
  format: string;
  out?: string;
  db?: string;
}

const formats = ['table', 'csv', 'json', 'html'] as const;

/** Registers `unitcost statement`. */
export function registerStatementCommand(program: Command, context: CliContext): void {
  program
    .command('statement')
    .description('showback and chargeback statements: each group\'s direct cost, its share of shared cost, revenue and margin over a period')
    .option('--period <period>', 'a month (2026-11) or an ISO week (2026-W47), in UTC')
    .option('--from <day>', 'instead of --period: the first day (YYYY-MM-DD, UTC)')
    .option('--to <day>', 'with --from: the first day after the period')
    .option('--by <tag>', 'the tag to group by: team, feature, user_tier, model, provider, environment, user_id, session_id', 'team')
    .option('--mode <mode>', 'showback (live numbers) or chargeback (close the period: its figures are frozen under a statement id)', 'showback')
    .option('--format <format>', `table, csv, json or html (a printable page)`, 'table')
    .option('--out <file>', 'write the statement to this file instead of stdout')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .addHelpText(
      'after',
      `
Each group of the tag gets its direct cost (its own calls) and a share of the shared cost: calls without
the tag, and values configured as shared. The share follows the tag's rule in the config:

  statements:
    allocation:
      team:
        shared: [platform]          # these values are shared too (calls without a team always are)
        rule: proportional          # to each team's direct cost (the default); or: even
      feature:
        rule: { fixed: { support-bot: 0.6, coding-agent: 0.4 } }   # shares must sum to 1

Shares are split in whole picodollars (largest remainder), so the lines add up to the store's total for
the period exactly. Revenue and margin come from the report's own attribution (plans, revenue records).

showback shows live numbers, the closed periods of the tag, and the adjustments pending for them.
chargeback closes an ended period: its lines are frozen in the store under a statement id (team-2026-11),
and running it again shows that same statement. A later repricing or late event in a closed period is
never a silent change: the next chargeback statement carries an adjustment line per group (live − frozen).
Periods of one tag may not overlap once closed. More in docs/statements.md.

Examples:
  unitcost statement --period 2026-11 --by team                       live, as a table
  unitcost statement --period 2026-11 --by team --mode chargeback     close November and freeze it
  unitcost statement --period 2026-11 --mode chargeback --format html --out team-2026-11.html
  unitcost statement --period 2026-W47 --by feature --format csv
  unitcost statement --from 2026-11-01 --to 2026-11-16 --format json`,
    )
    .action(async (options: StatementCommandOptions) => {
      const format = options.format as (typeof formats)[number];
      if (!formats.includes(format)) throw new UnitcostError('invalid_argument', `--format must be one of ${formats.join(', ')}, got "${options.format}"`, { field: '--format' });
      const app = context.app();
      const db = options.db === undefined ? {} : { db: options.db };
      const flags: StatementFlags = {
        by: options.by,
        mode: options.mode,
        ...(options.period === undefined ? {} : { period: options.period }),
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.to === undefined ? {} : { to: options.to }),
      };
      // While `unitcost serve` holds the store, showback comes from its GET /v1/statements; closing needs the file.
      const answer = await readThroughServer(
        app,
        db,
        () => runStatement(app, { ...db, ...flags }),
        () => ({ method: 'GET', path: '/v1/statements', query: Object.entries(flags).map(([name, value]) => [name, String(value)] as [string, string]) }),
      );
      const statement = (answer.from === 'store' ? answer.value : answer.json) as StatementJson;
      if (answer.from === 'server') context.io.stderr(`the store is open in \`unitcost serve\` (pid ${answer.server.pid}): asked it at ${answer.server.url}\n`);
      const text = format === 'json' ? `${JSON.stringify(statement, null, 2)}\n` : format === 'csv' ? statementCsv(statement) : format === 'html' ? statementHtml(statement) : statementText(statement);
      if (options.out === undefined) {
        context.io.stdout(text);
      } else {
        writeFileSync(options.out, text);
        context.io.stderr(`${statement.mode} statement${statement.statement_id === null ? '' : ` ${statement.statement_id}`} of ${statement.period} by ${statement.by} written to ${options.out}\n`);
      }
    });
}

/** The statement for a terminal: a header, a table of lines, the adjustments, what is due. */
export function statementText(statement: StatementJson): string {
  const revenue = statement.revenue_tracked;
  const out: string[] = [];
  const heading = statement.mode === 'chargeback' ? `chargeback statement ${statement.statement_id}` : 'showback (live numbers)';
  out.push(`${heading}: ${statement.period} (${statement.from} → ${statement.to}, end excluded) by ${statement.by}`);
  if (statement.mode === 'chargeback') out.push(`closed ${statement.closed_at}; frozen: later changes appear as adjustments on the next statement`);
  const sources = statement.shared.sources.map((source) => `${source.group === null ? `no ${statement.by}` : source.group} ${formatMoney(source.cost.usd)}`).join(', ');
  out.push(`shared cost ${formatMoney(statement.shared.total.usd)}${sources === '' ? '' : ` (${sources})`}, allocated ${ruleText(statement)}`);
  const head = [statement.by, 'calls', 'direct', 'shared', 'total', ...(revenue ? ['revenue', 'margin'] : [])];
  const rows = statement.lines.map((line) => [
    line.group,
    line.calls.toLocaleString('en-US'),
    formatMoney(line.direct.usd),
    formatMoney(line.shared.usd),
    formatMoney(line.total.usd),
    ...(revenue ? [formatMoney(line.revenue?.usd ?? null), formatShare(line.margin)] : []),
  ]);
  if (statement.shared.unallocated.exact !== '0') rows.push([unallocatedGroup, '', '', formatMoney(statement.shared.unallocated.usd), formatMoney(statement.shared.unallocated.usd), ...(revenue ? ['', ''] : [])]);
  rows.push(['total', statement.calls.toLocaleString('en-US'), '', formatMoney(statement.shared.total.usd), formatMoney(statement.total.usd), ...(revenue ? [formatMoney(statement.revenue?.usd ?? null), ''] : [])]);
  out.push(statement.lines.length === 0 && statement.shared.sources.length === 0 ? 'no calls in this period' : formatTable(head, rows, [1, 2, 3, 4, 5, 6]).trimEnd());
  if (statement.adjustments.length > 0) {
    out.push(statement.mode === 'chargeback' ? 'adjustments to closed periods:' : 'pending adjustments (the next chargeback statement carries them):');
    out.push(
      formatTable(
        ['closed period', 'statement', statement.by, 'direct', 'shared', 'total'],
        statement.adjustments.map((line) => [line.period, line.statement_id, line.group, formatMoney(line.direct.usd), formatMoney(line.shared.usd), formatMoney(line.total.usd)]),
        [3, 4, 5],
      ).trimEnd(),
    );
  }
  const dueLabel = statement.mode === 'chargeback' ? 'due' : statement.adjustments.length > 0 ? 'total with pending adjustments' : 'total';
  out.push(`${dueLabel}: ${formatMoney(statement.due.usd)} (exactly $${statement.due.exact})`);
  if (statement.unpriced_calls > 0) out.push(`${statement.unpriced_calls.toLocaleString('en-US')} calls of unknown models are unpriced and in no figure: run \`unitcost reprice\` once their prices are known`);
  const closed = statement.closed_periods.map((period) => `${period.period} (${period.statement_id}${period.changed_since_close ? ', changed since' : ''})`);
  out.push(`closed periods of ${statement.by}: ${closed.length === 0 ? 'none' : closed.join(', ')}`);
  return `${out.join('\n')}\n`;
}
