import type { FiredAlert } from '../../core/governance/alerts/fired-alert.js';
import type { ReportReader } from '../../store/report-reader.js';
import type { App } from '../create-app.js';
import { evaluateAlerts } from './evaluate-alerts.js';

/** Evaluates every configured rule over the store at an instant: what fires now. Stateless; delivery keeps the state. */
export type AlertEvaluator = (reader: ReportReader, at: Date) => Promise<FiredAlert[]>;

/**
 * The evaluator `unitcost serve` runs after writes pause: the one place where alert evaluation (the rules of
 * `alerts:` and the budgets' points, evaluate-alerts.ts) plugs into delivery. Null while no rule can fire
 * (no rules, no budgets), so that the server does not run reports for nothing.
 */
export function serverAlertEvaluator(app: App): AlertEvaluator | null {
  if (app.config.alerts.length === 0 && app.config.budgets.length === 0) return null;
  return (reader, at) => evaluateAlerts(app, reader, at.getTime());
}
