import type { Budget, BudgetScope } from './budget-config.js';

/** The value a budget over all spend keeps its total under, where others keep the tag's value. */
export const allSpendValue = '*';

/**
 * Which of a budget's running totals a call counts in: its tag's value, the one total of a budget over all
 * spend, or undefined when the budget does not cover the call (the tag is missing or is another value).
 */
export function budgetScopeValue(budget: Pick<Budget, 'per' | 'equals'>, tags: Partial<Record<BudgetScope, string>>): string | undefined {
  if (budget.per === undefined) return allSpendValue;
  const value = tags[budget.per];
  if (value === undefined || (budget.equals !== undefined && budget.equals !== value)) return undefined;
  return value;
}
