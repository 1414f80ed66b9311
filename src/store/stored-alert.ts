import type { AlertMute } from '../core/governance/alerts/alert-mute.js';
import type { AlertCause, FiredAlert } from '../core/governance/alerts/fired-alert.js';
import type { Incident } from '../core/governance/alerts/incident.js';
import type { IncidentEvent } from '../core/governance/alerts/webhook-config.js';
import type { OutboxEntry } from './alert-state-store.js';

/*
 * How an incident's alert is kept in alert_incidents.alert_json (on every backend): the FiredAlert as it is, with its picodollar
 * amounts as decimal strings (JSON numbers would round them), so that reading it back gives the same alert.
 */

type StoredCause = Omit<AlertCause, 'baselinePicodollars' | 'currentPicodollars' | 'contributions'> & {
  baselinePicodollars: string;
  currentPicodollars: string;
  contributions: Array<Omit<AlertCause['contributions'][number], 'deltaPicodollars'> & { deltaPicodollars: string }>;
};

/** The text kept for an alert. */
export function storedAlertText(alert: FiredAlert): string {
  const { cause, ...rest } = alert;
  const stored: Omit<FiredAlert, 'cause'> & { cause?: StoredCause } = rest;
  if (cause) {
    stored.cause = {
      ...cause,
      baselinePicodollars: cause.baselinePicodollars.toString(),
      currentPicodollars: cause.currentPicodollars.toString(),
      contributions: cause.contributions.map((part) => ({ ...part, deltaPicodollars: part.deltaPicodollars.toString() })),
    };
  }
  return JSON.stringify(stored);
}

/** The alert back from its kept text. */
export function alertFromStoredText(text: string): FiredAlert {
  const { cause, ...rest } = JSON.parse(text) as Omit<FiredAlert, 'cause'> & { cause?: StoredCause };
  const alert: FiredAlert = rest;
  if (cause) {
    alert.cause = {
      ...cause,
      baselinePicodollars: BigInt(cause.baselinePicodollars),
      currentPicodollars: BigInt(cause.currentPicodollars),
      contributions: cause.contributions.map((part) => ({ ...part, deltaPicodollars: BigInt(part.deltaPicodollars) })),
    };
  }
  return alert;
}

/*
 * The rows of alert_incidents, alert_mutes and alert_outbox back as objects, on every backend: only how an
 * instant is read differs (a DuckDB TIMESTAMP, ClickHouse's milliseconds), so each backend passes its reader.
 */

/** Reads a stored instant as ISO text; null for a missing one. */
export type InstantReader = (value: unknown) => string | null;

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function incidentFromRow(row: Record<string, unknown>, instant: InstantReader): Incident {
  return {
    id: String(row.incident_id),
    key: String(row.alert_key),
    status: String(row.status) as Incident['status'],
    alert: alertFromStoredText(String(row.alert_json)),
    openedAt: instant(row.opened_at)!,
    lastSeenAt: instant(row.last_seen_at)!,
    resolvedAt: instant(row.resolved_at),
    evaluations: Number(row.evaluations),
    missedEvaluations: Number(row.missed_evaluations),
    acknowledgedAt: instant(row.acknowledged_at),
    acknowledgedBy: text(row.acknowledged_by),
    // A BOOLEAN in DuckDB, a UInt8 in ClickHouse.
    muted: row.muted === true || Number(row.muted) === 1,
  };
}

export function muteFromRow(row: Record<string, unknown>, instant: InstantReader): AlertMute {
  return {
    id: String(row.mute_id),
    rule: text(row.rule),
    scope: row.scope_json === null || row.scope_json === undefined ? null : (JSON.parse(String(row.scope_json)) as Record<string, string>),
    until: instant(row.until)!,
    reason: text(row.reason),
    createdAt: instant(row.created_at)!,
    createdBy: text(row.created_by),
  };
}

export function outboxEntryFromRow(row: Record<string, unknown>, instant: InstantReader): OutboxEntry {
  return {
    webhook: String(row.webhook),
    incidentId: String(row.incident_id),
    event: String(row.event) as IncidentEvent,
    body: String(row.body),
    createdAt: instant(row.created_at)!,
    attempts: Number(row.attempts),
    nextAttemptAt: instant(row.next_attempt_at),
    deliveredAt: instant(row.delivered_at),
    lastError: text(row.last_error),
  };
}
