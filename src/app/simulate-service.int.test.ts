import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSimulationScenario } from '../config/simulation-scenario-file.js';
import type { SimulationResult } from '../core/simulate/simulation-result.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { RevenueSettings } from '../core/kpi/revenue-settings.js';
import { scenarioLevers } from '../core/simulate/scenario-schema.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { createApp } from './create-app.js';
import { fillStoreWithDemo } from './demo-service.js';
import { reportSettings } from './report-service.js';
import { newBaselineCache, simulateOnStore } from './simulate-service.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-service-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
let store: DuckdbStore;
const baseline = newBaselineCache();

beforeAll(async () => {
  store = await DuckdbStore.open(join(directory, 'demo.duckdb'));
  await fillStoreWithDemo(app, store, { events: 8_000, days: 20, endMs, seed: 5 });
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

const run = (levers: unknown[], options: { from?: Date; to?: Date } = {}): Promise<SimulationResult> =>
  simulateOnStore(app, store, loadSimulationScenario({ value: { name: 'test', levers }, name: 'scenario' }), { ...options, baseline });
const runYaml = async (text: string): Promise<SimulationResult> => simulateOnStore(app, store, loadSimulationScenario({ text, name: 'what-if.yaml' }), { baseline });
const feature = (result: SimulationResult, name: string) => result.features.find((entry) => entry.feature === name)!;
const cost = (comparison: { scenario: { cost_usd: number | null } }): number => comparison.scenario.cost_usd!;

async function storedSql(sql: string): Promise<Array<Record<string, unknown>>> {
  return (await store.database.connection.runAndReadAll(sql)).getRowObjects();
}

async function expectError(promise: Promise<unknown>): Promise<UnitcostError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(UnitcostError.isInstance(error), String(error)).toBe(true);
  return error as UnitcostError;
}

describe('simulate: the baseline', () => {
  it('is the report, and a scenario without levers changes nothing, to the picodollar', async () => {
    const result = await run([]);
    expect(result.total.baseline.cost_usd_exact).toBe(result.total.scenario.cost_usd_exact);
    expect(result.total.delta.cost_usd).toBe(0);
    expect(result.total.calls_touched).toBe(0);
    const [stored] = await storedSql('SELECT count(*) AS calls, sum(cost_total) AS cost FROM usage_events');
    expect(result.total.baseline.calls).toBe(Number(stored!.calls));
    expect(result.total.baseline.cost_usd).toBeCloseTo(Number(stored!.cost) / 1e12, 9);
    // The measures carry the names of unitcost report --json.
    expect(Object.keys(result.total.baseline)).toEqual(expect.arrayContaining(['cost_usd', 'cost_per_successful_task_usd', 'cost_per_active_user_month_usd', 'revenue_usd', 'inference_margin']));
    expect(result.features.map((entry) => entry.feature).sort()).toEqual(['coding-agent', 'doc-summarizer', 'intent-classifier', 'support-faq']);
  });
});

describe('simulate: each lever', () => {
  it('routes a share of a feature to another model, picking the same calls on every run', async () => {
    const levers = [{ route: { feature: 'coding-agent', share: 0.5, to: 'anthropic/claude-sonnet-4-5' } }];
    const first = await run(levers);
    const again = await run(levers);
    expect(again).toEqual(first);
    const agent = feature(first, 'coding-agent');
    expect(cost(agent)).toBeLessThan(agent.baseline.cost_usd!);
    const routed = first.levers[0]!.calls_touched;
    expect(routed / agent.baseline.calls).toBeGreaterThan(0.45);
    expect(routed / agent.baseline.calls).toBeLessThan(0.55);
    expect(first.levers[0]!.risk.calls_to_weaker_model).toBe(routed);
    // Other features are untouched.
    expect(feature(first, 'support-faq').delta.cost_usd).toBe(0);
  });

  it('routes by rule: only the calls of the tier and steps named', async () => {
    const result = await run([{ route: { feature: 'support-faq', to: 'openai/gpt-4.1-mini', when: { user_tier: 'free', step_from: 2 } } }]);
    const [expected] = await storedSql("SELECT count(*) AS calls FROM usage_events WHERE feature = 'support-faq' AND user_tier = 'free' AND step >= 2");
    expect(result.levers[0]!.calls_touched).toBe(Number(expected!.calls));
    expect(result.levers[0]!.calls_touched).toBeGreaterThan(0);
  });

  it('pays for both models when a cascade escalates or a misroute is re-run', async () => {
    const plain = await run([{ route: { feature: 'coding-agent', share: 0.5, to: 'anthropic/claude-sonnet-4-5' } }]);
    const cascade = await run([{ route: { feature: 'coding-agent', share: 0.5, to: 'anthropic/claude-sonnet-4-5', cascade: { escalation_share: 1 } } }]);
    const misroute = await run([{ route: { feature: 'coding-agent', share: 0.5, to: 'anthropic/claude-sonnet-4-5', misroute_rate: 0.3 } }]);
    // Every routed call escalated: the original cost plus Sonnet's on top.
    expect(cascade.levers[0]!.risk.calls_escalated).toBe(cascade.levers[0]!.calls_touched);
    expect(cost(feature(cascade, 'coding-agent'))).toBeGreaterThan(feature(cascade, 'coding-agent').baseline.cost_usd!);
    expect(misroute.levers[0]!.risk.calls_escalated).toBeGreaterThan(0);
    expect(cost(feature(misroute, 'coding-agent'))).toBeGreaterThan(cost(feature(plain, 'coding-agent')));
  });

  it('caches a prompt prefix at the model\'s cache prices and reports the break-even hit rate', async () => {
    const high = await run([{ prompt_cache: { feature: 'support-faq', prefix_tokens: 300, hit_rate: 0.9 } }]);
    const low = await run([{ prompt_cache: { feature: 'support-faq', prefix_tokens: 300, hit_rate: 0.05 } }]);
    const breakEven = high.levers[0]!.details.break_even as Array<{ model: string; break_even_hit_rate: number }>;
    // Haiku 4.5: input $1, cache read $0.10, 5-minute write $1.25 per M: (1.25 − 1) ÷ (1.25 − 0.10).
    expect(breakEven).toEqual([{ model: 'anthropic/claude-haiku-4-5', break_even_hit_rate: expect.closeTo(0.25 / 1.15, 9) }]);
    expect(cost(feature(high, 'support-faq'))).toBeLessThan(feature(high, 'support-faq').baseline.cost_usd!);
    expect(high.levers[0]!.details.pays_off).toBe(true);
    // Under the break-even rate, the write premium costs more than the reads save.
    expect(cost(feature(low, 'support-faq'))).toBeGreaterThan(feature(low, 'support-faq').baseline.cost_usd!);
    expect(low.levers[0]!.details.pays_off).toBe(false);
  });

  it('answers a share from the semantic cache, paying the look-ups and the vector store', async () => {
    const result = await run([{ response_cache: { feature: 'coding-agent', hit_rate: 0.3, embedding_usd_per_lookup: 0.001, vector_store_usd_per_month: 30.4375 } }]);
    const agent = feature(result, 'coding-agent');
    expect(result.levers[0]!.risk.answers_from_cache).toBeGreaterThan(0);
    expect(cost(agent)).toBeLessThan(agent.baseline.cost_usd!);
    expect(result.levers[0]!.details.lookup_cost_usd).toBeCloseTo(agent.baseline.calls * 0.001, 9);
    // $30.4375 a month is $1 a day.
    expect(result.levers[0]!.details.vector_store_usd).toBeCloseTo(result.window.days, 9);
  });

  it('cuts outputs above the cap and counts them as truncated', async () => {
    const result = await run([{ output_cap: { feature: 'doc-summarizer', max_tokens: 300 } }]);
    const [expected] = await storedSql("SELECT count(*) AS calls, sum(output_tokens - 300) AS cut FROM usage_events WHERE feature = 'doc-summarizer' AND output_tokens > 300");
    expect(result.levers[0]!.risk.calls_truncated).toBe(Number(expected!.calls));
    expect(result.levers[0]!.details.output_tokens_cut).toBe(Number(expected!.cut));
    expect(feature(result, 'doc-summarizer').delta.output_tokens).toBe(-Number(expected!.cut));
  });

  it('trims the uncached input, only after step k when asked', async () => {
    const all = await run([{ prompt_trim: { feature: 'support-faq', share: 0.5 } }]);
    const later = await run([{ prompt_trim: { feature: 'support-faq', share: 0.5, after_step: 2 } }]);
    expect(feature(all, 'support-faq').delta.input_tokens!).toBeLessThan(0);
    const [laterCalls] = await storedSql("SELECT count(*) AS calls FROM usage_events WHERE feature = 'support-faq' AND step > 2 AND input_tokens > cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + 1");
    expect(later.levers[0]!.calls_touched).toBe(Number(laterCalls!.calls));
    expect(later.levers[0]!.calls_touched).toBeLessThan(all.levers[0]!.calls_touched);
  });

  it('ends sessions at the step cap and reports the sessions cut', async () => {
    const result = await run([{ session_limit: { feature: 'coding-agent', max_steps: 3 } }]);
    const [expected] = await storedSql(
      "SELECT count(*) FILTER (WHERE calls > 3) AS sessions, sum(greatest(calls - 3, 0)) AS dropped FROM (SELECT coalesce(session_id, task_id) AS s, count(*) AS calls FROM usage_events WHERE feature = 'coding-agent' GROUP BY s)",
    );
    expect(result.levers[0]!.risk.sessions_cut).toBe(Number(expected!.sessions));
    expect(result.levers[0]!.risk.calls_dropped).toBe(Number(expected!.dropped));
    expect(feature(result, 'coding-agent').scenario.calls).toBe(feature(result, 'coding-agent').baseline.calls - Number(expected!.dropped));
  });

  it('ends sessions once their cost reaches the budget', async () => {
    const result = await run([{ session_limit: { feature: 'coding-agent', max_session_usd: 0.2 } }]);
    expect(result.levers[0]!.risk.sessions_cut).toBeGreaterThan(0);
    expect(cost(feature(result, 'coding-agent'))).toBeLessThan(feature(result, 'coding-agent').baseline.cost_usd!);
  });

  it('takes a batch discount off the features that can wait, exactly', async () => {
    const result = await run([{ price_change: { batch: { feature: 'doc-summarizer', discount: 0.5 } } }]);
    const summarizer = feature(result, 'doc-summarizer');
    expect(cost(summarizer)).toBeCloseTo(summarizer.baseline.cost_usd! / 2, 6);
    expect(result.levers[0]!.calls_touched).toBe(summarizer.baseline.calls);
  });

  it('reprices with overrides and at another date of the catalog', async () => {
    const override = await run([{ price_change: { overrides: { 'claude-haiku-4-5': { input: 0.5, cache_read: 0.05, cache_write: 0.625, cache_write_1h: 1, output: 2.5 } } } }]);
    // Every Haiku price halved: support-faq (Haiku only) costs half, to the rounding of the picodollar rates.
    expect(cost(feature(override, 'support-faq'))).toBeCloseTo(feature(override, 'support-faq').baseline.cost_usd! / 2, 4);
    expect(feature(override, 'coding-agent').delta.cost_usd).toBe(0);
    const dated = await run([{ price_change: { at: '2026-03-01' } }]);
    expect(dated.levers[0]!.calls_touched).toBe(dated.total.baseline.calls);
  });

  it('moves a share to a fine-tuned model and computes the payback in days', async () => {
    const result = await run([{ fine_tune: { feature: 'doc-summarizer', target_model: 'openai/gpt-4.1-nano', share: 0.6, training_usd: 5 } }]);
    const details = result.levers[0]!.details;
    const summarizer = feature(result, 'doc-summarizer');
    expect(details.moved_calls).toBe(result.levers[0]!.calls_touched);
    expect(details.savings_usd_per_day as number).toBeCloseTo(summarizer.savings_usd / result.window.days, 9);
    expect(details.payback_days as number).toBeCloseTo(5 / (details.savings_usd_per_day as number), 9);
    expect(result.levers[0]!.risk.calls_to_weaker_model).toBe(details.moved_calls);
  });

  it('compares self-hosting with the API and says whether the volume passes the break-even', async () => {
    const cheapGpu = await run([{ self_host: { feature: 'coding-agent', gpu_usd_per_hour: 1, tokens_per_second: 20_000, utilization: 0.5, fixed_usd_per_month: 100 } }]);
    const dearGpu = await run([{ self_host: { feature: 'intent-classifier', gpu_usd_per_hour: 4, tokens_per_second: 500, utilization: 0.5, fixed_usd_per_month: 100 } }]);
    expect(cheapGpu.levers[0]!.details.passes_break_even).toBe(true);
    expect(cheapGpu.levers[0]!.details.break_even_tokens_per_month as number).toBeLessThan(cheapGpu.levers[0]!.details.tokens_per_month as number);
    expect(dearGpu.levers[0]!.details.passes_break_even).toBe(false);
    // The hosted cost replaces the API cost of the feature: GPU-hours plus operations over the window.
    const agent = feature(cheapGpu, 'coding-agent');
    expect(cost(agent)).toBeCloseTo((cheapGpu.levers[0]!.details.self_host_usd_per_month as number) * (cheapGpu.window.days / cheapGpu.month_days), 6);
  });

  it('reprices plans: revenue and margin by tier, and the users served at a loss', async () => {
    const result = await run([{ plans: { tiers: { pro: { seat_price_usd_per_month: 200 } } } }]);
    const pro = result.tiers.find((tier) => tier.user_tier === 'pro')!;
    expect(pro.scenario.revenue_usd!).toBeGreaterThan(pro.baseline.revenue_usd!);
    expect(pro.users_at_loss_after).toBeLessThanOrEqual(pro.users_at_loss_before);
    const enterprise = result.tiers.find((tier) => tier.user_tier === 'enterprise')!;
    expect(enterprise.scenario.revenue_usd).toBe(enterprise.baseline.revenue_usd);
    const byTier = result.levers[0]!.details.by_tier as Array<{ user_tier: string; revenue_after_usd: number }>;
    expect(byTier.find((tier) => tier.user_tier === 'pro')!.revenue_after_usd).toBeCloseTo(pro.scenario.revenue_usd!, 6);
    expect(result.total.scenario.inference_margin!).toBeGreaterThan(result.total.baseline.inference_margin!);
  });

  it('counts the users served at a loss from the per-user cost and revenue a report by user gives', async () => {
    const value = { name: 'test', levers: [{ plans: { tiers: { pro: { seat_price_usd_per_month: 60 }, free: { seat_price_usd_per_month: 1 } } } }] };
    const result = await run(value.levers);
    // What simulate computed from a report by (user_tier, user_id) before it had userEconomics: with no per-call lever
    // every user costs what was recorded, and a repriced tier earns its new plan revenue only.
    const settings = reportSettings(app.config);
    const plans = scenarioLevers(loadSimulationScenario({ value, name: 'scenario' }).scenario).find((lever) => lever.kind === 'plans')!;
    const newRevenue = { ...settings.revenue, plans: { ...settings.revenue.plans, ...(plans.kind === 'plans' ? plans.settings.tiers : {}) } };
    const byUser = (revenue: RevenueSettings) =>
      store.report({ groupBy: ['user_tier', 'user_id'], period: null, from: result.window.from, to: result.window.to, where: [], revenue, tiers: settings.tiers });
    const [before, after] = [await byUser(settings.revenue), await byUser(newRevenue)];
    const afterPlan = new Map(after.rows.map((row) => [JSON.stringify([row.keys.user_tier, row.keys.user_id]), row.current.planRevenuePicodollars]));
    const expected = new Map<string | null, { before: number; after: number }>();
    for (const row of before.rows) {
      if (row.keys.user_id == null) continue;
      const tier = row.keys.user_tier ?? null;
      const counts = expected.get(tier) ?? { before: 0, after: 0 };
      const revenue = row.current.planRevenuePicodollars + row.current.recordRevenuePicodollars;
      const repriced = tier === 'pro' || tier === 'free' ? (afterPlan.get(JSON.stringify([tier, row.keys.user_id])) ?? 0n) : revenue;
      if (revenue < row.current.costPicodollars.total) counts.before += 1;
      if (repriced < row.current.costPicodollars.total) counts.after += 1;
      expected.set(tier, counts);
    }
    expect([...expected.values()].some((counts) => counts.before > 0 && counts.after !== counts.before)).toBe(true);
    const byTier = result.levers[0]!.details.by_tier as Array<{ user_tier: string | null; users_at_loss_before: number; users_at_loss_after: number }>;
    expect(byTier.map((tier) => [tier.user_tier, tier.users_at_loss_before, tier.users_at_loss_after])).toEqual(
      // by_tier leaves a tier with no user at a loss null.
      byTier.map((tier) => [tier.user_tier, expected.get(tier.user_tier)?.before || null, expected.get(tier.user_tier)?.after || null]),
    );
    expect(result.total.users_at_loss_before).toBe([...expected.values()].reduce((sum, counts) => sum + counts.before, 0));
    expect(result.total.users_at_loss_after).toBe([...expected.values()].reduce((sum, counts) => sum + counts.after, 0));
  });
});

describe('simulate: composition', () => {
  it('applies levers in the documented order, whatever their order in the file', async () => {
    const levers = [
      { output_cap: { feature: 'coding-agent', max_tokens: 400 } },
      { route: { feature: 'coding-agent', share: 0.5, to: 'anthropic/claude-sonnet-4-5' } },
      { prompt_cache: { feature: 'support-faq', prefix_tokens: 200, hit_rate: 0.8 } },
    ];
    const forward = await run(levers);
    const backward = await run([levers[2], levers[1], levers[0]].map((lever) => lever!));
    expect(backward.total.scenario.cost_usd_exact).toBe(forward.total.scenario.cost_usd_exact);
  });

  it('stacks levers: two together save more than either alone', async () => {
    const route = { route: { feature: 'coding-agent', share: 0.5, to: 'anthropic/claude-sonnet-4-5' } };
    const cap = { output_cap: { feature: 'coding-agent', max_tokens: 400 } };
    const [alone1, alone2, both] = [await run([route]), await run([cap]), await run([route, cap])];
    expect(both.total.savings_usd).toBeGreaterThan(Math.max(alone1.total.savings_usd, alone2.total.savings_usd));
    // The cap applies to the routed calls too, at the new model's output price: less than the sum of both alone.
    expect(both.total.savings_usd).toBeLessThan(alone1.total.savings_usd + alone2.total.savings_usd);
  });

  it('fine-tunes only calls the route left on their model', async () => {
    const result = await run([
      { route: { feature: 'doc-summarizer', share: 1, to: 'openai/gpt-4.1-mini' } },
      { fine_tune: { feature: 'doc-summarizer', target_model: 'openai/gpt-4.1-nano', share: 1, training_usd: 10 } },
    ]);
    expect(result.levers[1]!.calls_touched).toBe(0);
  });
});

describe('simulate: bad input', () => {
  it('names the line and field of an unknown feature, with a suggestion', async () => {
    const error = await expectError(runYaml('name: typo\nlevers:\n  - output_cap: { feature: coding-agnet, max_tokens: 100 }\n'));
    expect(error.message).toContain('what-if.yaml:3: levers[0].output_cap.feature: no recorded call of feature "coding-agnet"');
    expect(error.details.suggestions).toContain('coding-agent');
  });

  it('names the line and field of an unknown model', async () => {
    const error = await expectError(runYaml('levers:\n  - route:\n      feature: coding-agent\n      to: anthropic/claude-sonet-9\n'));
    expect(error.message).toMatch(/what-if\.yaml:4: levers\[0\]\.route\.to: /);
    expect(error.code).toBe('invalid_config');
  });

  it('refuses a share outside 0–1 at its line', async () => {
    const error = await expectError(runYaml('levers:\n  - route:\n      feature: coding-agent\n      to: anthropic/claude-sonnet-4-5\n      share: 1.5\n'));
    expect(error.message).toContain('what-if.yaml:5: levers[0].route.share: must be between 0 and 1');
  });

  it('refuses overlapping route rules and contradicting levers at the later line', async () => {
    const overlap = await expectError(
      runYaml(
        'levers:\n  - route: { feature: support-faq, to: openai/gpt-4.1-mini, when: { user_tier: free } }\n  - route: { feature: support-faq, to: openai/gpt-4.1-nano, when: { step_from: 3 } }\n',
      ),
    );
    expect(overlap.message).toContain('what-if.yaml:3: levers[1].route.feature: route levers contradict');
    const disjoint = await runYaml(
      'levers:\n  - route: { feature: support-faq, to: openai/gpt-4.1-mini, when: { user_tier: free } }\n  - route: { feature: support-faq, to: openai/gpt-4.1-nano, when: { user_tier: pro } }\n',
    );
    expect(disjoint.levers.map((lever) => lever.calls_touched).every((calls) => calls > 0)).toBe(true);
    const twoCaps = await expectError(runYaml('levers:\n  - output_cap: { feature: support-faq, max_tokens: 100 }\n  - output_cap: { max_tokens: 200 }\n'));
    expect(twoCaps.message).toContain('what-if.yaml:3: levers[1].output_cap.feature: output_cap levers contradict');
    const empty = await expectError(runYaml('levers:\n  - route: { feature: support-faq, to: openai/gpt-4.1-mini, when: { input_tokens_above: 500, input_tokens_at_most: 100 } }\n'));
    expect(empty.message).toContain('levers[0].route.when.input_tokens_at_most: the rule matches no call');
  });

  it('says a window without calls is empty instead of printing zeros', async () => {
    const error = await expectError(run([], { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-02-01T00:00:00Z') }));
    expect(error.message).toContain('no recorded calls between 2020-01-01 and 2020-02-01');
  });
});
