import { describe, expect, it } from 'vitest';
import { designTierPlans, type PlanUser, type TierUsage } from './design-tier-plans.js';
import { suggestModelTier, type ModelOption } from './model-tier-options.js';
import { defaultPlanConstraints } from './plan-constraints.js';

const usd = (dollars: number): bigint => BigInt(Math.round(dollars * 1e6)) * 1_000_000n;
const constraints = { ...defaultPlanConstraints, pricePointsUsd: [9, 19, 29] };

function tier(seatUsd: number): TierUsage {
  const users: PlanUser[] = [5, 10, 20, 40].map((dollars, index) => ({ userId: `u${index}`, costPicodollars: usd(dollars), calls: dollars * 10, tasks: dollars, revenuePicodollars: usd(seatUsd) }));
  return { tier: 'pro', users, currentPlan: null };
}

// Each user's cost at a model that costs `share` of what was recorded.
const at = (usage: TierUsage, model: string | null, modelTier: string, share: number): ModelOption => ({
  model,
  modelTier,
  costs: new Map(usage.users.map((user) => [user.userId, (user.costPicodollars * BigInt(Math.round(share * 100))) / 100n])),
});

describe('which model tier a plan tier can afford', () => {
  it('suggests the cheapest option that reaches the margin at today\'s prices, and says the quality call is the team\'s', () => {
    const usage = tier(40);
    const options = [at(usage, null, 'recorded', 1), at(usage, 'openai/gpt-4.1-mini', 'budget', 0.1), at(usage, 'anthropic/claude-haiku-4-5', 'mid', 0.4)];
    const suggestion = suggestModelTier(usage, designTierPlans(usage, constraints), options, constraints);
    expect(suggestion.basis).toBe('today');
    expect(suggestion.options.map((option) => option.modelTier)).toEqual(['budget', 'mid', 'recorded']);
    // Today: $160 of revenue; recorded $75 (53%), mid $30 (81%), budget $7.50 (95%).
    expect(suggestion.options.map((option) => option.marginToday)).toEqual([1 - 7.5 / 160, 1 - 30 / 160, 1 - 75 / 160]);
    expect(suggestion.suggested).toBe(0);
    expect(suggestion.text).toMatch(/^openai\/gpt-4\.1-mini \(budget\) is the cheapest option that reaches 70\.0% at today's prices \(95\.3%\); whether its answers are good enough for this tier is your call$/);
    // Cheaper models let a cheaper price point reach the margin.
    const prices = suggestion.options.map((option) => option.cheapestPricePicodollars);
    expect(prices[0]! <= prices[1]!).toBe(true);
  });

  it('judges by the recommended plan when the tier pays nothing today, and says when no option reaches the margin', () => {
    const free = tier(0);
    const ladder = { ...constraints, pricePointsUsd: [29, 99] };
    const design = designTierPlans(free, ladder);
    expect(design.recommended).not.toBeNull();
    const suggestion = suggestModelTier(free, design, [at(free, null, 'recorded', 1), at(free, 'openai/gpt-4.1-mini', 'budget', 0.1)], ladder);
    expect(suggestion.basis).toBe('plan');
    expect(suggestion.options.every((option) => option.marginWithPlan !== null)).toBe(true);
    expect(suggestion.suggested).toBe(0);

    const none = suggestModelTier(free, design, [at(free, null, 'recorded', 1)], { ...ladder, targetMargin: 0.99 });
    expect(none.suggested).toBeNull();
    expect(none.text).toBe('no model option reaches 99.0% with the recommended plan: the price has to change (see the candidates)');
  });
});
