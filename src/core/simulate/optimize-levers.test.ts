import { describe, expect, it } from 'vitest';
import { monthDays } from './build-simulation-result.js';
import { leverDetails, leverFixedCosts, type LeverContext } from './lever-economics.js';
import { defaultLevers, fineTuneTrainingUsd, notEvaluated, optimizeDefaults, optimizeDefaultsFileSchema, rankOptimization, withOverrides, type DefaultLever, type FeatureProfile, type LeverStack } from './optimize-levers.js';
import { simulationSums, type SimulationGroupRow, type SimulationSum } from './replay-sums.js';
import { scenarioLevers, simulationScenarioSchema } from './scenario-schema.js';
import type { LeverOutcome, SimulationResult } from './simulation-result.js';

// A frontier feature with a budget model of its provider, and a feature already on a budget model.
const agent: FeatureProfile = { feature: 'agent', model: 'anthropic/claude-opus-4-1', tier: 'frontier', budgetAlternative: 'anthropic/claude-haiku-4-5', medianInputTokens: 2_000, p90OutputTokens: 500, p95SessionCalls: 12 };
const classifier: FeatureProfile = { feature: 'classifier', model: 'openai/gpt-4.1-nano', tier: 'budget', budgetAlternative: null, medianInputTokens: 300, p90OutputTokens: 5, p95SessionCalls: null };

const leverOf = (levers: DefaultLever[], kind: DefaultLever['kind']) => levers.find((lever) => lever.kind === kind);

// Enough of a simulation result for the ranking: a window of 30.4375 days, so $ over the window = $/month.
function simulated(savingsPerMonth: number, outcomes: Array<Partial<LeverOutcome>> = [{}], baselineCost = 1_000): SimulationResult {
  const risk = { calls_truncated: 0, calls_to_weaker_model: 0, answers_from_cache: 0, calls_escalated: 0, sessions_cut: 0, calls_dropped: 0, calls_delayed: 0 };
  return {
    window: { from: '2026-03-01', to: '2026-03-31', days: monthDays },
    month_days: monthDays,
    total: { baseline: { cost_usd: baselineCost }, savings_usd_per_month: savingsPerMonth, savings_percent: savingsPerMonth / baselineCost, calls_touched: 10 },
    levers: outcomes.map((outcome) => ({ label: 'a lever', risk, details: {}, ...outcome })),
  } as unknown as SimulationResult;
}

describe('optimize: the default levers', () => {
  it('fine-tunes each mid or frontier feature to its budget model, training priced from its recorded token sizes', () => {
    const fineTune = leverOf(defaultLevers([agent, classifier]), 'fine_tune')!;
    // 10,000 examples × (2,000 + 500 tokens) × 3 epochs = 75M training tokens at $5/M = $375.
    expect(fineTune.levers).toEqual([{ fine_tune: { feature: 'agent', target_model: 'anthropic/claude-haiku-4-5', share: 0.8, training_usd: 375 } }]);
    expect(fineTune.oneOffUsd).toBe(375);
    // The lever is a valid scenario lever as written.
    expect(simulationScenarioSchema.safeParse({ levers: fineTune.levers }).success).toBe(true);
  });

  it('self-hosts the features on a budget-tier model with the stated GPU, throughput and operations figures', () => {
    const selfHost = leverOf(defaultLevers([agent, classifier]), 'self_host')!;
    expect(selfHost.levers).toEqual([{ self_host: { feature: ['classifier'], gpu_usd_per_hour: 2.69, tokens_per_second: 5000, utilization: 0.5, fixed_usd_per_month: 1500 } }]);
    expect(simulationScenarioSchema.safeParse({ levers: selfHost.levers }).success).toBe(true);
  });

  it('lets a defaults file replace the stated figures, field by field', () => {
    const overrides = optimizeDefaultsFileSchema.parse({ fine_tune: { training_examples: 2_000, epochs: 1, training_usd_per_million_tokens: 8 }, self_host: { gpu_usd_per_hour: 1.5, features: ['agent'] } });
    const defaults = withOverrides(overrides);
    // 2,000 × 2,500 × 1 = 5M tokens at $8/M = $40; the share keeps its default.
    expect(fineTuneTrainingUsd(agent, defaults.fine_tune)).toBe(40);
    expect(defaults.fine_tune.share).toBe(0.8);
    expect(leverOf(defaultLevers([agent, classifier], defaults), 'self_host')!.levers).toEqual([{ self_host: { feature: ['agent'], gpu_usd_per_hour: 1.5, tokens_per_second: 5000, utilization: 0.5, fixed_usd_per_month: 1500 } }]);
    // A stated training price wins over the token estimate.
    expect(fineTuneTrainingUsd(agent, withOverrides({ fine_tune: { training_usd: 600 } }).fine_tune)).toBe(600);
    expect(optimizeDefaults.fine_tune.training_usd).toBeNull();
  });

  it('rejects a misspelt or out-of-range default', () => {
    expect(optimizeDefaultsFileSchema.safeParse({ self_host: { gpu_per_hour: 2 } }).success).toBe(false);
    expect(optimizeDefaultsFileSchema.safeParse({ fine_tune: { share: 1.5 } }).success).toBe(false);
    expect(optimizeDefaultsFileSchema.safeParse({ self_host: { utilization: 0 } }).success).toBe(false);
  });

  it('lists every kind it could not evaluate, and plans always, with why', () => {
    const levers = defaultLevers([classifier]);
    const skipped = notEvaluated(levers);
    expect(skipped.map((entry) => entry.kind)).toEqual(['route', 'fine_tune', 'session_limit', 'price_change', 'plans']);
    expect(skipped.find((entry) => entry.kind === 'plans')!.reason).toContain('needs your plan prices');
    // Every kind is either evaluated or listed.
    const all = new Set([...levers.map((lever) => lever.kind), ...skipped.map((entry) => entry.kind)]);
    expect(all.size).toBe(10);
    expect(notEvaluated(defaultLevers([agent])).map((entry) => entry.kind)).toEqual(['self_host', 'price_change', 'plans']);
  });

  it('does not batch any feature unless the team marks it as tolerant of delay, and says how to', () => {
    expect(leverOf(defaultLevers([agent, classifier]), 'price_change')).toBeUndefined();
    const reason = notEvaluated(defaultLevers([agent, classifier])).find((entry) => entry.kind === 'price_change')!.reason;
    expect(reason).toContain('no feature is marked as tolerant of delay');
    expect(reason).toContain('set price_change.batch_tolerant_features in --defaults');
  });

  it('batches only the features marked as tolerant of delay that have recorded calls', () => {
    const defaults = withOverrides(optimizeDefaultsFileSchema.parse({ price_change: { batch_tolerant_features: ['classifier', 'nightly-backfill'] } }));
    const batch = leverOf(defaultLevers([agent, classifier], defaults), 'price_change')!;
    expect(batch.levers).toEqual([{ price_change: { batch: { feature: ['classifier'], discount: 0.5 } } }]);
    expect(simulationScenarioSchema.safeParse({ levers: batch.levers }).success).toBe(true);
    // Named, but none recorded: not evaluated, saying which.
    const unrecorded = withOverrides({ price_change: { batch_tolerant_features: ['nightly-backfill'] } });
    expect(leverOf(defaultLevers([agent], unrecorded), 'price_change')).toBeUndefined();
    expect(notEvaluated(defaultLevers([agent], unrecorded), unrecorded).find((entry) => entry.kind === 'price_change')!.reason).toBe('none of price_change.batch_tolerant_features (nightly-backfill) has recorded calls in the window');
  });
});

describe('optimize: the ranking', () => {
  const levers = defaultLevers([agent, classifier]);
  const route = leverOf(levers, 'route')!;
  const fineTune = leverOf(levers, 'fine_tune')!;
  const selfHost = leverOf(levers, 'self_host')!;
  const alone = [
    { lever: route, result: simulated(60) },
    // $100/month saved by the replay − $375 training ÷ 6 months ($62.50) = $37.50 net.
    { lever: fineTune, result: simulated(100, [{ details: { payback_days: 112.5 } }]) },
    { lever: selfHost, result: simulated(-1_450) },
  ];

  const stack = (levers: DefaultLever[], savingsPerMonth: number): LeverStack => ({
    levers,
    result: simulated(savingsPerMonth),
    leftOut: [{ kind: 'self_host', reason: 'loses $1,450.00/mo alone, net of one-off costs', alone_usd_per_month: -1_450, stack_change_usd_per_month: null }],
  });

  it('ranks fine-tuning and self-hosting with the others by $/month saved net of amortized training', () => {
    const result = rankOptimization(alone, stack([route, fineTune], 150));
    expect(result.ranked.map((entry) => [entry.kind, entry.savings_usd_per_month])).toEqual([
      ['route', 60],
      ['fine_tune', 37.5],
      ['self_host', -1_450],
    ]);
    const tuned = result.ranked[1]!;
    expect(tuned).toMatchObject({ simulated_savings_usd_per_month: 100, one_off_usd: 375, amortized_usd_per_month: 62.5, details: [{ label: 'a lever', details: { payback_days: 112.5 } }] });
    // Net of training as a share of the baseline's $1,000 a month.
    expect(tuned.savings_percent).toBeCloseTo(0.0375, 12);
    expect(result.ranked[0]!.savings_percent).toBe(0.06);
    expect(result.defaults).toEqual(optimizeDefaults);
  });

  it('nets the stack of its levers\' training and says which levers it left out, and why', () => {
    const result = rankOptimization(alone, stack([route, fineTune], 150));
    expect(result.stacked).toMatchObject({ savings_usd_per_month: 87.5, simulated_savings_usd_per_month: 150, amortized_usd_per_month: 62.5, kinds: ['route', 'fine_tune'], left_out: ['self_host'], upper_bound: false });
    expect(result.stacked.left_out_reasons[0]!.reason).toContain('loses $1,450');
  });

  it('marks the batch discount, and a stack holding it, as an upper bound', () => {
    const batch: DefaultLever = { kind: 'price_change', levers: [{ price_change: { batch: { feature: ['classifier'], discount: 0.5 } } }], oneOffUsd: 0 };
    const result = rankOptimization([...alone, { lever: batch, result: simulated(20) }], stack([route, fineTune, batch], 160));
    expect(result.ranked.map((entry) => [entry.kind, entry.upper_bound])).toEqual([
      ['route', false],
      ['fine_tune', false],
      ['price_change', true],
      ['self_host', false],
    ]);
    expect(result.stacked.upper_bound).toBe(true);
  });

  it('amortizes over the months of the defaults: a longer life makes fine-tuning rank first', () => {
    const defaults = withOverrides({ fine_tune: { amortization_months: 25 } });
    const result = rankOptimization(alone, stack([route, fineTune], 150), defaults);
    // $375 ÷ 25 = $15/month: $100 − $15 = $85.
    expect(result.ranked.map((entry) => [entry.kind, entry.savings_usd_per_month])).toEqual([
      ['fine_tune', 85],
      ['route', 60],
      ['self_host', -1_450],
    ]);
  });
});

describe('optimize: the economics of the stated defaults, as simulate computes them', () => {
  const row = (sums: Partial<Record<SimulationSum, bigint>>): SimulationGroupRow => ({
    grouping: 'feature', feature: 'classifier', userTier: null, userId: null, routeIndex: null, modelKey: null,
    sums: { ...(Object.fromEntries(simulationSums.map((name) => [name, 0n])) as Record<SimulationSum, bigint>), calls: 1_000n, ...sums },
  });
  const context = (replayRow: SimulationGroupRow): LeverContext => ({ replay: [replayRow], windowDays: monthDays, keys: [], ratesOf: () => null });

  it('self-hosting: GPU-hours at $2.69 plus $1,500 operations, against the API bill, with its break-even volume', () => {
    const [lever] = scenarioLevers(simulationScenarioSchema.parse({ levers: leverOf(defaultLevers([classifier]), 'self_host')!.levers }));
    // 9 billion tokens in a month at $0.50/M through the API = $4,500.
    const replay = context(row({ self_hosted: 1_000n, self_hosted_tokens: 9_000_000_000n, self_hosted_api_cost: 4_500n * 10n ** 12n }));
    const fixed = leverFixedCosts([lever!], replay);
    // 9e9 tokens ÷ (5,000 tokens/s × 0.5 × 3,600 s) = 1,000 GPU-hours × $2.69 = $2,690, + $1,500.
    expect(leverDetails(lever!, replay, fixed)).toEqual({
      api_usd_per_month: 4_500,
      self_host_usd_per_month: 4_190,
      tokens_per_month: 9_000_000_000,
      // $1,500 ÷ ($0.50/M − $2.69 ÷ 9M tokens) per token = 7,458,563,535.9… → 7,458,563,536.
      break_even_tokens_per_month: 7_458_563_536,
      passes_break_even: true,
    });
  });

  it('fine-tuning: payback days of the stated training cost at the recorded volume', () => {
    const [lever] = scenarioLevers(simulationScenarioSchema.parse({ levers: leverOf(defaultLevers([agent]), 'fine_tune')!.levers }));
    // $100 of recorded cost moved onto $25 of fine-tuned cost over 30.4375 days: $75 ÷ 30.4375 a day; $375 pays back in 152.19 days.
    const replay = context({ ...row({ fine_tuned: 800n, fine_tuned_stored_cost: 100n * 10n ** 12n, fine_tuned_cost: 25n * 10n ** 12n }), feature: 'agent' });
    const details = leverDetails(lever!, replay, new Map());
    expect(details).toMatchObject({ target_model: 'anthropic/claude-haiku-4-5', moved_calls: 800, training_usd: 375 });
    expect(details.payback_days).toBeCloseTo((375 * monthDays) / 75, 9);
  });
});
