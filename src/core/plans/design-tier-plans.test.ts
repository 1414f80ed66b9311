import { describe, expect, it } from 'vitest';
import { allowanceFor, designTierPlans, evaluatePlan, overageRateFor, planRevenueOf, reachesMargin, roundUpToTwoDigits, unitsOf, type PlanUser, type TierUsage } from './design-tier-plans.js';
import { defaultPlanConstraints, type PlanConstraints } from './plan-constraints.js';

const usd = (dollars: number): bigint => BigInt(Math.round(dollars * 1e6)) * 1_000_000n;

// Pro users from light to heavy; every call costs 5 cents, and today each pays a $10 seat.
function proUsers(callsPerUser: number[], centsPerCall = 5, seatUsd = 10): PlanUser[] {
  return callsPerUser.map((calls, index) => ({
    userId: `u${String(index).padStart(2, '0')}`,
    costPicodollars: BigInt(calls) * usd(centsPerCall / 100),
    calls,
    tasks: Math.ceil(calls / 4),
    revenuePicodollars: usd(seatUsd),
  }));
}

const pro: TierUsage = { tier: 'pro', users: proUsers([10, 20, 30, 40, 50, 60, 80, 100, 400, 900]), currentPlan: { seat_price_usd_per_month: 10 } };
const constraints: PlanConstraints = { ...defaultPlanConstraints, targetMargin: 0.7, pricePointsUsd: [5, 9, 19, 29, 49], maxOverageShare: 0.2 };

describe('designing a tier plan', () => {
  it('recommends the cheapest price point whose margin reaches the target', () => {
    const design = designTierPlans(pro, constraints);
    const prices = design.candidates.map(({ terms }) => terms.pricePicodollars);
    expect(prices).toEqual([5, 9, 19, 29, 49].map(usd));
    const chosen = design.candidates[design.recommended!]!;
    expect(chosen.outcome.margin!).toBeGreaterThanOrEqual(0.7);
    for (const cheaper of design.candidates.slice(0, design.recommended!)) expect(cheaper.outcome.margin!).toBeLessThan(0.7);
    // By hand: 1,690 calls cost $84.50; overage is 1,100 calls at $0.1667 = $183.37; at $9 a seat the tier makes
    // $273.37 (69.1%), at $19 $373.37 (77.4%).
    expect(chosen.terms.pricePicodollars).toBe(usd(19));
    expect(chosen.outcome.overageRevenuePicodollars).toBe(usd(183.37));
    expect(chosen.outcome.revenuePicodollars).toBe(usd(373.37));
    expect(design.explanation).toMatch(/^\$19\.00 is the cheapest price point that reaches 70\.0% \(77\.4%\), with 20\.0% of users paying overage/);
  });

  it('sets the allowance so that at most the allowed share of users exceeds it', () => {
    const design = designTierPlans(pro, constraints);
    expect(design.allowance).toBe(100n);
    for (const share of [0, 0.05, 0.1, 0.2, 0.35, 0.5, 1]) {
      const users = proUsers([3, 3, 7, 12, 12, 12, 40, 41, 95, 130, 131, 260, 999, 4_000, 4_000]);
      const allowance = allowanceFor(users, 'calls', share);
      const over = users.filter((user) => unitsOf(user, 'calls') > allowance).length;
      expect(over / users.length).toBeLessThanOrEqual(share);
      // No more generous than it needs to be: the allowance is one user's usage, rounded up.
      if (share < 1 && allowance > 0n) expect(users.some((user) => unitsOf(user, 'calls') <= allowance && roundUpToTwoDigits(unitsOf(user, 'calls')) === allowance)).toBe(true);
    }
  });

  it('prices overage so that each unit beyond the allowance carries the target margin, rounded up to $0.0001', () => {
    const { rate, unitCost } = overageRateFor(pro.users, 'calls', 100n, 0.7);
    expect(unitCost).toBe(usd(0.05));
    const exact = (unitCost * 10n) / 3n;
    expect(rate).toBeGreaterThanOrEqual(exact);
    expect(rate - exact).toBeLessThan(100_000_000n);
    expect(rate % 100_000_000n).toBe(0n);
    // One overage call bills the rate and costs the unit cost: its margin is at least the target.
    expect(reachesMargin(rate, unitCost, 0.7)).toBe(true);
  });

  it('bills $1 of inference beyond a usd allowance at 1 ÷ (1 − margin), rounded up to the cent', () => {
    const design = designTierPlans(pro, { ...constraints, unit: 'usd' });
    expect(design.overagePicodollarsPerUnit).toBe(usd(3.34));
    expect(design.allowance % usd(0.01)).toBe(0n);
    const over = pro.users.filter((user) => user.costPicodollars > design.allowance).length;
    expect(over / pro.users.length).toBeLessThanOrEqual(0.2);
  });

  it('explains when no price point reaches the margin, and the price that would', () => {
    const design = designTierPlans(pro, { ...constraints, pricePointsUsd: [5, 9] });
    expect(design.recommended).toBeNull();
    expect(design.priceNeededUsd).toBe(10);
    expect(design.explanation).toBe('no price point up to $9.00 reaches 70.0%: at $9.00 the margin is 69.1%; a seat price of $10.00 would, with this allowance and overage rate, or a smaller allowance, or cheaper models (see the model tiers)');
    // The price it names does reach the margin, and a dollar less does not.
    expect(designTierPlans(pro, { ...constraints, pricePointsUsd: [10] }).recommended).toBe(0);
  });

  it('puts no more users on overage than the cap allows, a cap of zero included', () => {
    // Everyone uses the same: the allowance covers them all and nobody pays overage.
    const flat = designTierPlans({ ...pro, users: proUsers([50, 50, 50, 50]) }, constraints);
    expect(flat.candidates.every(({ outcome }) => outcome.overageShare === 0)).toBe(true);
    const capped = designTierPlans(pro, { ...constraints, maxOverageShare: 0 });
    expect(capped.allowance).toBe(900n);
    expect(capped.candidates.every(({ outcome }) => outcome.usersPayingOverage === 0)).toBe(true);
  });

  it('lists the users served at a loss today, largest loss first, and counts those a plan still subsidizes', () => {
    const design = designTierPlans(pro, constraints);
    // $10 a seat against 5 cents a call: users above 200 calls lose money today.
    expect(design.subsidizedToday.map((user) => user.userId)).toEqual(['u09', 'u08']);
    expect(design.current.usersSubsidized).toBe(2);
    expect(design.current.margin).toBeCloseTo((100 - 84.5) / 100, 10);
    const chosen = design.candidates[design.recommended!]!.outcome;
    expect(chosen.subsidizedTodayStill).toBe(0);
    expect(design.candidates[0]!.outcome.usersSubsidized).toBeGreaterThanOrEqual(chosen.usersSubsidized);
  });

  it('gives the same plans whatever order the users come in', () => {
    const shuffled = { ...pro, users: [...pro.users].reverse() };
    const strip = (design: ReturnType<typeof designTierPlans>) => JSON.stringify({ ...design, candidates: design.candidates.map(({ terms, outcome }) => ({ terms, outcome: { ...outcome, revenueByUser: [...outcome.revenueByUser].sort() } })) }, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    expect(strip(designTierPlans(shuffled, constraints))).toBe(strip(designTierPlans(pro, constraints)));
  });
});

describe('plan arithmetic', () => {
  it('rounds allowances up to two significant digits', () => {
    expect([7n, 99n, 100n, 101n, 437n, 1234n, 90_001n].map(roundUpToTwoDigits)).toEqual([7n, 99n, 100n, 110n, 440n, 1300n, 91_000n]);
  });

  it('bills usd overage per dollar of inference, rounded half up to a picodollar', () => {
    const terms = { pricePicodollars: usd(20), unit: 'usd' as const, allowance: usd(1), overagePicodollarsPerUnit: usd(3.34) };
    expect(planRevenueOf(terms, usd(1)).overage).toBe(0n);
    expect(planRevenueOf(terms, usd(1) + 1n).overage).toBe(3n);
    expect(planRevenueOf(terms, usd(3)).total).toBe(usd(20 + 2 * 3.34));
  });

  it('decides the margin on integers: exactly the target reaches it', () => {
    expect(reachesMargin(usd(10), usd(3), 0.7)).toBe(true);
    expect(reachesMargin(usd(10), usd(3) + 1n, 0.7)).toBe(false);
    expect(reachesMargin(0n, 0n, 0)).toBe(false);
    const outcome = evaluatePlan({ pricePicodollars: 0n, unit: 'calls', allowance: 0n, overagePicodollarsPerUnit: 0n }, pro.users, 0.7);
    expect(outcome.margin).toBeNull();
    expect(outcome.usersSubsidized).toBe(pro.users.length);
  });
});
