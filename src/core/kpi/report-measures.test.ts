import { describe, expect, it } from 'vitest';
import { emptyGroupAggregate, type GroupAggregate } from './group-aggregate.js';
import { changeMeasures, measureChanges, reportMeasures, type ReportMeasures } from './report-measures.js';
import { inferenceMargin, pointChange, ratio, relativeChange, usd, usdPer } from './unit-ratios.js';
import { formatPicodollarsExact } from '../cost/picodollars.js';
import { randomGroupAggregates } from '../../testing/random-group-aggregates.js';

const dollars = (amount: number): bigint => BigInt(Math.round(amount * 1e6)) * 1_000_000n;

// Four calls: one failed and retried, two tasks of which one succeeded; $1.00 in all.
function aggregate(overrides: Partial<GroupAggregate> = {}): GroupAggregate {
  const base = emptyGroupAggregate();
  return {
    ...base,
    calls: 4,
    pricedCalls: 4,
    failedCalls: 1,
    tokens: { ...base.tokens, input: 10_000, cacheRead: 2_500, output: 1_000 },
    costPicodollars: { ...base.costPicodollars, input: dollars(0.6), output: dollars(0.4), total: dollars(1) },
    responseCacheHits: 1,
    responseCacheLookups: 4,
    tierCalls: { budget: 3, mid: 0, frontier: 1, unpriced: 0 },
    tierCostPicodollars: { budget: dollars(0.25), mid: 0n, frontier: dollars(0.75), unpriced: 0n },
    tasks: 2,
    successfulTasks: 1,
    failedTasks: 1,
    activeUsers: 2,
    activeUserMonths: 0.5,
    planRevenuePicodollars: dollars(3),
    recordRevenuePicodollars: dollars(1),
    ...overrides,
  };
}

describe('report measures', () => {
  it('divides all the spend, failed task and retry included, by the successful tasks only', () => {
    const measures = reportMeasures(aggregate(), true);
    expect(measures.cost_usd).toBe(1);
    expect(measures.cost_per_call_usd).toBe(0.25);
    expect(measures.cost_per_successful_task_usd).toBe(1);
    expect(measures.task_success_rate).toBe(0.5);
  });

  it('computes per-user, revenue, margin and token ratios', () => {
    const measures = reportMeasures(aggregate(), true);
    expect(measures.cost_per_active_user_month_usd).toBe(2);
    expect(measures.revenue_usd).toBe(4);
    expect(measures.revenue_per_active_user_month_usd).toBe(8);
    expect(measures.inference_margin).toBe(0.75);
    expect(measures.output_input_ratio).toBe(0.1);
    expect(measures.prompt_cache_hit_rate).toBe(0.25);
    expect(measures.response_cache_hit_rate).toBe(0.25);
    expect(measures.frontier_call_share).toBe(0.25);
    expect(measures.frontier_cost_share).toBe(0.75);
    expect(measures.cost_usd_exact).toBe('1');
  });

  it('shows an all-unpriced group as unknown cost, never $0', () => {
    const measures = reportMeasures(aggregate({ pricedCalls: 0, unpricedCalls: 4, costPicodollars: emptyGroupAggregate().costPicodollars }), true);
    expect(measures.cost_usd).toBeNull();
    expect(measures.cost_per_call_usd).toBeNull();
    expect(measures.cost_per_successful_task_usd).toBeNull();
    expect(measures.inference_margin).toBeNull();
    expect(measures.unpriced_calls).toBe(4);
  });

  it('leaves revenue and margin empty when the store tracks no revenue, and per-task cost empty without a success', () => {
    const measures = reportMeasures(aggregate({ successfulTasks: 0 }), false);
    expect(measures.revenue_usd).toBeNull();
    expect(measures.inference_margin).toBeNull();
    expect(measures.cost_per_successful_task_usd).toBeNull();
  });

  it('compares amounts relatively and rates in points', () => {
    const now = reportMeasures(aggregate(), true);
    const before = reportMeasures(aggregate({ costPicodollars: { ...emptyGroupAggregate().costPicodollars, total: dollars(0.5) }, tokens: { ...aggregate().tokens, cacheRead: 5_000 } }), true);
    const changes = measureChanges(now, before);
    expect(changes.cost_usd).toBe(1);
    expect(changes.prompt_cache_hit_rate).toBe(-0.25);
    expect(measureChanges(now, null).cost_usd).toBeNull();
  });

  it('gives every money measure the same to the bit through its double steps as through bigint arithmetic, above 2^53 too', () => {
    // The bigint reference: each measure as unit-ratios.ts computes it from the exact sums (what reportMeasures did for every row before).
    const reference = (aggregate: GroupAggregate, tracked: boolean): Partial<ReportMeasures> => {
      const cost = aggregate.costPicodollars;
      const known = aggregate.calls === 0 || aggregate.pricedCalls > 0;
      const revenue = aggregate.planRevenuePicodollars + aggregate.recordRevenuePicodollars;
      return {
        cost_usd: known ? usd(cost.total) : null,
        cost_usd_exact: known ? formatPicodollarsExact(cost.total) : null,
        cost_input_usd: known ? usd(cost.input) : null,
        cost_cache_read_usd: known ? usd(cost.cacheRead) : null,
        cost_cache_write_usd: known ? usd(cost.cacheWrite5m + cost.cacheWrite1h) : null,
        cost_output_usd: known ? usd(cost.output) : null,
        cost_reasoning_usd: known ? usd(cost.reasoning) : null,
        cost_audio_usd: known ? usd(cost.audio) : null,
        cost_request_usd: known ? usd(cost.request) : null,
        cost_per_call_usd: usdPer(cost.total, aggregate.pricedCalls),
        cost_per_successful_task_usd: known ? usdPer(cost.total, aggregate.successfulTasks) : null,
        cost_per_active_user_month_usd: known ? usdPer(cost.total, aggregate.activeUserMonths) : null,
        revenue_usd: tracked ? usd(revenue) : null,
        plan_revenue_usd: tracked ? usd(aggregate.planRevenuePicodollars) : null,
        record_revenue_usd: tracked ? usd(aggregate.recordRevenuePicodollars) : null,
        revenue_per_active_user_month_usd: tracked ? usdPer(revenue, aggregate.activeUserMonths) : null,
        inference_margin: tracked && known ? inferenceMargin(revenue, cost.total) : null,
        budget_cost_share: ratio(aggregate.tierCostPicodollars.budget, cost.total),
        mid_cost_share: ratio(aggregate.tierCostPicodollars.mid, cost.total),
        frontier_cost_share: ratio(aggregate.tierCostPicodollars.frontier, cost.total),
      };
    };
    const { random, aggregate: randomAggregate } = randomGroupAggregates(5);
    let exactPaths = 0;
    let doublePaths = 0;
    for (let index = 0; index < 2_000; index += 1) {
      const sample = randomAggregate();
      const amounts = [...Object.values(sample.costPicodollars), ...Object.values(sample.tierCostPicodollars), sample.planRevenuePicodollars, sample.recordRevenuePicodollars];
      if (amounts.some((value) => value > BigInt(Number.MAX_SAFE_INTEGER))) exactPaths += 1;
      else doublePaths += 1;
      const tracked = random() < 0.8;
      const measures = reportMeasures(sample, tracked);
      for (const [name, expected] of Object.entries(reference(sample, tracked))) {
        expect({ name, same: Object.is(measures[name as keyof ReportMeasures], expected) }).toEqual({ name, same: true });
      }
    }
    // Both paths were taken: amounts past 2^53 go through bigint arithmetic.
    expect(exactPaths).toBeGreaterThan(100);
    expect(doublePaths).toBeGreaterThan(100);
  });

  it('lists the changes in changeMeasures order, each relative or in points as it says', () => {
    const now = reportMeasures(aggregate(), true);
    const before = reportMeasures(aggregate({ calls: 3, costPicodollars: { ...emptyGroupAggregate().costPicodollars, total: dollars(0.8) }, successfulTasks: 2, activeUsers: 3 }), true);
    const changes = measureChanges(now, before);
    expect(Object.keys(changes)).toEqual(Object.keys(changeMeasures));
    for (const [name, kind] of Object.entries(changeMeasures)) {
      const key = name as keyof typeof changeMeasures;
      const expected = kind === 'relative' ? relativeChange(now[key] as number | null, before[key] as number | null) : pointChange(now[key] as number | null, before[key] as number | null);
      expect({ name, value: changes[key] }).toEqual({ name, value: expected });
    }
    expect(Object.keys(measureChanges(now, null))).toEqual(Object.keys(changeMeasures));
    expect(Object.values(measureChanges(now, null)).every((value) => value === null)).toBe(true);
  });
});
