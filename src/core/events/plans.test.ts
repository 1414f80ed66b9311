import { describe, expect, it } from 'vitest';
import { planSchema, seatMonthRevenue } from './plans.js';

const dollar = 1_000_000_000_000n;

describe('seatMonthRevenue', () => {
  it('charges the seat price of an active month', () => {
    expect(seatMonthRevenue(planSchema.parse({ seat_price_usd_per_month: 19.99 }), { requests: 10_000, costPicodollars: 50n * dollar })).toEqual({
      seat: 19_990_000_000_000n,
      overage: 0n,
      total: 19_990_000_000_000n,
    });
  });

  it('bills requests beyond the allowance at the overage price', () => {
    const plan = planSchema.parse({ seat_price_usd_per_month: 20, included_requests: 1000, overage_usd_per_request: 0.02 });
    expect(seatMonthRevenue(plan, { requests: 1250, costPicodollars: 0n }).overage).toBe(5n * dollar);
    expect(seatMonthRevenue(plan, { requests: 900, costPicodollars: 0n }).overage).toBe(0n);
  });

  it('bills inference beyond the dollar allowance at cost plus markup', () => {
    const plan = planSchema.parse({ seat_price_usd_per_month: 60, included_usd: 40, overage_markup: 0.2 });
    const revenue = seatMonthRevenue(plan, { requests: 0, costPicodollars: 50n * dollar });
    expect(revenue.overage).toBe(12n * dollar);
    expect(revenue.total).toBe(72n * dollar);
  });

  it('refuses a plan that counts its allowance both ways', () => {
    const result = planSchema.safeParse({ seat_price_usd_per_month: 20, included_requests: 10, included_usd: 5 });
    expect(result.success).toBe(false);
  });
});
