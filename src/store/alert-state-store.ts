import type { AlertMute } from '../core/governance/alerts/alert-mute.js';
import type { Incident } from '../core/governance/alerts/incident.js';
import type { IncidentEvent } from '../core/governance/alerts/webhook-config.js';

/** One queued webhook notification. */
export interface OutboxEntry {
  webhook: string;
  incidentId: string;
  event: IncidentEvent;
  /** The JSON body, fixed when queued. */
  body: string;
  createdAt: string;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due; null once delivered or given up. */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  /** Why the last attempt failed (status or network error), never the body. */
  lastError: string | null;
}

/** The result of one delivery attempt. */
export type DeliveryAttempt = { delivered: true; at: string } | { delivered: false; at: string; error: string; nextAttemptAt: string | null };

/** Counts of the outbox, for /metrics and the report. */
export interface OutboxCounts {
  pending: number;
  delivered: number;
  abandoned: number;
}

/**
 * The state of alert delivery: incidents, mutes and the webhook outbox. Evaluation is stateless; this is
 * what remembers that an alert was already notified.
 */
export interface AlertStateStore {
  /** Every open incident. */
  openIncidents(): Promise<Incident[]>;
  /** Incidents by status (all when none is given), most recently opened first. */
  incidents(query: { status?: Incident['status']; limit: number }): Promise<Incident[]>;
  /** One incident, or null. */
  incident(id: string): Promise<Incident | null>;
  /**
   * Writes an evaluation's changed incidents and the notifications it queued (an entry already queued is kept as
   * it is): in one transaction on DuckDB; on ClickHouse, which has none, the notifications first, so that a crash
   * between the two sends a notification twice rather than never.
   */
  saveMerge(changed: Incident[], queued: OutboxEntry[]): Promise<void>;
  /** Marks an incident acknowledged; null when there is no such incident. An acknowledged one keeps its first acknowledgement. */
  acknowledge(id: string, by: string, at: string): Promise<Incident | null>;
  /** Mutes, expired ones included (the caller filters by time). */
  mutes(): Promise<AlertMute[]>;
  addMute(mute: AlertMute): Promise<void>;
  /** Removes a mute; false when there was none of that id. */
  deleteMute(id: string): Promise<boolean>;
  /** Undelivered entries whose next attempt is due at this instant, oldest first. */
  dueDeliveries(at: string, limit: number): Promise<OutboxEntry[]>;
  /** When the earliest pending attempt is due, or null when nothing is pending. */
  nextDeliveryAt(): Promise<string | null>;
  /** Records an attempt's outcome. */
  recordAttempt(entry: Pick<OutboxEntry, 'webhook' | 'incidentId' | 'event'>, attempt: DeliveryAttempt): Promise<void>;
  /** Every outbox entry of an incident, for tests and the API. */
  deliveries(incidentId: string): Promise<OutboxEntry[]>;
  outboxCounts(): Promise<OutboxCounts>;
}
