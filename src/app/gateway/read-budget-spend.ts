import type { Budget, BudgetScope } from '../../core/budgets/budget-config.js';
import { budgetPeriodStart } from '../../core/budgets/budget-period-start.js';
import { allSpendValue } from '../../core/budgets/budget-scope-value.js';
import { BudgetLedger } from '../../core/gateway/budget-ledger.js';

/** One question to the store: the spend over whole UTC days [from, to), per value of a tag or in total. */
export interface SpendQuery {
  /** The tag to group by; undefined asks for the total. */
  per: BudgetScope | undefined;
  /** Only this value of the tag. */
  equals: string | undefined;
  /** First day, YYYY-MM-DD. */
  from: string;
  /** The day after the last, YYYY-MM-DD. */
  to: string;
}

/** Spend in picodollars per value of the tag (the total under `*` when no tag is asked for), read from wherever the store is reached. */
export type SpendReader = (query: SpendQuery) => Promise<Array<{ value: string; picodollars: number }>>;

const dayMs = 86_400_000;

/**
 * Builds the budget ledger with what each budget has already spent in its current period, read from the
 * store, so that a restarted gateway does not grant a spent budget again. The store counts whole UTC days,
 * and every period starts on one.
 */
export async function readBudgetSpend(budgets: readonly Budget[], nowMs: number, readSpend: SpendReader): Promise<BudgetLedger> {
  const ledger = new BudgetLedger(budgets);
  const tomorrow = isoDay(Math.floor(nowMs / dayMs) * dayMs + dayMs);
  for (const [index, budget] of budgets.entries()) {
    const periodStart = budgetPeriodStart(budget.period, nowMs);
    const spend = await readSpend({ per: budget.per, equals: budget.equals, from: isoDay(periodStart), to: tomorrow });
    for (const { value, picodollars } of spend) {
      if (budget.per === undefined && value !== allSpendValue) continue;
      ledger.addSpent(BudgetLedger.keyOf(index, value, periodStart), picodollars);
    }
  }
  return ledger;
}

function isoDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
