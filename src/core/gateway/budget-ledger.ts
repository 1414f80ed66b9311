import type { Budget } from '../budgets/budget-config.js';
import { budgetPeriodStart } from '../budgets/budget-period-start.js';
import { budgetScopeValue } from '../budgets/budget-scope-value.js';
import type { GatewayTags } from './gateway-tags.js';

/** What a call holds on each budget it falls under, until its exact cost is known. */
export interface BudgetReservation {
  keys: string[];
  amount: number;
}

/** A budget a call would exceed: named, with what is spent and reserved and the limit, in picodollars. */
export interface BudgetBreach {
  budget: Budget;
  /** The tag value the budget is kept for; `*` for a budget over all spend. */
  value: string;
  spent: number;
  reserved: number;
  limit: number;
}

/** The outcome of asking for room: a reservation, or the hard budget that refuses (and soft ones passed). */
export type ReserveResult = { ok: true; reservation: BudgetReservation; softBreaches: BudgetBreach[] } | { ok: false; breach: BudgetBreach };

const picodollarsPerUsd = 1_000_000_000_000;
const pruneEvery = 10_000;

/**
 * Spend and reservations per budget, tag value and period. A call reserves its worst-case cost on every
 * budget it falls under before it goes upstream, and settles to its exact cost after. reserve() checks and
 * adds in one synchronous step, so concurrent calls cannot all see room that only one of them has: a hard
 * budget is exceeded at most by what the calls cost beyond their reservations. Time is passed in.
 */
export class BudgetLedger {
  /** Settled spend per key, in picodollars. */
  private readonly spent = new Map<string, number>();
  private readonly reserved = new Map<string, number>();
  private reservesSincePrune = 0;

  constructor(private readonly budgets: readonly Budget[]) {}

  /** Whether there is no budget to keep, so that a call need not be priced before it goes upstream. */
  get empty(): boolean {
    return this.budgets.length === 0;
  }

  /** The key of a budget's running total for one tag value (`*` for all spend) in the period starting at `periodStartMs`. */
  static keyOf(budgetIndex: number, value: string, periodStartMs: number): string {
    return `${budgetIndex}\u0000${value}\u0000${periodStartMs}`;
  }

  /** Adds spend already stored (read back at start, so that a restart does not reset a budget). */
  addSpent(key: string, picodollars: number): void {
    this.spent.set(key, (this.spent.get(key) ?? 0) + picodollars);
  }

  /** Reserves `amount` picodollars on every budget the call falls under, unless a hard one lacks the room. */
  reserve(tags: GatewayTags, amount: number, nowMs: number): ReserveResult {
    // Totals of past periods are never read again; per-user budgets would otherwise grow the maps without end.
    this.reservesSincePrune += 1;
    if (this.reservesSincePrune >= pruneEvery) {
      this.reservesSincePrune = 0;
      this.prune(nowMs);
    }
    const applicable: Array<{ key: string; breach: BudgetBreach }> = [];
    for (const [index, budget] of this.budgets.entries()) {
      const value = budgetScopeValue(budget, tags);
      if (value === undefined) continue;
      const key = BudgetLedger.keyOf(index, value, budgetPeriodStart(budget.period, nowMs));
      const breach: BudgetBreach = { budget, value, spent: this.spent.get(key) ?? 0, reserved: this.reserved.get(key) ?? 0, limit: Math.round(budget.limit_usd * picodollarsPerUsd) };
      applicable.push({ key, breach });
    }
    const over = applicable.filter(({ breach }) => breach.spent + breach.reserved + amount > breach.limit);
    const hard = over.find(({ breach }) => breach.budget.mode === 'hard');
    if (hard !== undefined) return { ok: false, breach: hard.breach };
    for (const { key } of applicable) this.reserved.set(key, (this.reserved.get(key) ?? 0) + amount);
    return { ok: true, reservation: { keys: applicable.map(({ key }) => key), amount }, softBreaches: over.map(({ breach }) => breach) };
  }

  /** Replaces a reservation by the call's exact cost (zero for a call that billed nothing). */
  settle(reservation: BudgetReservation, cost: number): void {
    for (const key of reservation.keys) {
      const left = (this.reserved.get(key) ?? 0) - reservation.amount;
      if (left > 0) this.reserved.set(key, left);
      else this.reserved.delete(key);
      this.spent.set(key, (this.spent.get(key) ?? 0) + cost);
    }
  }

  private prune(nowMs: number): void {
    for (const key of this.spent.keys()) {
      const [index, , start] = key.split('\u0000');
      const budget = this.budgets[Number(index)];
      if (budget === undefined || Number(start) < budgetPeriodStart(budget.period, nowMs)) this.spent.delete(key);
    }
  }
}
