import { describe, expect, it } from 'vitest';
import { emptyGroupAggregate, type GroupAggregate } from '../../kpi/group-aggregate.js';
import { reportMeasures } from '../../kpi/report-measures.js';
import { picodollarsOfUsd } from '../../kpi/unit-ratios.js';
import { kpiThresholdRuleSchema } from './alert-config.js';
import { budgetAlerts, kpiThresholdAlert, type BudgetScopeStatus } from './rule-alerts.js';

const window = { from: '2026-08-12', key: '2026-08-12' };

function measures(figures: Partial<{ costUsd: number; revenueUsd: number; userMonths: number; input: number; cacheRead: number }>) {
  const aggregate: GroupAggregate = emptyGroupAggregate();
  aggregate.calls = 100;
  aggregate.pricedCalls = 100;
  aggregate.costPicodollars.total = picodollarsOfUsd(figures.costUsd ?? 0);
  aggregate.recordRevenuePicodollars = picodollarsOfUsd(figures.revenueUsd ?? 0);
  aggregate.activeUserMonths = figures.userMonths ?? 0;
  aggregate.tokens.input = figures.input ?? 0;
  aggregate.tokens.cacheRead = figures.cacheRead ?? 0;
  return reportMeasures(aggregate, true);
}

function rule(fields: Record<string, unknown>) {
  return kpiThresholdRuleSchema.parse({ name: 'rule', kind: 'kpi_threshold', per: 'feature', ...fields });
}

describe('kpiThresholdAlert', () => {
  const margin = rule({ kpi: 'inference_margin', below: 0.4 });

  it('fires on a margin under its floor, and not on one exactly at it', () => {
    expect(kpiThresholdAlert(margin, 'support-faq', window, { value: measures({ revenueUsd: 100, costUsd: 60 }), baseline: null })).toBeNull();
    const alert = kpiThresholdAlert(margin, 'support-faq', window, { value: measures({ revenueUsd: 100, costUsd: 60.01 }), baseline: null });
    expect(alert).toMatchObject({ key: 'kpi:rule:feature=support-faq:2026-08-12', kind: 'kpi_threshold', scope: { feature: 'support-faq' }, threshold: 0.4 });
    expect(alert!.title).toBe('support-faq: inference margin 39.99% today, under 40%');
    expect(alert!.value).toBeCloseTo(0.3999, 6);
  });

  it('fires when the cost per active user passes its share of ARPU, and not at it', () => {
    const share = rule({ kpi: 'cost_share_of_arpu', per: 'user_tier', above: 0.25 });
    // $250 over 10 user-months is $25 a user; revenue $1,000 is $100 a user: exactly 25%.
    expect(kpiThresholdAlert(share, 'pro', window, { value: measures({ costUsd: 250, revenueUsd: 1000, userMonths: 10 }), baseline: null })).toBeNull();
    expect(kpiThresholdAlert(share, 'pro', window, { value: measures({ costUsd: 251, revenueUsd: 1000, userMonths: 10 }), baseline: null })).toMatchObject({ scope: { user_tier: 'pro' }, value: 0.251 });
    expect(kpiThresholdAlert(share, 'free', window, { value: measures({ costUsd: 251, revenueUsd: 0, userMonths: 10 }), baseline: null })).toBeNull();
  });

  it('fires when a cache hit rate drops from its usual level under the floor: 75% to 49%, not 51%', () => {
    const cache = rule({ kpi: 'prompt_cache_hit_rate', below: 0.5 });
    const usual = measures({ input: 1000, cacheRead: 750 });
    expect(kpiThresholdAlert(cache, 'chat', window, { value: measures({ input: 1000, cacheRead: 510 }), baseline: usual })).toBeNull();
    expect(kpiThresholdAlert(cache, 'chat', window, { value: measures({ input: 1000, cacheRead: 490 }), baseline: usual })?.title).toBe('chat: prompt cache hit rate 49% today, down from 75% over the 14 days before');
    // A feature that never hit the cache much has not dropped from anything.
    expect(kpiThresholdAlert(cache, 'chat', window, { value: measures({ input: 1000, cacheRead: 100 }), baseline: measures({ input: 1000, cacheRead: 120 }) })).toBeNull();
  });

  it('fires on a drop of more than the points allowed, and not on one of exactly that', () => {
    const cache = rule({ kpi: 'prompt_cache_hit_rate', max_drop_points: 25 });
    const usual = measures({ input: 1000, cacheRead: 750 });
    expect(kpiThresholdAlert(cache, 'chat', window, { value: measures({ input: 1000, cacheRead: 500 }), baseline: usual })).toBeNull();
    expect(kpiThresholdAlert(cache, 'chat', window, { value: measures({ input: 1000, cacheRead: 499 }), baseline: usual })).toMatchObject({ threshold: 0.5 });
  });
});

describe('budgetAlerts', () => {
  const budget = { name: 'support-monthly', per: 'team' as const, mode: 'soft' as const, period: 'month' as const, limit_usd: 2000 };
  function status(fields: Partial<BudgetScopeStatus>): BudgetScopeStatus {
    return {
      value: 'support',
      window: { from: '2026-12-01', to: '2027-01-01' },
      limit_usd: 2000,
      spent_usd: 1700,
      spent_usd_exact: '1700',
      remaining_usd: 300,
      used_share: 0.85,
      forecast: { basis: 'weekday-profile', end_usd: 2600, low_usd: 2400, high_usd: 2800 },
      breach: { day: '2026-12-24', already: false },
      alert_points_reached: [0.5, 0.8],
      ...fields,
    };
  }

  it('alerts the highest point passed and the projected day of breach, keyed by period and point', () => {
    const alerts = budgetAlerts(budget, status({}));
    expect(alerts.map((alert) => [alert.key, alert.kind, alert.severity])).toEqual([
      ['budget_point:support-monthly:team=support:2026-12-01:0.8', 'budget_point', 'warning'],
      ['budget_projected_breach:support-monthly:team=support:2026-12-01', 'budget_projected_breach', 'warning'],
    ]);
    expect(alerts[1]!.title).toContain('projected to reach its $2,000.00 limit on 2026-12-24');
  });

  it('makes a breach projected for a hard budget critical, and says nothing of a budget on track', () => {
    expect(budgetAlerts({ ...budget, mode: 'hard' }, status({}))[1]!.severity).toBe('critical');
    expect(budgetAlerts(budget, status({ alert_points_reached: [], breach: null }))).toEqual([]);
  });

  it('alerts an overrun as critical, with no projection left to make', () => {
    const alerts = budgetAlerts(budget, status({ alert_points_reached: [0.5, 0.8, 1], breach: { day: '2026-12-20', already: true }, used_share: 1.1 }));
    expect(alerts.map((alert) => [alert.kind, alert.severity])).toEqual([['budget_point', 'critical']]);
  });
});
