import { describe, expect, it } from 'vitest';
import { BudgetLedger } from './budget-ledger.js';
import type { Budget } from '../budgets/budget-config.js';
import { budgetPeriodStart } from '../budgets/budget-period-start.js';

const usd = (dollars: number): number => Math.round(dollars * 1e12);
const now = Date.parse('2026-03-04T15:00:00Z');
const perTeam: Budget = { name: 'team-daily', per: 'team', period: 'day', limit_usd: 1, mode: 'hard', alert_at: [0.5, 0.8, 1] };

describe('BudgetLedger', () => {
  it('reserves while there is room and refuses the call that would pass the limit, naming the budget', () => {
    const ledger = new BudgetLedger([perTeam]);
    expect(ledger.reserve({ team: 'support' }, usd(0.6), now)).toMatchObject({ ok: true });
    expect(ledger.reserve({ team: 'support' }, usd(0.6), now)).toEqual({ ok: false, breach: { budget: perTeam, value: 'support', spent: 0, reserved: usd(0.6), limit: usd(1) } });
  });

  it('keeps a budget per tag value, and leaves calls without the tag alone', () => {
    const ledger = new BudgetLedger([perTeam]);
    expect(ledger.reserve({ team: 'support' }, usd(0.9), now).ok).toBe(true);
    expect(ledger.reserve({ team: 'devtools' }, usd(0.9), now).ok).toBe(true);
    expect(ledger.reserve({}, usd(5), now)).toMatchObject({ ok: true, reservation: { keys: [] } });
  });

  it('settles a reservation to the exact cost, freeing what the call did not spend', () => {
    const ledger = new BudgetLedger([perTeam]);
    const first = ledger.reserve({ team: 'support' }, usd(0.8), now);
    if (!first.ok) throw new Error('expected room');
    ledger.settle(first.reservation, usd(0.1));
    expect(ledger.reserve({ team: 'support' }, usd(0.8), now).ok).toBe(true);
    expect(ledger.reserve({ team: 'support' }, usd(0.2), now)).toMatchObject({ ok: false, breach: { spent: usd(0.1), reserved: usd(0.8) } });
  });

  it('counts spend read back from the store, so a restart does not reset the budget', () => {
    const ledger = new BudgetLedger([perTeam]);
    ledger.addSpent(BudgetLedger.keyOf(0, 'support', budgetPeriodStart('day', now)), usd(0.95));
    expect(ledger.reserve({ team: 'support' }, usd(0.1), now).ok).toBe(false);
  });

  it('starts each period afresh', () => {
    const ledger = new BudgetLedger([perTeam]);
    expect(ledger.reserve({ team: 'support' }, usd(1), now).ok).toBe(true);
    expect(ledger.reserve({ team: 'support' }, usd(1), now + 86_400_000).ok).toBe(true);
  });

  it('lets a call pass a soft budget, and reports the breach', () => {
    const ledger = new BudgetLedger([{ ...perTeam, mode: 'soft' }]);
    ledger.reserve({ team: 'support' }, usd(0.9), now);
    expect(ledger.reserve({ team: 'support' }, usd(0.9), now)).toMatchObject({ ok: true, softBreaches: [{ value: 'support', reserved: usd(0.9) }] });
  });

  it('keeps one total for a budget over all spend, whatever the call is tagged with', () => {
    const everything: Budget = { name: 'all-daily', period: 'day', limit_usd: 1, mode: 'hard', alert_at: [0.5, 0.8, 1] };
    const ledger = new BudgetLedger([everything]);
    expect(ledger.reserve({ team: 'support' }, usd(0.6), now)).toMatchObject({ ok: true, reservation: { keys: [BudgetLedger.keyOf(0, '*', budgetPeriodStart('day', now))] } });
    expect(ledger.reserve({}, usd(0.6), now)).toMatchObject({ ok: false, breach: { budget: everything, value: '*', reserved: usd(0.6) } });
  });

  it('applies a budget with equals to that value only', () => {
    const ledger = new BudgetLedger([{ ...perTeam, equals: 'support' }]);
    expect(ledger.reserve({ team: 'devtools' }, usd(5), now).ok).toBe(true);
    expect(ledger.reserve({ team: 'support' }, usd(5), now).ok).toBe(false);
  });
});
