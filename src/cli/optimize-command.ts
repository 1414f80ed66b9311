import type { Command } from 'commander';
import { optimize } from '../app/optimize-service.js';
import { formatCount, formatMoney, formatShare } from '../core/kpi/format-measures.js';
import { addDays } from '../core/kpi/report-periods.js';
import { optimizeDefaults } from '../core/simulate/optimize-levers.js';
import type { OptimizeEntry, OptimizeResult } from '../core/simulate/simulation-result.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';
import { parseDateOption } from './parse-date-option.js';
import { riskText } from './simulate-command.js';

interface OptimizeCommandOptions {
  from?: string;
  to?: string;
  json?: boolean;
  db?: string;
  defaults?: string;
}

const { fine_tune: fineTune, self_host: selfHost } = optimizeDefaults;
// The help states the figures of the levers that cost money up front, from the code, so it cannot drift.
const defaultsHelp = `
Defaults (override any of them with --defaults FILE.yaml; docs/simulate.md lists them all, with sources):
  fine_tune   ${formatShare(fineTune.share)} of each mid/frontier feature moves to its provider's budget model, fine-tuned;
              training = ${formatCount(fineTune.training_examples)} examples × (median input + p90 output tokens) × ${fineTune.epochs} epochs
              at $${fineTune.training_usd_per_million_tokens}/M training tokens, amortized over ${fineTune.amortization_months} months
  self_host   the features on a budget-tier model, on an 8B-class open model: $${selfHost.gpu_usd_per_hour}/GPU-hour (H100),
              ${formatCount(selfHost.tokens_per_second)} tokens/s, utilization ${selfHost.utilization}, fixed $${formatCount(selfHost.fixed_usd_per_month)}/month operations
  plans       not evaluated: they change revenue, not cost, and need your prices (use unitcost simulate)
Example FILE.yaml:
  fine_tune: { training_usd: 2000, amortization_months: 12 }
  self_host: { gpu_usd_per_hour: 1.9, tokens_per_second: 3000, features: [support-faq] }

Paste a ranked lever into a scenario file to tune it with unitcost simulate.`;

/** Registers `unitcost optimize`. */
export function registerOptimizeCommand(program: Command, context: CliContext): void {
  program
    .command('optimize')
    .description('the optimization stack for your traffic: each cost lever alone with stated defaults, ranked by $/month saved (net of amortized one-off costs) with its risk, then all stacked')
    .option('--from <date>', 'first day to replay (default: the first stored day)')
    .option('--to <date>', 'the day after the last day to replay (default: the day after the last stored day)')
    .option('--defaults <file>', 'a YAML or JSON file of defaults to use instead of the stated ones')
    .option('--json', 'print JSON for scripts')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .addHelpText('after', defaultsHelp)
    .action(async (options: OptimizeCommandOptions) => {
      const result = await optimize(context.app(), {
        ...(options.from === undefined ? {} : { from: parseDateOption(options.from, '--from') }),
        ...(options.to === undefined ? {} : { to: parseDateOption(options.to, '--to') }),
        ...(options.db === undefined ? {} : { db: options.db }),
        ...(options.defaults === undefined ? {} : { defaults: options.defaults }),
      });
      context.io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : optimizeText(result));
    });
}

/** The ranking as a table for people. */
export function optimizeText(result: OptimizeResult): string {
  const lines = [`optimization stack over ${result.window.from} → ${addDays(result.window.to, -1)}: baseline ${formatMoney(result.baseline_cost_usd)}`];
  const rows = result.ranked.map((entry) => [
    String(entry.rank),
    entry.kind,
    formatMoney(entry.savings_usd_per_month),
    formatShare(entry.savings_percent),
    entry.amortized_usd_per_month > 0 ? formatMoney(entry.amortized_usd_per_month) : '',
    formatCount(entry.calls_touched),
    riskText(entry.risk),
  ]);
  rows.push([
    '',
    'stacked',
    formatMoney(result.stacked.savings_usd_per_month),
    formatShare(result.stacked.savings_percent),
    result.stacked.amortized_usd_per_month > 0 ? formatMoney(result.stacked.amortized_usd_per_month) : '',
    '',
    riskText(result.stacked.risk),
  ]);
  lines.push(formatTable(['#', 'lever', 'net saved/mo', 'saved', 'one-off/mo', 'calls', 'quality risk'], rows, [2, 3, 4, 5]).trimEnd());
  for (const entry of result.ranked) {
    lines.push(`  ${entry.rank}. ${entry.label}`);
    for (const line of economicsLines(entry)) lines.push(`     ${line}`);
  }
  if (result.stacked.left_out.length > 0) lines.push(`stacked: every lever but ${result.stacked.left_out.join(', ')}, which lose money alone`);
  for (const skipped of result.skipped) lines.push(`not evaluated: ${skipped.kind} — ${skipped.reason}`);
  return `${lines.join('\n')}\n`;
}

// Payback and break-even: what decides whether fine-tuning or self-hosting is worth it at this volume.
function economicsLines(entry: OptimizeEntry): string[] {
  if (entry.kind === 'fine_tune') {
    const lines = entry.details.map(({ details }) => {
      const payback = details.payback_days === null ? 'never pays back' : `pays back in ${Math.ceil(details.payback_days as number)} days`;
      return `${String(details.target_model)} for ${formatCount(details.moved_calls as number)} calls: training ${formatMoney(details.training_usd as number)}, ${payback}`;
    });
    return [...lines, `training ${formatMoney(entry.one_off_usd)} in all, ${formatMoney(entry.amortized_usd_per_month)}/mo amortized; replay saves ${formatMoney(entry.simulated_savings_usd_per_month)}/mo before it`];
  }
  if (entry.kind === 'self_host') {
    return entry.details.map(({ details }) => {
      const breakEven = details.break_even_tokens_per_month === null ? 'never (the API is cheaper per token)' : `${formatCount(details.break_even_tokens_per_month as number)} tokens/mo`;
      return `${formatMoney(details.self_host_usd_per_month as number)}/mo hosted vs ${formatMoney(details.api_usd_per_month as number)}/mo API at ${formatCount(details.tokens_per_month as number)} tokens/mo; break-even ${breakEven}: recorded volume ${details.passes_break_even ? 'passes it' : 'does not pass it'}`;
    });
  }
  return [];
}
