import type { Command } from 'commander';
import { optimize } from '../app/optimize-service.js';
import { formatCount, formatMoney, formatShare } from '../core/kpi/format-measures.js';
import { addDays } from '../core/kpi/report-periods.js';
import type { OptimizeResult } from '../core/simulate/simulation-result.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';
import { parseDateOption } from './parse-date-option.js';
import { riskText } from './simulate-command.js';

interface OptimizeCommandOptions {
  from?: string;
  to?: string;
  json?: boolean;
  db?: string;
}

/** Registers `unitcost optimize`. */
export function registerOptimizeCommand(program: Command, context: CliContext): void {
  program
    .command('optimize')
    .description('the optimization stack for your traffic: each cost lever alone with stated defaults, ranked by $/month saved with its risk, then all stacked')
    .option('--from <date>', 'first day to replay (default: the first stored day)')
    .option('--to <date>', 'the day after the last day to replay (default: the day after the last stored day)')
    .option('--json', 'print JSON for scripts')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .addHelpText('after', '\nThe defaults are listed in docs/simulate.md; paste a ranked lever into a scenario file to tune it with unitcost simulate.')
    .action(async (options: OptimizeCommandOptions) => {
      const result = await optimize(context.app(), {
        ...(options.from === undefined ? {} : { from: parseDateOption(options.from, '--from') }),
        ...(options.to === undefined ? {} : { to: parseDateOption(options.to, '--to') }),
        ...(options.db === undefined ? {} : { db: options.db }),
      });
      context.io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : optimizeText(result));
    });
}

/** The ranking as a table for people. */
export function optimizeText(result: OptimizeResult): string {
  const lines = [`optimization stack over ${result.window.from} → ${addDays(result.window.to, -1)}: baseline ${formatMoney(result.baseline_cost_usd)}`];
  const rows = result.ranked.map((entry) => [String(entry.rank), entry.kind, formatMoney(entry.savings_usd_per_month), formatShare(entry.savings_percent), formatCount(entry.calls_touched), riskText(entry.risk)]);
  rows.push(['', 'all stacked', formatMoney(result.stacked.savings_usd_per_month), formatShare(result.stacked.savings_percent), '', riskText(result.stacked.risk)]);
  lines.push(formatTable(['#', 'lever', 'saved/mo', 'saved', 'calls', 'quality risk'], rows, [2, 3, 4]).trimEnd());
  for (const entry of result.ranked) lines.push(`  ${entry.rank}. ${entry.label}`);
  for (const skipped of result.skipped) lines.push(`not tried: ${skipped.kind} — ${skipped.reason}`);
  return `${lines.join('\n')}\n`;
}
