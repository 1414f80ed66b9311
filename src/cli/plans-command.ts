import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { plans, plansQuery, type PlansOptions, type PlansResult } from '../app/plans/plans-service.js';
import { readThroughServer } from '../app/read-through-server.js';
import { formatCount, formatMoney, formatShare } from '../core/kpi/format-measures.js';
import { addDays } from '../core/kpi/report-periods.js';
import { defaultPricePointsUsd } from '../core/plans/plan-constraints.js';
import { subsidizedUsersCsv, type PlanCandidateJson, type TierPlansJson } from '../core/plans/plans-result.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';

interface PlansCommandOptions {
  tier?: string;
  targetMargin?: string;
  pricePoints?: string;
  maxOverageShare?: string;
  allowance?: string;
  month?: string;
  models: boolean;
  json?: boolean;
  subsidizedCsv?: string;
  db?: string;
}

// The subsidized users printed per tier; the rest go to --subsidized-csv.
const listedUsers = 5;

/** Registers `unitcost plans`. */
export function registerPlansCommand(program: Command, context: CliContext): void {
  program
    .command('plans')
    .description('pricing from recorded usage: per user tier, the seat price, included allowance and overage rate that reach a target gross margin, against today\'s plan, with who is served at a loss')
    .option('--tier <tier>', 'only this user tier (default: every tier with calls)')
    .option('--target-margin <fraction>', 'gross margin to reach, (revenue − inference cost) ÷ revenue', '0.7')
    .option('--price-points <prices>', `seat prices to choose from, in $/month, comma-separated (default: ${defaultPricePointsUsd.join(',')})`)
    .option('--max-overage-share <fraction>', 'at most this share of a tier\'s users may exceed the allowance', '0.2')
    .option('--allowance <unit>', 'what the allowance counts: calls, tasks or usd (dollars of inference)', 'calls')
    .option('--month <YYYY-MM>', 'price from this calendar month (default: the last 30 days of data, scaled to a month)')
    .option('--no-models', 'skip repricing each tier at a budget and a mid model')
    .option('--json', 'print JSON for scripts')
    .option('--subsidized-csv <file>', 'write the users served at a loss today (every tier) to this CSV file')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .addHelpText(
      'after',
      `
For each user tier: the allowance is the usage that at most --max-overage-share of its users exceed (rounded up
to two significant digits); overage is priced so that each unit beyond it carries the target margin (its cost ÷
(1 − margin)); one candidate per price point, and the cheapest that reaches the margin is recommended. Each tier
is also repriced at a budget and a mid model (the routing lever's replay): the margin each gives. Money is exact
picodollars; the same data gives the same plans. docs/plans.md has the method.

Examples:
  unitcost plans --tier pro --target-margin 0.7
  unitcost plans --price-points 9,19,29,49,99 --max-overage-share 0.1 --allowance usd
  unitcost plans --month 2026-03 --subsidized-csv subsidized.csv`,
    )
    .action(async (options: PlansCommandOptions) => {
      const request: PlansOptions = {
        ...(options.tier === undefined ? {} : { tier: options.tier }),
        ...(options.targetMargin === undefined ? {} : { targetMargin: options.targetMargin }),
        ...(options.pricePoints === undefined ? {} : { pricePoints: options.pricePoints }),
        ...(options.maxOverageShare === undefined ? {} : { maxOverageShare: options.maxOverageShare }),
        ...(options.allowance === undefined ? {} : { allowance: options.allowance }),
        ...(options.month === undefined ? {} : { month: options.month }),
        ...(options.db === undefined ? {} : { db: options.db }),
        models: options.models,
      };
      const db = options.db === undefined ? {} : { db: options.db };
      // While `unitcost serve` holds the store, the same question goes to its GET /v1/plans.
      const answer = await readThroughServer(
        context.app(),
        db,
        () => plans(context.app(), request),
        () => ({ method: 'GET', path: '/v1/plans', query: plansQuery(request) }),
      );
      if (answer.from === 'server') context.io.stderr(`the store is open in \`unitcost serve\` (pid ${answer.server.pid}): asked it at ${answer.server.url}\n`);
      const result = answer.from === 'store' ? answer.value : (answer.json as PlansResult);
      if (options.subsidizedCsv !== undefined) {
        try {
          writeFileSync(options.subsidizedCsv, subsidizedUsersCsv(result));
        } catch (error) {
          throw new UnitcostError('invalid_argument', `cannot write ${options.subsidizedCsv}: ${(error as Error).message}`, { field: '--subsidized-csv', file: options.subsidizedCsv });
        }
        const count = result.tiers.reduce((sum, tier) => sum + tier.subsidized.length, 0);
        context.io.stderr(`wrote ${formatCount(count)} users served at a loss to ${options.subsidizedCsv}\n`);
      }
      context.io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : plansText(result));
    });
}

const unitName = { calls: 'call', tasks: 'task', usd: '$1 of inference' } as const;

function allowanceText(tier: { allowance: number; allowance_unit: 'calls' | 'tasks' | 'usd' }): string {
  return tier.allowance_unit === 'usd' ? `${formatMoney(tier.allowance)} of inference` : `${formatCount(tier.allowance)} ${tier.allowance_unit}`;
}

function candidateRow(name: string, candidate: Pick<PlanCandidateJson, 'revenue_usd' | 'cost_usd' | 'margin' | 'users_subsidized'> & Partial<PlanCandidateJson>, users: number): string[] {
  return [
    name,
    candidate.overage_revenue_usd === undefined ? '' : formatMoney(candidate.overage_revenue_usd),
    formatMoney(candidate.revenue_usd),
    formatMoney(candidate.cost_usd),
    formatShare(candidate.margin),
    candidate.users_paying_overage === undefined ? '' : `${formatCount(candidate.users_paying_overage)} (${formatShare(candidate.overage_share ?? 0)})`,
    `${formatCount(candidate.users_subsidized)} of ${formatCount(users)}`,
  ];
}

function tierText(tier: TierPlansJson): string[] {
  const lines = [`tier ${tier.user_tier}: ${formatCount(tier.users)} users, inference ${formatMoney(tier.cost_usd)}/mo`];
  const first = tier.candidates[0];
  if (first) {
    const basis = first.allowance_unit === 'usd' ? '$1 of inference' : `the ${formatMoney(tier.unit_cost_usd)} a ${unitName[first.allowance_unit]} beyond it costs`;
    lines.push(`  allowance ${allowanceText(first)}; overage ${formatMoney(first.overage_usd_per_unit)} per ${unitName[first.allowance_unit]}: ${basis}, priced at the target margin`);
  }
  const today = tier.current.plan === null ? 'today (revenue records)' : `today (${formatMoney(tier.current.plan.seat_price_usd_per_month)} seat)`;
  const rows = [candidateRow(today, tier.current, tier.users)];
  for (const candidate of tier.candidates) rows.push(candidateRow(`${formatMoney(candidate.price_usd)}${candidate.recommended ? ' ✓' : ''}`, candidate, tier.users));
  lines.push(formatTable(['plan', 'overage/mo', 'revenue/mo', 'cost/mo', 'margin', 'users on overage', 'served at a loss'], rows, [1, 2, 3, 4, 5, 6]).trimEnd());
  lines.push(`  ${tier.recommended ? 'recommended: ' : ''}${tier.explanation}`);
  if (tier.recommended?.config) lines.push(`  in the config: plans: { ${tier.user_tier}: ${JSON.stringify(tier.recommended.config)} }`);
  if (tier.models) {
    const modelRows = tier.models.options.map((option) => [
      `${option.model ?? 'as recorded'}${option.suggested ? ' ✓' : ''}`,
      option.model_tier,
      formatMoney(option.cost_usd),
      formatShare(option.margin_today),
      formatShare(option.margin_with_plan),
      formatMoney(option.cheapest_price_usd),
    ]);
    lines.push(formatTable(['models', 'tier', 'cost/mo', 'margin today', 'with the plan', 'cheapest price'], modelRows, [2, 3, 4, 5]).trimEnd());
    lines.push(`  ${tier.models.suggestion}`);
  }
  if (tier.subsidized.length > 0) {
    lines.push(`  served at a loss today: ${formatCount(tier.subsidized.length)}${tier.recommended ? `; with the recommended plan ${formatCount(tier.recommended.subsidized_today_still)} of them still are` : ''}`);
    for (const user of tier.subsidized.slice(0, listedUsers)) {
      const withPlan = user.revenue_with_plan_usd === null ? '' : `, would pay ${formatMoney(user.revenue_with_plan_usd)}${user.at_loss_with_plan ? ' (still at a loss)' : ''}`;
      lines.push(`    ${user.user_id}: costs ${formatMoney(user.cost_usd)}, pays ${formatMoney(user.revenue_usd)} (loss ${formatMoney(user.loss_usd)})${withPlan}`);
    }
    if (tier.subsidized.length > listedUsers) lines.push(`    … and ${formatCount(tier.subsidized.length - listedUsers)} more: --subsidized-csv FILE lists them all`);
  }
  return lines;
}

/** The plans for people: per tier, today's plan and the candidates side by side, the models, who is subsidized. */
export function plansText(result: PlansResult): string {
  const { window, constraints } = result;
  const period = window.month !== null ? window.month : `${window.from} → ${addDays(window.to, -1)}${window.scaled_to_month ? `, ${window.days} days scaled to a month` : ''}`;
  const lines = [
    `plans from ${period}: target margin ${formatShare(constraints.target_margin)}, at most ${formatShare(constraints.max_overage_share)} of users on overage, allowance in ${constraints.allowance_unit}`,
  ];
  for (const tier of result.tiers) lines.push('', ...tierText(tier));
  if (result.notes.length > 0) lines.push('', ...result.notes.map((note) => `note: ${note}`));
  return `${lines.join('\n')}\n`;
}
