import { describe, expect, it } from 'vitest';
import { emptyGroupAggregate, type GroupAggregate } from './group-aggregate.js';
import { measureChanges, reportMeasures } from './report-measures.js';

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
});
