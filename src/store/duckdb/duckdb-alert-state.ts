import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { AlertMute } from '../../core/governance/alerts/alert-mute.js';
import type { Incident } from '../../core/governance/alerts/incident.js';
import type { AlertStateStore, DeliveryAttempt, OutboxCounts, OutboxEntry } from '../alert-state-store.js';
import { inTransaction, type DuckdbDatabase } from './duckdb-database.js';
import { incidentFromRow, muteFromRow, outboxEntryFromRow, storedAlertText } from '../stored-alert.js';

const incidentColumns =
  'incident_id, alert_key, status, alert_json, opened_at, last_seen_at, resolved_at, evaluations, missed_evaluations, acknowledged_at, acknowledged_by, muted';
const outboxColumns = 'webhook, incident_id, event, body, created_at, attempts, next_attempt_at, delivered_at, last_error';

/**
 * Alert state in the store's DuckDB file (tables of migration 5), on a connection of its own: incident and
 * outbox writes are a few rows each and touch no table ingest writes, so they run beside ingest, never
 * queued behind a large batch, and a webhook's bookkeeping never holds ingest up. Calls must not overlap
 * (one connection runs one transaction at a time): the caller runs them in turn.
 */
export class DuckdbAlertState implements AlertStateStore {
  private constructor(private readonly connection: DuckDBConnection) {}

  /** Opens a connection to the store's file for alert state. */
  static async open(database: DuckdbDatabase): Promise<DuckdbAlertState> {
    return new DuckdbAlertState(await database.instance.connect());
  }

  /** Closes the connection (before the store itself closes). */
  close(): void {
    this.connection.closeSync();
  }

  async openIncidents(): Promise<Incident[]> {
    return this.readIncidents(`SELECT ${incidentColumns} FROM alert_incidents WHERE status = 'open' ORDER BY opened_at, incident_id`);
  }

  async incidents(query: { status?: Incident['status']; limit: number }): Promise<Incident[]> {
    const where = query.status === undefined ? '' : 'WHERE status = $1';
    const parameters: DuckDBValue[] = query.status === undefined ? [] : [query.status];
    return this.readIncidents(`SELECT ${incidentColumns} FROM alert_incidents ${where} ORDER BY opened_at DESC, incident_id LIMIT ${Math.max(1, Math.floor(query.limit))}`, parameters);
  }

  async incident(id: string): Promise<Incident | null> {
    return (await this.readIncidents(`SELECT ${incidentColumns} FROM alert_incidents WHERE incident_id = $1`, [id]))[0] ?? null;
  }

  async saveMerge(changed: Incident[], queued: OutboxEntry[]): Promise<void> {
    if (changed.length === 0 && queued.length === 0) return;
    // One statement per table, many rows each: a row per statement costs DuckDB milliseconds, and an
    // evaluation over ~200 series can open or resolve as many incidents at once.
    const incidentRows = changed.map((incident): DuckDBValue[] => [
      incident.id,
      incident.key,
      incident.status,
      incident.alert.rule,
      incident.alert.severity,
      storedAlertText(incident.alert),
      timestamp(incident.openedAt),
      timestamp(incident.lastSeenAt),
      timestamp(incident.resolvedAt),
      incident.evaluations,
      incident.missedEvaluations,
      timestamp(incident.acknowledgedAt),
      incident.acknowledgedBy,
      incident.muted,
    ]);
    const outboxRows = queued.map((entry): DuckDBValue[] => [
      entry.webhook,
      entry.incidentId,
      entry.event,
      entry.body,
      timestamp(entry.createdAt),
      entry.attempts,
      timestamp(entry.nextAttemptAt),
      timestamp(entry.deliveredAt),
      entry.lastError,
    ]);
    await inTransaction(this.connection, async () => {
      await this.insertRows('INSERT OR REPLACE INTO alert_incidents', incidentRows, [6, 7, 8, 11]);
      // OR IGNORE: a notification queued once stays the one notification, whatever a later evaluation says.
      await this.insertRows('INSERT OR IGNORE INTO alert_outbox', outboxRows, [4, 6, 7]);
    });
  }

  // Inserts rows with one statement per chunk; timestampColumns (0-based) are cast from their ISO text.
  private async insertRows(insert: string, rows: DuckDBValue[][], timestampColumns: number[]): Promise<void> {
    const chunkSize = 500;
    for (let start = 0; start < rows.length; start += chunkSize) {
      const chunk = rows.slice(start, start + chunkSize);
      const parameters: DuckDBValue[] = [];
      const tuples = chunk.map((row) => {
        const placeholders = row.map((value, column) => {
          parameters.push(value);
          return timestampColumns.includes(column) ? `$${parameters.length}::TIMESTAMP` : `$${parameters.length}`;
        });
        return `(${placeholders.join(', ')})`;
      });
      await this.connection.run(`${insert} VALUES ${tuples.join(', ')}`, parameters);
    }
  }

  async acknowledge(id: string, by: string, at: string): Promise<Incident | null> {
    await this.connection.run('UPDATE alert_incidents SET acknowledged_at = $2::TIMESTAMP, acknowledged_by = $3 WHERE incident_id = $1 AND acknowledged_at IS NULL', [id, timestamp(at), by]);
    return this.incident(id);
  }

  async mutes(): Promise<AlertMute[]> {
    const result = await this.connection.runAndReadAll('SELECT mute_id, rule, scope_json, until, reason, created_at, created_by FROM alert_mutes ORDER BY created_at, mute_id');
    return result.getRowObjectsJS().map((row) => muteFromRow(row, iso));
  }

  async addMute(mute: AlertMute): Promise<void> {
    await this.connection.run('INSERT INTO alert_mutes VALUES ($1, $2, $3, $4::TIMESTAMP, $5, $6::TIMESTAMP, $7)', [
      mute.id,
      mute.rule,
      mute.scope === null ? null : JSON.stringify(mute.scope),
      timestamp(mute.until),
      mute.reason,
      timestamp(mute.createdAt),
      mute.createdBy,
    ]);
  }

  async deleteMute(id: string): Promise<boolean> {
    const result = await this.connection.runAndReadAll('DELETE FROM alert_mutes WHERE mute_id = $1 RETURNING mute_id', [id]);
    return result.getRowObjects().length > 0;
  }

  async dueDeliveries(at: string, limit: number): Promise<OutboxEntry[]> {
    return this.readOutbox(`SELECT ${outboxColumns} FROM alert_outbox WHERE delivered_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= $1::TIMESTAMP ORDER BY next_attempt_at, created_at LIMIT ${Math.max(1, Math.floor(limit))}`, [
      timestamp(at),
    ]);
  }

  async nextDeliveryAt(): Promise<string | null> {
    const result = await this.connection.runAndReadAll('SELECT min(next_attempt_at) AS next FROM alert_outbox WHERE delivered_at IS NULL AND next_attempt_at IS NOT NULL');
    return iso(result.getRowObjectsJS()[0]?.next ?? null);
  }

  async recordAttempt(entry: Pick<OutboxEntry, 'webhook' | 'incidentId' | 'event'>, attempt: DeliveryAttempt): Promise<void> {
    const key = [entry.webhook, entry.incidentId, entry.event];
    if (attempt.delivered) {
      await this.connection.run('UPDATE alert_outbox SET attempts = attempts + 1, delivered_at = $4::TIMESTAMP, next_attempt_at = NULL, last_error = NULL WHERE webhook = $1 AND incident_id = $2 AND event = $3', [
        ...key,
        timestamp(attempt.at),
      ]);
    } else {
      await this.connection.run('UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = $4::TIMESTAMP, last_error = $5 WHERE webhook = $1 AND incident_id = $2 AND event = $3', [
        ...key,
        timestamp(attempt.nextAttemptAt),
        attempt.error,
      ]);
    }
  }

  async deliveries(incidentId: string): Promise<OutboxEntry[]> {
    return this.readOutbox(`SELECT ${outboxColumns} FROM alert_outbox WHERE incident_id = $1 ORDER BY created_at, webhook, event`, [incidentId]);
  }

  async outboxCounts(): Promise<OutboxCounts> {
    const result = await this.connection.runAndReadAll(
      `SELECT count(*) FILTER (WHERE delivered_at IS NULL AND next_attempt_at IS NOT NULL) AS pending,
              count(*) FILTER (WHERE delivered_at IS NOT NULL) AS delivered,
              count(*) FILTER (WHERE delivered_at IS NULL AND next_attempt_at IS NULL) AS abandoned
       FROM alert_outbox`,
    );
    const row = result.getRowObjectsJS()[0]!;
    return { pending: Number(row.pending), delivered: Number(row.delivered), abandoned: Number(row.abandoned) };
  }

  private async readIncidents(sql: string, parameters: DuckDBValue[] = []): Promise<Incident[]> {
    const result = await this.connection.runAndReadAll(sql, parameters);
    return result.getRowObjectsJS().map((row) => incidentFromRow(row, iso));
  }

  private async readOutbox(sql: string, parameters: DuckDBValue[]): Promise<OutboxEntry[]> {
    const result = await this.connection.runAndReadAll(sql, parameters);
    return result.getRowObjectsJS().map((row) => outboxEntryFromRow(row, iso));
  }
}

// TIMESTAMP columns hold UTC without a zone: bind the ISO text without its Z.
function timestamp(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString().replace('Z', '');
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return new Date(`${String(value).replace(' ', 'T')}Z`).toISOString();
}
