import type { PlanUser } from './design-tier-plans.js';

/** Days in the month plans are priced for: 365.25 ÷ 12, as simulate's $/month. */
export const planMonthDays = 30.4375;

/**
 * A user's figures over a window of days, as a month's: a plan is priced per month, so a window shorter or longer
 * than a month is scaled by monthDays ÷ windowDays. Money stays integer (rounded half up to a picodollar), counts
 * are rounded to whole calls and tasks. A calendar month given whole needs no scaling: pass its own length.
 */
export function scaleToMonth(user: PlanUser, windowDays: number, monthDays: number = planMonthDays): PlanUser {
  if (windowDays === monthDays) return user;
  // The factor as a fraction of integers (to 1e-4 of a day) so money is scaled exactly.
  const numerator = BigInt(Math.round(monthDays * 10_000));
  const denominator = BigInt(Math.round(windowDays * 10_000));
  const scale = (picodollars: bigint): bigint => {
    const product = picodollars * numerator;
    const half = denominator / 2n;
    return product >= 0n ? (product + half) / denominator : -((-product + half) / denominator);
  };
  const factor = monthDays / windowDays;
  return {
    userId: user.userId,
    costPicodollars: scale(user.costPicodollars),
    calls: Math.round(user.calls * factor),
    tasks: Math.round(user.tasks * factor),
    revenuePicodollars: scale(user.revenuePicodollars),
  };
}
