import { formatPicodollarsExact } from '../cost/picodollars.js';
import { usd } from '../kpi/unit-ratios.js';
import type { BudgetForecast } from './forecast-budget.js';

/** A budget scope's forecast as `unitcost budgets --json` and GET /v1/budgets print it: dollars, snake_case. */
export interface BudgetForecastJson {
  window: { from: string; to: string };
  limit_usd: number;
  spent_usd: number;
  /** The exact spend, as a decimal string: the dollars above are for display. */
  spent_usd_exact: string;
  remaining_usd: number;
  used_share: number;
  forecast: { basis: BudgetForecast['forecast']['basis']; end_usd: number; low_usd: number; high_usd: number };
  breach: { day: string; already: boolean } | null;
  alert_points_reached: number[];
}

/** The JSON of one forecast. */
export function budgetForecastJson(forecast: BudgetForecast): BudgetForecastJson {
  return {
    window: forecast.window,
    limit_usd: usd(forecast.limitPicodollars),
    spent_usd: usd(forecast.spentPicodollars),
    spent_usd_exact: formatPicodollarsExact(forecast.spentPicodollars),
    remaining_usd: usd(forecast.remainingPicodollars),
    used_share: forecast.usedShare,
    forecast: {
      basis: forecast.forecast.basis,
      end_usd: usd(forecast.forecast.endPicodollars),
      low_usd: usd(forecast.forecast.lowPicodollars),
      high_usd: usd(forecast.forecast.highPicodollars),
    },
    breach: forecast.breach,
    alert_points_reached: forecast.alertPointsReached,
  };
}
