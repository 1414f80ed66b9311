import type { AlertMute } from '../../core/governance/alerts/alert-mute.js';
import type { Incident } from '../../core/governance/alerts/incident.js';
import type { IncidentEvent } from '../../core/governance/alerts/webhook-config.js';
import type { AlertStateStore, DeliveryAttempt, OutboxCounts, OutboxEntry } from '../alert-state-store.js';
import { incidentFromRow, muteFromRow, outboxEntryFromRow, storedAlertText } from '../stored-alert.js';
import { sqlString, type ClickhouseConnection } from './clickhouse-connection.js';

const incidentColumns = [
  'incident_id',
  'alert_key',
  'status',
  'rule',
  'severity',
  'alert_json',
  'opened_at',
  'last_seen_at',
  'resolved_at',
  'evaluations',
  'missed_evaluations',
  'acknowledged_at',
  'acknowledged_by',
  'muted',
  'version',
];
const muteColumns = ['mute_id', 'rule', 'scope_json', 'until', 'reason', 'created_at', 'created_by', 'deleted', 'version'];
const outboxColumns = ['webhook', 'incident_id', 'event', 'body', 'created_at', 'attempts', 'next_attempt_at', 'delivered_at', 'last_error', 'version'];

/**
 * Alert state in a ClickHouse store (tables of migration 2). ClickHouse has no UPDATE and no transactions:
 * a change is a newer version of the row under its key, read back with FINAL, and a deleted mute a version
 * marked deleted. Versions come from the clock in microseconds, kept strictly increasing in this process, so
 * that a later write of this process always wins; like DuckDB's, the state expects one evaluator at a time
 * (the server's queue, or one `alerts check --notify`), since two would each merge their own view of it.
 */
export class ClickhouseAlertState implements AlertStateStore {
  private lastVersion = 0;

  constructor(private readonly connection: ClickhouseConnection) {}

  /** Nothing to release: the state runs on the store's connection, which the store closes. */
  close(): void {}

  async openIncidents(): Promise<Incident[]> {
    return this.readIncidents("WHERE status = 'open' ORDER BY opened_at, incident_id");
  }

  async incidents(query: { status?: Incident['status']; limit: number }): Promise<Incident[]> {
    const where = query.status === undefined ? '' : `WHERE status = ${sqlString(query.status)}`;
    return this.readIncidents(`${where} ORDER BY opened_at DESC, incident_id LIMIT ${Math.max(1, Math.floor(query.limit))}`);
  }

  async incident(id: string): Promise<Incident | null> {
    return (await this.readIncidents(`WHERE incident_id = ${sqlString(id)}`))[0] ?? null;
  }

  /**
   * The notifications are written before the incidents: a crash between the two leaves a notification that is
   * sent (at least once, as an outbox promises) rather than an incident whose notification is lost. An entry
   * already queued is kept as it is (DuckDB's INSERT OR IGNORE): the keys are looked up first.
   */
  async saveMerge(changed: Incident[], queued: OutboxEntry[]): Promise<void> {
    if (queued.length > 0) {
      const keys = queued.map((entry) => `(${sqlString(entry.webhook)}, ${sqlString(entry.incidentId)}, ${sqlString(entry.event)})`);
      const existing = new Set(
        (await this.connection.rows(`SELECT webhook, incident_id, event FROM alert_outbox FINAL WHERE (webhook, incident_id, event) IN (${keys.join(', ')})`)).map((row) =>
          outboxKey({ webhook: String(row.webhook), incidentId: String(row.incident_id), event: String(row.event) as IncidentEvent }),
        ),
      );
      const fresh = new Map(queued.filter((entry) => !existing.has(outboxKey(entry))).map((entry) => [outboxKey(entry), entry]));
      if (fresh.size > 0) await this.writeOutbox([...fresh.values()]);
    }
    if (changed.length > 0) await this.writeIncidents(changed);
  }

  async acknowledge(id: string, by: string, at: string): Promise<Incident | null> {
    const incident = await this.incident(id);
    if (incident === null || incident.acknowledgedAt !== null) return incident;
    const acknowledged = { ...incident, acknowledgedAt: new Date(at).toISOString(), acknowledgedBy: by };
    await this.writeIncidents([acknowledged]);
    return acknowledged;
  }

  async mutes(): Promise<AlertMute[]> {
    return (await this.readMutes('WHERE deleted = 0')).map(({ mute }) => mute);
  }

  async addMute(mute: AlertMute): Promise<void> {
    await this.writeMute(mute, false);
  }

  async deleteMute(id: string): Promise<boolean> {
    const [found] = await this.readMutes(`WHERE mute_id = ${sqlString(id)} AND deleted = 0`);
    if (found === undefined) return false;
    await this.writeMute(found.mute, true);
    return true;
  }

  async dueDeliveries(at: string, limit: number): Promise<OutboxEntry[]> {
    return this.readOutbox(
      `WHERE delivered_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ${Date.parse(at)} ORDER BY next_attempt_at, created_at LIMIT ${Math.max(1, Math.floor(limit))}`,
    );
  }

  async nextDeliveryAt(): Promise<string | null> {
    const [row] = await this.connection.rows('SELECT min(next_attempt_at) AS next FROM alert_outbox FINAL WHERE delivered_at IS NULL AND next_attempt_at IS NOT NULL');
    return instant(row?.next ?? null);
  }

  async recordAttempt(entry: Pick<OutboxEntry, 'webhook' | 'incidentId' | 'event'>, attempt: DeliveryAttempt): Promise<void> {
    const [stored] = await this.readOutbox(`WHERE webhook = ${sqlString(entry.webhook)} AND incident_id = ${sqlString(entry.incidentId)} AND event = ${sqlString(entry.event)}`);
    if (stored === undefined) return;
    const attempts = stored.attempts + 1;
    await this.writeOutbox([
      attempt.delivered
        ? { ...stored, attempts, deliveredAt: attempt.at, nextAttemptAt: null, lastError: null }
        : { ...stored, attempts, nextAttemptAt: attempt.nextAttemptAt, lastError: attempt.error },
    ]);
  }

  async deliveries(incidentId: string): Promise<OutboxEntry[]> {
    return this.readOutbox(`WHERE incident_id = ${sqlString(incidentId)} ORDER BY created_at, webhook, event`);
  }

  async outboxCounts(): Promise<OutboxCounts> {
    const [row] = await this.connection.rows(
      `SELECT countIf(delivered_at IS NULL AND next_attempt_at IS NOT NULL) AS pending,
              countIf(delivered_at IS NOT NULL) AS delivered,
              countIf(delivered_at IS NULL AND next_attempt_at IS NULL) AS abandoned
       FROM alert_outbox FINAL`,
    );
    return { pending: Number(row?.pending ?? 0), delivered: Number(row?.delivered ?? 0), abandoned: Number(row?.abandoned ?? 0) };
  }

  // Strictly increasing within this process, even when the clock repeats a microsecond or steps back.
  private nextVersion(): number {
    this.lastVersion = Math.max(this.lastVersion + 1, Date.now() * 1000);
    return this.lastVersion;
  }

  private writeIncidents(incidents: Incident[]): Promise<void> {
    const version = this.nextVersion();
    return this.connection.insert(
      'alert_incidents',
      incidentColumns,
      incidents.map((incident) => [
        incident.id,
        incident.key,
        incident.status,
        incident.alert.rule,
        incident.alert.severity,
        storedAlertText(incident.alert),
        ms(incident.openedAt),
        ms(incident.lastSeenAt),
        ms(incident.resolvedAt),
        incident.evaluations,
        incident.missedEvaluations,
        ms(incident.acknowledgedAt),
        incident.acknowledgedBy,
        incident.muted ? 1 : 0,
        version,
      ]),
    );
  }

  private writeMute(mute: AlertMute, deleted: boolean): Promise<void> {
    return this.connection.insert('alert_mutes', muteColumns, [
      [mute.id, mute.rule, mute.scope === null ? null : JSON.stringify(mute.scope), ms(mute.until), mute.reason, ms(mute.createdAt), mute.createdBy, deleted ? 1 : 0, this.nextVersion()],
    ]);
  }

  private writeOutbox(entries: OutboxEntry[]): Promise<void> {
    const version = this.nextVersion();
    return this.connection.insert(
      'alert_outbox',
      outboxColumns,
      entries.map((entry) => [entry.webhook, entry.incidentId, entry.event, entry.body, ms(entry.createdAt), entry.attempts, ms(entry.nextAttemptAt), ms(entry.deliveredAt), entry.lastError, version]),
    );
  }

  private async readIncidents(clauses: string): Promise<Incident[]> {
    const rows = await this.connection.rows(`SELECT ${incidentColumns.slice(0, -1).join(', ')} FROM alert_incidents FINAL ${clauses}`);
    return rows.map((row) => incidentFromRow(row, instant));
  }

  private async readMutes(where: string): Promise<Array<{ mute: AlertMute }>> {
    const rows = await this.connection.rows(`SELECT mute_id, rule, scope_json, until, reason, created_at, created_by FROM alert_mutes FINAL ${where} ORDER BY created_at, mute_id`);
    return rows.map((row) => ({ mute: muteFromRow(row, instant) }));
  }

  private async readOutbox(clauses: string): Promise<OutboxEntry[]> {
    const rows = await this.connection.rows(`SELECT ${outboxColumns.slice(0, -1).join(', ')} FROM alert_outbox FINAL ${clauses}`);
    return rows.map((row) => outboxEntryFromRow(row, instant));
  }
}

function outboxKey(entry: Pick<OutboxEntry, 'webhook' | 'incidentId' | 'event'>): string {
  return JSON.stringify([entry.webhook, entry.incidentId, entry.event]);
}

// Instants are stored as milliseconds since the epoch (Int64, read back as text).
function ms(value: string | null): number | null {
  return value === null ? null : Date.parse(value);
}

function instant(value: unknown): string | null {
  return value === null || value === undefined ? null : new Date(Number(value)).toISOString();
}
