import { picodollarsToUsd } from '../cost/picodollars.js';
import type { GroupAggregate } from '../kpi/group-aggregate.js';
import { reportMeasures, type ReportMeasures } from '../kpi/report-measures.js';
import { ratio } from '../kpi/unit-ratios.js';
import { covers } from './replay-plan.js';
import type { SimulationGroupRow, SimulationSum } from './replay-sums.js';
import { leverFeatures, scenarioLevers, type ScenarioLever, type SimulationScenario } from './scenario-schema.js';
import type { LeverDetailValue, LeverOutcome, LeverRisk, SimulatedComparison, SimulationDelta, SimulationMeasures, SimulationResult } from './simulation-result.js';

/** Days in the month of every $/month figure: 365.25 ÷ 12. */
export const monthDays = 30.4375;

/** Revenue of a group in picodollars, split as the report splits it. */
export interface GroupRevenue {
  plan: bigint;
  record: bigint;
}

/** Everything the result is built from: the report's baseline, the replay's sums, and what the app derived. */
export interface SimulationInputs {
  scenario: SimulationScenario;
  window: { from: string; to: string; days: number };
  revenueTracked: boolean;
  baseline: { total: GroupAggregate; features: Map<string | null, GroupAggregate>; tiers: Map<string | null, GroupAggregate> };
  replay: readonly SimulationGroupRow[];
  /** Scenario revenue; a group missing here keeps its baseline revenue. */
  scenarioRevenue: { total: GroupRevenue; features: Map<string | null, GroupRevenue>; tiers: Map<string | null, GroupRevenue> } | null;
  /** Costs that belong to no call (vector store, GPU-hours, operations), per feature, in picodollars. */
  fixedCosts: Map<string | null, bigint>;
  usersAtLoss: { before: Map<string | null, number>; after: Map<string | null, number> } | null;
  /** Kind-specific figures by lever index (break-evens, paybacks…). */
  leverDetails: Map<number, Record<string, LeverDetailValue>>;
  labels: Map<number, string>;
  notes: string[];
}

const zeroRisk = (): LeverRisk => ({ calls_truncated: 0, calls_to_weaker_model: 0, answers_from_cache: 0, calls_escalated: 0, sessions_cut: 0, calls_dropped: 0, calls_delayed: 0 });

/** The result of a simulation from its inputs: measures with the report's names, deltas, savings, levers. */
export function buildSimulationResult(inputs: SimulationInputs): SimulationResult {
  const levers = scenarioLevers(inputs.scenario);
  const rows = (grouping: SimulationGroupRow['grouping']): SimulationGroupRow[] => inputs.replay.filter((row) => row.grouping === grouping);
  const totalRow = rows('total')[0];
  const fixedTotal = [...inputs.fixedCosts.values()].reduce((sum, value) => sum + value, 0n);

  const compare = (baseline: GroupAggregate, row: SimulationGroupRow | undefined, fixed: bigint, revenue: GroupRevenue | undefined): SimulatedComparison => {
    const scenario = scenarioAggregate(baseline, row, fixed, revenue);
    const before = reportMeasures(baseline, inputs.revenueTracked);
    const after = withoutClassCosts(reportMeasures(scenario, inputs.revenueTracked));
    const savings = baseline.costPicodollars.total - scenario.costPicodollars.total;
    const savingsUsd = picodollarsToUsd(savings);
    return {
      baseline: before,
      scenario: after,
      delta: deltaOf(before, after),
      savings_usd: savingsUsd,
      savings_usd_per_month: inputs.window.days > 0 ? (savingsUsd * monthDays) / inputs.window.days : 0,
      savings_percent: ratio(savings, baseline.costPicodollars.total),
    };
  };

  const featureRows = new Map(rows('feature').map((row) => [row.feature, row]));
  const features = [...inputs.baseline.features.entries()].map(([feature, baseline]) => {
    const row = featureRows.get(feature);
    return {
      feature,
      ...compare(baseline, row, inputs.fixedCosts.get(feature) ?? 0n, inputs.scenarioRevenue?.features.get(feature)),
      calls_touched: sum(row, 'calls_touched'),
      sessions_touched: sum(row, 'sessions_touched'),
    };
  });
  features.sort((a, b) => (b.baseline.cost_usd ?? 0) - (a.baseline.cost_usd ?? 0) || String(a.feature).localeCompare(String(b.feature)));

  const tierRows = new Map(rows('user_tier').map((row) => [row.userTier, row]));
  const tiers = [...inputs.baseline.tiers.entries()].map(([tier, baseline]) => ({
    user_tier: tier,
    // Fixed costs are per feature; a tier's figures are its calls' costs only.
    ...compare(baseline, tierRows.get(tier), 0n, inputs.scenarioRevenue?.tiers.get(tier)),
    users_at_loss_before: inputs.usersAtLoss?.before.get(tier) ?? 0,
    users_at_loss_after: inputs.usersAtLoss?.after.get(tier) ?? 0,
  }));
  tiers.sort((a, b) => String(a.user_tier).localeCompare(String(b.user_tier)));

  const sumOf = (map: Map<string | null, number> | undefined): number => [...(map?.values() ?? [])].reduce((total, value) => total + value, 0);
  return {
    scenario: { name: inputs.scenario.name ?? null, levers: levers.map((lever) => lever.kind) },
    window: inputs.window,
    month_days: monthDays,
    total: {
      ...compare(inputs.baseline.total, totalRow, fixedTotal, inputs.scenarioRevenue?.total),
      calls_touched: sum(totalRow, 'calls_touched'),
      sessions_touched: sum(totalRow, 'sessions_touched'),
      users_at_loss_before: sumOf(inputs.usersAtLoss?.before),
      users_at_loss_after: sumOf(inputs.usersAtLoss?.after),
    },
    features,
    tiers,
    levers: levers.map((lever) => leverOutcome(lever, inputs, featureRows)),
    notes: inputs.notes,
  };
}

function sum(row: SimulationGroupRow | undefined, name: SimulationSum): number {
  return row === undefined ? 0 : Number(row.sums[name]);
}

// The baseline aggregate with what the replay changed: calls, tokens, cost, model tiers, cache hits, revenue.
function scenarioAggregate(baseline: GroupAggregate, row: SimulationGroupRow | undefined, fixed: bigint, revenue: GroupRevenue | undefined): GroupAggregate {
  if (row === undefined) return { ...baseline };
  const get = (name: SimulationSum): bigint => row.sums[name];
  const count = (name: SimulationSum): number => Number(get(name));
  const total = get('cost') + fixed;
  return {
    ...baseline,
    calls: count('calls'),
    pricedCalls: count('priced_calls'),
    unpricedCalls: count('unpriced_calls'),
    failedCalls: count('failed_calls'),
    tokens: {
      input: count('input_tokens'),
      cacheRead: count('cache_read_tokens'),
      cacheWrite5m: count('cache_write_5m_tokens'),
      cacheWrite1h: count('cache_write_1h_tokens'),
      output: count('output_tokens'),
      reasoning: count('reasoning_tokens'),
      inputAudio: count('input_audio_tokens'),
      outputAudio: count('output_audio_tokens'),
    },
    unpricedInputTokens: count('unpriced_input_tokens'),
    unpricedOutputTokens: count('unpriced_output_tokens'),
    // The scenario is not broken down by token class (withoutClassCosts nulls those measures): only the total is exact.
    costPicodollars: { input: 0n, cacheRead: 0n, cacheWrite5m: 0n, cacheWrite1h: 0n, output: 0n, reasoning: 0n, audio: 0n, request: 0n, total },
    responseCacheHits: count('response_cache_hits'),
    responseCacheLookups: count('response_cache_lookups'),
    tierCalls: { budget: count('budget_calls'), mid: count('mid_calls'), frontier: count('frontier_calls'), unpriced: count('unpriced_tier_calls') },
    tierCostPicodollars: { budget: get('budget_cost'), mid: get('mid_cost'), frontier: get('frontier_cost'), unpriced: 0n },
    ...(revenue === undefined ? {} : { planRevenuePicodollars: revenue.plan, recordRevenuePicodollars: revenue.record }),
  };
}

const classCostMeasures = ['cost_input_usd', 'cost_cache_read_usd', 'cost_cache_write_usd', 'cost_output_usd', 'cost_reasoning_usd', 'cost_audio_usd', 'cost_request_usd'] as const;

function withoutClassCosts(measures: ReportMeasures): SimulationMeasures {
  const copy = { ...measures };
  for (const name of classCostMeasures) copy[name] = null;
  return copy;
}

function deltaOf(before: ReportMeasures, after: ReportMeasures): SimulationDelta {
  const delta: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(before)) {
    if (typeof value === 'string' || name === 'cost_usd_exact') continue;
    const next = (after as unknown as Record<string, number | null>)[name];
    delta[name] = typeof value === 'number' && typeof next === 'number' ? next - value : null;
  }
  return delta as unknown as SimulationDelta;
}

function leverOutcome(lever: ScenarioLever, inputs: SimulationInputs, featureRows: Map<string | null, SimulationGroupRow>): LeverOutcome {
  const named = lever.kind === 'price_change' ? null : leverFeatures(lever);
  const covered = [...featureRows.values()].filter((row) => covers(named, row.feature));
  const total = (name: SimulationSum): number => covered.reduce((sumSoFar, row) => sumSoFar + Number(row.sums[name]), 0);
  const risk = zeroRisk();
  let calls = 0;
  let sessions = 0;
  switch (lever.kind) {
    case 'route': {
      const routeRows = inputs.replay.filter((row) => row.grouping === 'route' && row.routeIndex !== null);
      const index = scenarioLevers(inputs.scenario).filter((candidate) => candidate.kind === 'route').findIndex((candidate) => candidate.index === lever.index);
      const row = routeRows.find((candidate) => candidate.routeIndex === index);
      calls = sum(row, 'routed');
      sessions = sum(row, 'routed_sessions');
      risk.calls_to_weaker_model = sum(row, 'weaker');
      risk.calls_escalated = sum(row, 'escalated');
      break;
    }
    case 'fine_tune':
      calls = total('fine_tuned');
      sessions = total('fine_tuned_sessions');
      risk.calls_to_weaker_model = calls;
      break;
    case 'prompt_cache':
      calls = total('prompt_cache_hits') + total('prompt_cache_misses');
      sessions = total('prompt_cache_sessions');
      break;
    case 'response_cache':
      calls = total('response_lookups');
      sessions = total('response_cache_sessions');
      risk.answers_from_cache = total('response_hits');
      break;
    case 'output_cap':
      calls = total('truncated');
      sessions = total('truncated_sessions');
      risk.calls_truncated = calls;
      break;
    case 'prompt_trim':
      calls = total('trimmed');
      sessions = total('trimmed_sessions');
      break;
    case 'session_limit':
      calls = total('dropped');
      sessions = total('sessions_cut');
      risk.sessions_cut = sessions;
      risk.calls_dropped = calls;
      break;
    case 'price_change':
      calls = Math.max(total('repriced'), total('batched'));
      sessions = total('batched_sessions');
      risk.calls_delayed = total('batched');
      break;
    case 'self_host':
      calls = total('self_hosted');
      sessions = total('self_hosted_sessions');
      break;
    case 'plans':
      break;
  }
  const features = named ?? [...featureRows.keys()].filter((feature): feature is string => feature !== null).sort();
  return {
    index: lever.index,
    kind: lever.kind,
    label: inputs.labels.get(lever.index) ?? lever.kind,
    features,
    calls_touched: calls,
    sessions_touched: sessions,
    risk,
    details: inputs.leverDetails.get(lever.index) ?? {},
  };
}
