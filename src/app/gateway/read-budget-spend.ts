import { BudgetLedger } from '../../core/gateway/budget-ledger.js';
import { budgetPeriodStart } from '../../core/gateway/budget-period-start.js';
import type { Budget } from '../../core/gateway/gateway-config.js';
import type { ReportReader } from '../../store/report-reader.js';
import type { App } from '../create-app.js';
import { reportSettings } from '../report-service.js';

const dayMs = 86_400_000;

/**
 * Builds the budget ledger with what each budget has already spent in its current period, read from the
 * store, so that a restarted gateway does not grant a spent budget again. The store counts whole UTC days,
 * and every period starts on one.
 */
export async function readBudgetSpend(app: App, reader: ReportReader, budgets: readonly Budget[], nowMs: number): Promise<BudgetLedger> {
  const ledger = new BudgetLedger(budgets);
  const { revenue, tiers } = reportSettings(app.config);
  const tomorrow = isoDay(Math.floor(nowMs / dayMs) * dayMs + dayMs);
  for (const [index, budget] of budgets.entries()) {
    const periodStart = budgetPeriodStart(budget.period, nowMs);
    const report = await reader.report({
      groupBy: [budget.per],
      period: null,
      from: isoDay(periodStart),
      to: tomorrow,
      where: budget.equals === undefined ? [] : [{ dimension: budget.per, values: [budget.equals] }],
      revenue,
      tiers,
    });
    for (const row of report.rows) {
      const value = row.keys[budget.per];
      if (value === null || value === undefined) continue;
      ledger.addSpent(BudgetLedger.keyOf(index, value, periodStart), Number(row.current.costPicodollars.total));
    }
  }
  return ledger;
}

function isoDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
