import { UnitcostError } from '../unitcost-error.js';

/**
 * What the person designing a plan decides, as `unitcost plans` and GET /v1/plans take it: the margin to
 * reach, the seat prices they are willing to charge, how many users may pay overage, and what the
 * allowance counts. Parsed here, once, so the CLI and the API refuse the same input with the same words.
 */

/** What an allowance counts: calls that did not fail, tasks, or dollars of inference cost. */
export const allowanceUnits = ['calls', 'tasks', 'usd'] as const;

/** One allowance unit. */
export type AllowanceUnit = (typeof allowanceUnits)[number];

/** The constraints a plan design works under. */
export interface PlanConstraints {
  /** Gross margin to reach, (revenue − inference cost) ÷ revenue: 0.7 for 70%. */
  targetMargin: number;
  /** Seat prices per month to choose from, in dollars, ascending. */
  pricePointsUsd: number[];
  /** At most this share of a tier's users may exceed the allowance and pay overage. */
  maxOverageShare: number;
  unit: AllowanceUnit;
}

// A common SaaS ladder: the round prices buyers compare, from an entry plan to a team seat.
/** The seat prices tried when none are given, in dollars per month. */
export const defaultPricePointsUsd: readonly number[] = [5, 9, 19, 29, 49, 99, 199];

/** The constraints when none are given: 70% margin (a software business's usual gross margin), a fifth of users on overage at most. */
export const defaultPlanConstraints: PlanConstraints = { targetMargin: 0.7, pricePointsUsd: [...defaultPricePointsUsd], maxOverageShare: 0.2, unit: 'calls' };

/** The constraints as typed (flags or query parameters), each optional. */
export interface PlanConstraintsInput {
  targetMargin?: string | number;
  pricePoints?: string | number[];
  maxOverageShare?: string | number;
  allowance?: string;
  /** How messages name the inputs: as the CLI's flags (--target-margin, the default) or the API's query parameters (target_margin). */
  naming?: 'flags' | 'query';
}

/** An input's name as the user typed it: `--price-points` on the command line, `price_points` in a query. */
export function inputName(name: string, naming: 'flags' | 'query' = 'flags'): string {
  return naming === 'flags' ? `--${name.replaceAll('_', '-')}` : name.replaceAll('-', '_');
}

/** Checks typed constraints and fills in the defaults; a bad value throws an invalid_argument naming its flag (or query parameter). */
export function parsePlanConstraints(input: PlanConstraintsInput): PlanConstraints {
  const name = (field: string): string => inputName(field, input.naming);
  // A margin of 1 would need infinite prices: overage is priced at cost ÷ (1 − margin).
  const targetMargin = input.targetMargin === undefined ? defaultPlanConstraints.targetMargin : share(input.targetMargin, name('target-margin'), { below: 1 });
  const maxOverageShare = input.maxOverageShare === undefined ? defaultPlanConstraints.maxOverageShare : share(input.maxOverageShare, name('max-overage-share'), {});
  const pricePointsUsd = input.pricePoints === undefined ? [...defaultPricePointsUsd] : pricePoints(input.pricePoints, name('price-points'));
  const unit = input.allowance === undefined ? defaultPlanConstraints.unit : allowanceUnit(input.allowance, name('allowance'));
  return { targetMargin, pricePointsUsd, maxOverageShare, unit };
}

function share(value: string | number, flag: string, limits: { below?: number }): number {
  const number = typeof value === 'number' ? value : Number(value.trim());
  const upper = limits.below === undefined ? 'at most 1' : 'below 1';
  if (typeof value === 'string' && value.trim().endsWith('%')) {
    throw new UnitcostError('invalid_argument', `${flag} is a fraction, not a percentage: write ${Number(value.trim().slice(0, -1)) / 100} for ${value.trim()}`, { field: flag });
  }
  if (!Number.isFinite(number) || number < 0 || (limits.below === undefined ? number > 1 : number >= limits.below)) {
    throw new UnitcostError('invalid_argument', `${flag} must be a fraction from 0 and ${upper} (0.7 for 70%), got ${String(value)}`, { field: flag });
  }
  return number;
}

function pricePoints(value: string | number[], flag: string): number[] {
  const items = typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item !== '') : value;
  if (items.length === 0) throw new UnitcostError('invalid_argument', `${flag} needs at least one price, e.g. 9,19,29,49,99`, { field: flag });
  const prices = items.map((item) => {
    const text = String(item).replace(/^\$/, '');
    const price = Number(text);
    // Cents at most: a seat price is something a customer reads on a pricing page.
    if (text === '' || !Number.isFinite(price) || price < 0 || Math.round(price * 100) !== price * 100) {
      throw new UnitcostError('invalid_argument', `${flag} takes dollar amounts separated by commas (e.g. 9,19,29.5), got ${String(item)}`, { field: flag });
    }
    return price;
  });
  return [...new Set(prices)].sort((a, b) => a - b);
}

function allowanceUnit(value: string, flag: string): AllowanceUnit {
  const unit = value.trim().toLowerCase();
  if ((allowanceUnits as readonly string[]).includes(unit)) return unit as AllowanceUnit;
  throw new UnitcostError('invalid_argument', `${flag} must be one of ${allowanceUnits.join(', ')} (what the included allowance counts), got ${value}`, { field: flag, suggestions: [...allowanceUnits] });
}
