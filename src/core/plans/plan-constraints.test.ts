import { describe, expect, it } from 'vitest';
import { UnitcostError } from '../unitcost-error.js';
import { defaultPricePointsUsd, parsePlanConstraints } from './plan-constraints.js';

function refusal(input: Parameters<typeof parsePlanConstraints>[0]): UnitcostError {
  try {
    parsePlanConstraints(input);
  } catch (error) {
    if (UnitcostError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('plan constraints as typed', () => {
  it('defaults to 70% margin, the price ladder, a fifth of users on overage and an allowance in calls', () => {
    expect(parsePlanConstraints({})).toEqual({ targetMargin: 0.7, pricePointsUsd: [...defaultPricePointsUsd], maxOverageShare: 0.2, unit: 'calls' });
  });

  it('reads price points in any order, with or without $, once each', () => {
    expect(parsePlanConstraints({ pricePoints: '49, $9,19,9,29.5', targetMargin: '0.65', maxOverageShare: '0.1', allowance: 'USD' })).toEqual({
      targetMargin: 0.65,
      pricePointsUsd: [9, 19, 29.5, 49],
      maxOverageShare: 0.1,
      unit: 'usd',
    });
  });

  it('refuses a margin of 1 or a percentage, naming the flag', () => {
    expect(refusal({ targetMargin: '1' }).message).toBe('--target-margin must be a fraction from 0 and below 1 (0.7 for 70%), got 1');
    expect(refusal({ targetMargin: '70%' }).message).toBe('--target-margin is a fraction, not a percentage: write 0.7 for 70%');
    expect(refusal({ maxOverageShare: '1.5' }).details.field).toBe('--max-overage-share');
  });

  it('refuses prices that are not dollar amounts, and an unknown allowance unit with the known ones', () => {
    expect(refusal({ pricePoints: '9,abc' }).message).toBe('--price-points takes dollar amounts separated by commas (e.g. 9,19,29.5), got abc');
    expect(refusal({ pricePoints: '9.999' }).details.field).toBe('--price-points');
    expect(refusal({ pricePoints: ' , ' }).message).toMatch(/needs at least one price/);
    const unit = refusal({ allowance: 'tokens' });
    expect(unit.message).toBe('--allowance must be one of calls, tasks, usd (what the included allowance counts), got tokens');
    expect(unit.details.suggestions).toEqual(['calls', 'tasks', 'usd']);
  });
});
