import type { Command } from 'commander';
import { optimize } from '../app/optimize-service.js';
import { formatCount, formatMoney, formatShare } from '../core/kpi/format-measures.js';
import { addDays } from '../core/kpi/report-periods.js';
import { optimizeDefaults } from '../core/simulate/optimize-levers.js';
import type { LeverKind, OptimizeEntry, OptimizePlans, OptimizeResult } from '../core/simulate/simulation-result.js';
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

const { fine_tune: fineTune, self_host: selfHost, price_change: priceChange } = optimizeDefaults;
// The help states the figures of the levers that cost money up front, from the code, so it cannot drift.
const defaultsHelp = `
Defaults (override any of them with --defaults FILE.yaml; docs/simulate.md lists them all, with sources):
  fine_tune   ${formatShare(fineTune.share)} of each mid/frontier feature moves to its provider's budget model, fine-tuned;
              training = ${formatCount(fineTune.training_examples)} examples × (median input + p90 output tokens) × ${fineTune.epochs} epochs
              at $${fineTune.training_usd_per_million_tokens}/M training tokens, amortized over ${fineTune.amortization_months} months
  self_host   the features on a budget-tier model, on an 8B-class open model: $${selfHost.gpu_usd_per_hour}/GPU-hour (H100),
              ${formatCount(selfHost.tokens_per_second)} tokens/s, utilization ${selfHost.utilization}, fixed $${formatCount(selfHost.fixed_usd_per_month)}/month operations
  batch       price_change.batch_tolerant_features: the features that can wait up to 24 h for an answer. None by
              default, so the batch discount is not evaluated; with them, ${formatShare(priceChange.batch_discount)} off their calls, shown as an
              upper bound (≤ $…): every call of those features moved to batch
  plans       the plan unitcost plans recommends per user tier (target margin 70%), with the margin now → with it:
              they change revenue, not cost, so they are shown beside the ranking (tune them with unitcost plans)
Stacked: the best lever, then each next one in rank order, kept only if the stack saves more with it
(levers interact: a lever that saves alone can cost on top of others); the ones left out are listed with why.
Example FILE.yaml:
  fine_tune: { training_usd: 2000, amortization_months: 12 }
  self_host: { gpu_usd_per_hour: 1.9, tokens_per_second: 3000, features: [support-faq] }
  price_change: { batch_tolerant_features: [doc-summarizer] }

Paste a ranked lever into a scenario file to tune it with unitcost simulate.`;

/** Registers `unitcost optimize`. */
export function registerOptimizeCommand(program: Command, context: CliContext): void {
  program
    .command('optimize')
    .description('the optimization stack for your traffic: each cost lever alone with stated defaults, ranked by $/month saved (net of amortized one-off costs) with its risk, then stacked (each kept only if it adds)')
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
    bound(formatMoney(entry.savings_usd_per_month), entry.upper_bound),
    bound(formatShare(entry.savings_percent), entry.upper_bound),
    entry.amortized_usd_per_month > 0 ? formatMoney(entry.amortized_usd_per_month) : '',
    formatCount(entry.calls_touched),
    riskText(entry.risk),
  ]);
  rows.push([
    '',
    'stacked',
    bound(formatMoney(result.stacked.savings_usd_per_month), result.stacked.upper_bound),
    bound(formatShare(result.stacked.savings_percent), result.stacked.upper_bound),
    result.stacked.amortized_usd_per_month > 0 ? formatMoney(result.stacked.amortized_usd_per_month) : '',
    '',
    riskText(result.stacked.risk),
  ]);
  lines.push(formatTable(['#', 'lever', 'net saved/mo', 'saved', 'one-off/mo', 'calls', 'quality risk'], rows, [2, 3, 4, 5]).trimEnd());
  for (const entry of result.ranked) {
    lines.push(`  ${entry.rank}. ${entry.label}`);
    for (const line of economicsLines(entry)) lines.push(`     ${line}`);
  }
  lines.push(`stacked: ${result.stacked.kinds.length > 0 ? result.stacked.kinds.join(' + ') : 'no lever saves money'}`);
  for (const leftOut of result.stacked.left_out_reasons) lines.push(`  left out: ${leftOut.kind} — ${leftOut.reason}`);
  if (result.plans) lines.push(...plansLines(result.plans));
  for (const skipped of result.skipped) lines.push(`not evaluated: ${kindName(skipped.kind)} — ${skipped.reason}`);
  return `${lines.join('\n')}\n`;
}

// The plans lever: what unitcost plans recommends per tier and what it does to the margin.
function plansLines(plans: OptimizePlans): string[] {
  const lines = [`plans (unitcost plans, target margin ${formatShare(plans.target_margin)}; they change revenue, not cost):`];
  for (const tier of plans.tiers) {
    if (tier.price_usd === null) {
      lines.push(`  ${tier.user_tier}: ${tier.explanation}`);
      continue;
    }
    const allowance = tier.allowance_unit === 'usd' ? `${formatMoney(tier.allowance)} of inference` : `${formatCount(tier.allowance ?? 0)} ${tier.allowance_unit}`;
    const per = tier.allowance_unit === 'usd' ? '$1 of inference' : tier.allowance_unit === 'calls' ? 'call' : 'task';
    lines.push(
      `  ${tier.user_tier}: ${formatMoney(tier.price_usd)}/mo with ${allowance}, then ${formatMoney(tier.overage_usd_per_unit)} per ${per}: ` +
        `margin ${formatShare(tier.margin_now)} → ${formatShare(tier.margin_with_plan)}, users at a loss ${formatCount(tier.users_at_loss_now)} → ${formatCount(tier.users_at_loss_with_plan ?? 0)}`,
    );
  }
  return lines;
}

// An upper bound reads as one: "≤ $57.12".
const bound = (figure: string, upperBound: boolean): string => (upperBound ? `≤ ${figure}` : figure);

// The batch discount is optimize's only price change: name it so.
const kindName = (kind: LeverKind): string => (kind === 'price_change' ? 'price_change (batch)' : kind);

// Payback and break-even: what decides whether fine-tuning or self-hosting is worth it at this volume.
function economicsLines(entry: OptimizeEntry): string[] {
  if (entry.kind === 'fine_tune') {
    const lines = entry.details.map(({ details }) => {
      const payback = details.payback_days === null ? 'never pays back' : `pays back in ${Math.ceil(details.payback_days as number)} days`;
      return `${String(details.target_model)} for ${formatCount(details.moved_calls as number)} calls: training ${formatMoney(details.training_usd as number)}, ${payback}`;
    });
    return [...lines, `training ${formatMoney(entry.one_off_usd)} in all, ${formatMoney(entry.amortized_usd_per_month)}/mo amortized; replay saves ${formatMoney(entry.simulated_savings_usd_per_month)}/mo before it`];
  }
  if (entry.kind === 'price_change') {
    const features = batchedFeatures(entry);
    return [`an upper bound: every call of ${features} moved to the batch API; their answers arrive within 24 h, not at once`];
  }
  if (entry.kind === 'self_host') {
    return entry.details.map(({ details }) => {
      const breakEven = details.break_even_tokens_per_month === null ? 'never (the API is cheaper per token)' : `${formatCount(details.break_even_tokens_per_month as number)} tokens/mo`;
      return `${formatMoney(details.self_host_usd_per_month as number)}/mo hosted vs ${formatMoney(details.api_usd_per_month as number)}/mo API at ${formatCount(details.tokens_per_month as number)} tokens/mo; break-even ${breakEven}: recorded volume ${details.passes_break_even ? 'passes it' : 'does not pass it'}`;
    });
  }
  return [];
}

// The features optimize batched, as its lever names them (price_change.batch.feature).
function batchedFeatures(entry: OptimizeEntry): string {
  const items = (entry.lever as { levers?: Array<{ price_change?: { batch?: { feature?: string | string[] } } }> }).levers ?? [];
  const named = items.flatMap((item) => item.price_change?.batch?.feature ?? []);
  return named.length > 0 ? named.join(', ') : 'every feature';
}
