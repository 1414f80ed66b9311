import { formatPicodollarsExact } from '../../cost/picodollars.js';
import { usd } from '../../kpi/unit-ratios.js';
import type { AlertSeverity, FiredAlert } from './fired-alert.js';

/** One alert as `unitcost alerts check --json` and GET /v1/alerts print it: dollars, snake_case, exact amounts as strings. */
export interface FiredAlertJson {
  key: string;
  rule: string;
  kind: FiredAlert['kind'];
  severity: AlertSeverity;
  scope: Record<string, string>;
  grain: FiredAlert['grain'];
  window_start: string;
  title: string;
  value: number;
  threshold: number;
  score: number | null;
  cause: {
    baseline_usd: number;
    current_usd: number;
    change_usd_exact: string;
    summary: string;
    contributions: Array<{ driver: string; delta_usd: number; delta_usd_exact: string; before: number | null; after: number | null; detail: string | null }>;
  } | null;
}

/** The answer of an evaluation: when, the alerts, and how many of each severity. */
export interface AlertsCheckJson {
  at: string;
  alerts: FiredAlertJson[];
  counts: Record<AlertSeverity, number>;
}

/** The JSON of one evaluation's alerts, most severe first. */
export function alertsCheckJson(at: Date, alerts: readonly FiredAlert[]): AlertsCheckJson {
  const rank: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };
  const sorted = [...alerts].sort((left, right) => rank[left.severity] - rank[right.severity] || (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
  const counts: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
  for (const alert of alerts) counts[alert.severity] += 1;
  return { at: at.toISOString(), alerts: sorted.map(firedAlertJson), counts };
}

/** The JSON of one alert. */
export function firedAlertJson(alert: FiredAlert): FiredAlertJson {
  const cause = alert.cause;
  return {
    key: alert.key,
    rule: alert.rule,
    kind: alert.kind,
    severity: alert.severity,
    scope: alert.scope,
    grain: alert.grain,
    window_start: alert.windowStart,
    title: alert.title,
    value: alert.value,
    threshold: alert.threshold,
    score: alert.score ?? null,
    cause:
      cause === undefined
        ? null
        : {
            baseline_usd: usd(cause.baselinePicodollars),
            current_usd: usd(cause.currentPicodollars),
            change_usd_exact: formatPicodollarsExact(cause.currentPicodollars - cause.baselinePicodollars),
            summary: cause.summary,
            contributions: cause.contributions.map((part) => ({
              driver: part.driver,
              delta_usd: usd(part.deltaPicodollars),
              delta_usd_exact: formatPicodollarsExact(part.deltaPicodollars),
              before: part.before ?? null,
              after: part.after ?? null,
              detail: part.detail ?? null,
            })),
          },
  };
}

/** Whether an evaluation calls for action: cron exits 1 on a warning or a critical alert. */
export function needsAttention(alerts: ReadonlyArray<Pick<FiredAlert, 'severity'>>): boolean {
  return alerts.some((alert) => alert.severity === 'warning' || alert.severity === 'critical');
}
