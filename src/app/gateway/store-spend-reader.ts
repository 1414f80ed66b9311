import { allSpendValue } from '../../core/budgets/budget-scope-value.js';
import type { ReportReader } from '../../store/report-reader.js';
import type { App } from '../create-app.js';
import { reportSettings } from '../report-service.js';
import type { SpendReader } from './read-budget-spend.js';

/** Reads budget spend straight from a store the gateway holds itself (`unitcost gateway`), as exact sums. */
export function storeSpendReader(app: App, reader: ReportReader): SpendReader {
  const { revenue, tiers } = reportSettings(app.config);
  return async ({ per, equals, from, to }) => {
    const report = await reader.report({
      groupBy: per === undefined ? [] : [per],
      period: null,
      from,
      to,
      where: per === undefined || equals === undefined ? [] : [{ dimension: per, values: [equals] }],
      revenue,
      tiers,
    });
    if (per === undefined) return [{ value: allSpendValue, picodollars: Number(report.totals.current.costPicodollars.total) }];
    return report.rows.flatMap((row) => {
      const value = row.keys[per];
      return value === null || value === undefined ? [] : [{ value, picodollars: Number(row.current.costPicodollars.total) }];
    });
  };
}
