import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readThroughServer } from '../app/read-through-server.js';
import { simulate } from '../app/simulate-service.js';
import { formatCount, formatMoney, formatShare } from '../core/kpi/format-measures.js';
import { addDays } from '../core/kpi/report-periods.js';
import type { LeverOutcome, LeverRisk, SimulatedComparison, SimulationResult } from '../core/simulate/simulation-result.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';
import { parseDateOption } from './parse-date-option.js';

interface SimulateCommandOptions {
  scenario: string;
  from?: string;
  to?: string;
  json?: boolean;
  db?: string;
}

/** Registers `unitcost simulate`. */
export function registerSimulateCommand(program: Command, context: CliContext): void {
  program
    .command('simulate')
    .description('what if: replay the recorded calls under a scenario of cost levers, baseline against scenario per feature, tier and in total')
    .requiredOption('--scenario <file>', 'the scenario: YAML or JSON with a levers list (docs/simulate.md, examples/what-if.yaml)')
    .option('--from <date>', 'first day to replay (default: the first stored day)')
    .option('--to <date>', 'the day after the last day to replay, exclusive (default: the day after the last stored day)')
    .option('--json', 'print JSON for scripts (the measures of unitcost report --json)')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .addHelpText(
      'after',
      `
Every call of the window is replayed, not an average: routing, prompt and response caching, output caps,
prompt trimming, session limits, price changes, fine-tuning, self-hosting and new plans, in the order of
docs/simulate.md. Costs are exact picodollars; the same scenario picks the same calls on every run.

Examples:
  unitcost simulate --scenario examples/what-if.yaml
  unitcost simulate --scenario what-if.yaml --from 2026-03-01 --to 2026-04-01 --json`,
    )
    .action(async (options: SimulateCommandOptions) => {
      const from = options.from === undefined ? undefined : parseDateOption(options.from, '--from');
      const to = options.to === undefined ? undefined : parseDateOption(options.to, '--to');
      const db = options.db === undefined ? {} : { db: options.db };
      // While `unitcost serve` holds the store, the scenario (already checked here) goes to its POST /v1/simulate, as YAML (JSON is YAML too).
      const answer = await readThroughServer(
        context.app(),
        db,
        () => simulate(context.app(), { scenario: { file: options.scenario }, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), ...db }),
        () => ({
          method: 'POST',
          path: '/v1/simulate',
          query: [...(from === undefined ? [] : [['from', from.toISOString()] as [string, string]]), ...(to === undefined ? [] : [['to', to.toISOString()] as [string, string]])],
          body: { text: readFileSync(options.scenario, 'utf8'), contentType: 'application/yaml', name: options.scenario },
        }),
      );
      if (answer.from === 'server') context.io.stderr(`the store is open in \`unitcost serve\` (pid ${answer.server.pid}): asked it at ${answer.server.url}\n`);
      // The server's answer is the JSON of this command's --json, so it is the result itself.
      const result = answer.from === 'store' ? answer.value : (answer.json as SimulationResult);
      context.io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : simulationText(result));
    });
}

const arrow = (before: string, after: string): string => (before === after ? before : `${before} → ${after}`);

/** The risk of a lever in words: only what it puts at risk. */
export function riskText(risk: LeverRisk): string {
  const parts: string[] = [];
  if (risk.calls_truncated) parts.push(`${formatCount(risk.calls_truncated)} truncated`);
  if (risk.calls_to_weaker_model) parts.push(`${formatCount(risk.calls_to_weaker_model)} on a weaker model`);
  if (risk.answers_from_cache) parts.push(`${formatCount(risk.answers_from_cache)} answered from cache`);
  if (risk.calls_escalated) parts.push(`${formatCount(risk.calls_escalated)} escalated`);
  if (risk.sessions_cut) parts.push(`${formatCount(risk.sessions_cut)} sessions cut (${formatCount(risk.calls_dropped)} calls)`);
  if (risk.calls_delayed) parts.push(`${formatCount(risk.calls_delayed)} answered up to 24 h later (batch)`);
  return parts.length ? parts.join(', ') : 'none';
}

function detailText(lever: LeverOutcome): string {
  const details = lever.details;
  switch (lever.kind) {
    case 'prompt_cache': {
      const breakEven = (details.break_even as Array<{ model: string; break_even_hit_rate: number | null }>) ?? [];
      return `break-even hit rate ${breakEven.map((entry) => `${entry.model} ${entry.break_even_hit_rate === null ? 'never pays' : formatShare(entry.break_even_hit_rate)}`).join(', ')}${details.pays_off ? '' : ' — caching costs more than it saves'}`;
    }
    case 'fine_tune':
      return details.payback_days === null ? 'never pays back' : `payback ${Math.ceil(details.payback_days as number)} days`;
    case 'self_host':
      return `${formatMoney(details.self_host_usd_per_month as number)}/mo hosted vs ${formatMoney(details.api_usd_per_month as number)}/mo API; break-even ${details.break_even_tokens_per_month === null ? 'never' : `${formatCount(details.break_even_tokens_per_month as number)} tokens/mo`}: ${details.passes_break_even ? 'passes' : 'does not pass'}`;
    case 'output_cap':
      return `${formatCount(details.output_tokens_cut as number)} output tokens cut`;
    case 'prompt_trim':
      return `${formatCount(details.input_tokens_cut as number)} input tokens cut`;
    default:
      return '';
  }
}

function comparisonCells(name: string, comparison: SimulatedComparison, touched: number | null): string[] {
  const { baseline, scenario } = comparison;
  return [
    name,
    arrow(formatCount(baseline.calls), formatCount(scenario.calls)),
    formatMoney(baseline.cost_usd),
    formatMoney(scenario.cost_usd),
    formatMoney(comparison.savings_usd_per_month),
    formatShare(comparison.savings_percent),
    arrow(formatMoney(baseline.cost_per_successful_task_usd), formatMoney(scenario.cost_per_successful_task_usd)),
    arrow(formatMoney(baseline.cost_per_active_user_month_usd), formatMoney(scenario.cost_per_active_user_month_usd)),
    arrow(formatShare(baseline.inference_margin), formatShare(scenario.inference_margin)),
    touched === null ? '' : formatCount(touched),
  ];
}

/** The simulation as tables for people: per feature and total, per tier, then each lever with its risk. */
export function simulationText(result: SimulationResult): string {
  const lines: string[] = [];
  lines.push(`what if: ${result.scenario.name ?? '(unnamed scenario)'} — replaying ${result.window.from} → ${addDays(result.window.to, -1)} (${result.window.days} days)`);
  const head = ['feature', 'calls', 'cost', 'scenario', 'saved/mo', 'saved', '$/success', '$/user·mo', 'margin', 'touched'];
  const rows = result.features.map((feature) => comparisonCells(feature.feature ?? '(none)', feature, feature.calls_touched));
  rows.push(comparisonCells('total', result.total, result.total.calls_touched));
  lines.push(formatTable(head, rows, [2, 3, 4, 5]).trimEnd());
  if (result.tiers.length > 0) {
    const tierHead = ['tier', 'calls', 'cost', 'scenario', 'saved/mo', 'saved', '$/success', '$/user·mo', 'margin', 'users at a loss'];
    const tierRows = result.tiers.map((tier) => {
      const cells = comparisonCells(tier.user_tier ?? '(none)', tier, null);
      cells[cells.length - 1] = arrow(formatCount(tier.users_at_loss_before), formatCount(tier.users_at_loss_after));
      return cells;
    });
    lines.push(formatTable(tierHead, tierRows, [2, 3, 4, 5]).trimEnd());
  }
  if (result.levers.length > 0) {
    const leverRows = result.levers.map((lever) => [lever.label, formatCount(lever.calls_touched), formatCount(lever.sessions_touched), riskText(lever.risk), detailText(lever)]);
    lines.push(formatTable(['lever', 'calls', 'sessions', 'quality risk', 'economics'], leverRows, [1, 2]).trimEnd());
  }
  for (const note of result.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
