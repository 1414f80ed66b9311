import { formatUsd, picodollarsToUsd } from '../cost/picodollars.js';
import type { BudgetBreach } from './budget-ledger.js';
import { gatewayRefusal, type GatewayRefusal } from './gateway-refusal.js';

const periodWords = { day: 'today', week: 'this week', month: 'this month' } as const;

/** The 429 a hard budget answers with: the budget, whom it is for, what is spent and the limit. */
export function budgetRefusal(breach: BudgetBreach, worstCase: number): GatewayRefusal {
  const { budget } = breach;
  const money = (picodollars: number): string => formatUsd(picodollarsToUsd(picodollars));
  const scope = budget.per === undefined ? 'all spend' : `${budget.per} ${breach.value}`;
  const inFlight = breach.reserved > 0 ? `, ${money(breach.reserved)} more held by calls in flight` : '';
  return gatewayRefusal(
    'budget_exceeded',
    'budget',
    `budget "${budget.name}" (${scope}) has spent ${money(breach.spent)} of its ${money(breach.limit)} ${periodWords[budget.period]}${inFlight}; this call could cost up to ${money(worstCase)}`,
  );
}
