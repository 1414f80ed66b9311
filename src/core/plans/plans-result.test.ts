import { describe, expect, it } from 'vitest';
import { designTierPlans, type TierUsage } from './design-tier-plans.js';
import { defaultPlanConstraints } from './plan-constraints.js';
import { constraintsJson, planTermsJson, subsidizedUsersCsv, tierPlansJson, type PlansResult } from './plans-result.js';
import { scaleToMonth } from './scale-to-month.js';

const usd = (dollars: number): bigint => BigInt(Math.round(dollars * 1e6)) * 1_000_000n;

const usage: TierUsage = {
  tier: 'pro',
  currentPlan: null,
  users: [
    { userId: 'light', costPicodollars: usd(1), calls: 10, tasks: 2, revenuePicodollars: usd(20) },
    { userId: '=HYPERLINK("x")', costPicodollars: usd(30), calls: 300, tasks: 60, revenuePicodollars: usd(20) },
    { userId: 'a,b', costPicodollars: usd(25), calls: 250, tasks: 50, revenuePicodollars: 0n },
  ],
};

describe('the plans result', () => {
  it('gives each plan as a config entry to paste, when the config can count its allowance', () => {
    expect(planTermsJson({ pricePicodollars: usd(29), unit: 'calls', allowance: 440n, overagePicodollarsPerUnit: usd(0.0334) }).config).toEqual({ seat_price_usd_per_month: 29, included_requests: 440, overage_usd_per_request: 0.0334 });
    expect(planTermsJson({ pricePicodollars: usd(29), unit: 'usd', allowance: usd(12.5), overagePicodollarsPerUnit: usd(3.34) }).config).toEqual({ seat_price_usd_per_month: 29, included_usd: 12.5, overage_markup: 2.34 });
    expect(planTermsJson({ pricePicodollars: usd(29), unit: 'tasks', allowance: 40n, overagePicodollarsPerUnit: usd(0.2) }).config).toBeNull();
  });

  it('exports the users served at a loss as CSV, quoted, with formulas defused', () => {
    const constraints = { ...defaultPlanConstraints, pricePointsUsd: [49, 99] };
    const result: PlansResult = { window: { from: '2026-03-01', to: '2026-04-01', days: 31, month: '2026-03', scaled_to_month: false }, constraints: constraintsJson(constraints), tiers: [tierPlansJson(designTierPlans(usage, constraints), null)], notes: [] };
    const lines = subsidizedUsersCsv(result).trimEnd().split('\n');
    expect(lines[0]).toBe('user_tier,user_id,calls,tasks,cost_usd,revenue_usd,loss_usd,revenue_with_plan_usd,at_loss_with_plan');
    // Nobody may pay overage among three users (a fifth of 3 is 0): the allowance covers the heaviest, and $99 is needed.
    expect(lines.slice(1)).toEqual(['pro,"a,b",250,50,25,0,25,99,false', 'pro,"\'=HYPERLINK(""x"")",300,60,30,20,10,99,false']);
  });
});

describe('a window as a month', () => {
  it('scales money exactly and counts to whole numbers', () => {
    const user = { userId: 'u', costPicodollars: usd(14), calls: 14, tasks: 3, revenuePicodollars: usd(7) };
    expect(scaleToMonth(user, 14, 28)).toEqual({ userId: 'u', costPicodollars: usd(28), calls: 28, tasks: 6, revenuePicodollars: usd(14) });
    expect(scaleToMonth(user, 30.4375)).toBe(user);
    expect(scaleToMonth({ ...user, costPicodollars: 1n }, 3, 2).costPicodollars).toBe(1n);
  });
});
