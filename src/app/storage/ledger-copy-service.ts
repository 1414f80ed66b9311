import type { Incident } from '../../core/governance/alerts/incident.js';
import type { AlertStateStore, OutboxEntry } from '../../store/alert-state-store.js';
import type { StoredStatement } from '../../store/statement-ledger.js';
import type { Store } from '../../store/store.js';

/*
 * The part of `unitcost store copy` that is not events: what finance and operations rely on, read through the
 * store interfaces and written the same way, so that the copy works in either direction. Every step is keyed by
 * an id the destination may already hold, which keeps the copy resumable:
 *  - closed statements with their frozen lines, by statement id: one already closed with the same fingerprint is
 *    there; one with another fingerprint, or another statement of the same tag sharing its days, is a conflict
 *    (the destination's stays closed, as a closed period must);
 *  - API keys (their SHA-256, never the key), by key id: a key revoked in the source is revoked in the destination
 *    too, and a key revoked in the destination stays revoked; a key of the same id with another hash is a conflict;
 *  - alert state by id: incidents with their webhook notifications (delivered ones stay delivered, so nothing is
 *    sent twice), and mutes. An incident or mute the destination holds is kept as it is: a server on the
 *    destination may have acknowledged or resolved it since, and that is the newer state.
 */

/** What the ledger part of a copy names in a conflict. */
export type LedgerKind = 'statement' | 'api_key';

/** Counts of one kind: written now, and already in the destination (left as they are). */
export interface LedgerCounts {
  copied: number;
  present: number;
}

export interface LedgerCopyResult {
  statements: LedgerCounts;
  /** revoked: keys the destination held live that the source has revoked since, revoked there now. */
  apiKeys: LedgerCounts & { revoked: number };
  incidents: LedgerCounts;
  /** Webhook notifications (outbox entries) copied with their incidents. */
  notifications: number;
  mutes: LedgerCounts;
  conflicts: Array<{ kind: LedgerKind; id: string; reason: string }>;
}

// The alert state is small (an incident per alert episode); written in chunks so that one statement stays modest.
const incidentChunk = 500;

/** Copies closed statements, API keys and alert state from one store into another (after the events). */
export async function copyLedgers(source: Store, destination: Store): Promise<LedgerCopyResult> {
  const conflicts: LedgerCopyResult['conflicts'] = [];
  const statements = await copyStatements(source, destination, conflicts);
  const apiKeys = await copyApiKeys(source, destination, conflicts);
  const sourceState = await source.openAlertState();
  try {
    const destinationState = await destination.openAlertState();
    try {
      const { incidents, notifications } = await copyIncidents(sourceState, destinationState);
      const mutes = await copyMutes(sourceState, destinationState);
      return { statements, apiKeys, incidents, notifications, mutes, conflicts };
    } finally {
      destinationState.close();
    }
  } finally {
    sourceState.close();
  }
}

async function copyStatements(source: Store, destination: Store, conflicts: LedgerCopyResult['conflicts']): Promise<LedgerCounts> {
  const counts: LedgerCounts = { copied: 0, present: 0 };
  const held: StoredStatement[] = await destination.allClosedStatements();
  for (const statement of await source.allClosedStatements()) {
    const same = held.find((closed) => closed.statementId === statement.statementId);
    if (same !== undefined) {
      if (same.fingerprint === statement.fingerprint) counts.present += 1;
      else conflicts.push({ kind: 'statement', id: statement.statementId, reason: `closed in the destination on ${same.closedAt} with fingerprint ${same.fingerprint}; the source's has ${statement.fingerprint}` });
      continue;
    }
    // Periods of one tag are [from, to) in whole days: they overlap when they share a day.
    const overlapping = held.find((closed) => closed.groupBy === statement.groupBy && closed.from < statement.to && statement.from < closed.to);
    if (overlapping !== undefined) {
      conflicts.push({ kind: 'statement', id: statement.statementId, reason: overlapReason(overlapping) });
      continue;
    }
    const outcome = await destination.closeStatement(statement, await source.statementLines(statement.statementId));
    if (!outcome.closed) {
      // Another process closed an overlapping period in the destination meanwhile.
      conflicts.push({ kind: 'statement', id: statement.statementId, reason: overlapReason(outcome.overlapping) });
      continue;
    }
    held.push(statement);
    counts.copied += 1;
  }
  return counts;
}

function overlapReason(closed: StoredStatement): string {
  return `the destination closed ${closed.statementId} (${closed.from} to ${closed.to}) by ${closed.groupBy}, sharing days with it`;
}

async function copyApiKeys(source: Store, destination: Store, conflicts: LedgerCopyResult['conflicts']): Promise<LedgerCopyResult['apiKeys']> {
  const counts = { copied: 0, present: 0, revoked: 0 };
  const table = destination.apiKeyTable();
  const held = new Map((await table.keys()).map((key) => [key.id, key]));
  for (const key of await source.apiKeyTable().keys()) {
    const there = held.get(key.id);
    if (there === undefined) {
      // Written revoked when it is: a revoked key is never usable in the destination, even for a moment.
      await table.insertKey(key);
      counts.copied += 1;
    } else if (there.hashHex !== key.hashHex || there.scope !== key.scope) {
      conflicts.push({ kind: 'api_key', id: key.id, reason: `the destination holds another key with this id ("${there.name}", scope ${there.scope})` });
    } else if (key.revokedAt !== null && there.revokedAt === null) {
      await table.revokeKey(key.id, key.revokedAt);
      counts.revoked += 1;
    } else {
      counts.present += 1;
    }
  }
  return counts;
}

async function copyIncidents(source: AlertStateStore, destination: AlertStateStore): Promise<{ incidents: LedgerCounts; notifications: number }> {
  const every = { limit: Number.MAX_SAFE_INTEGER };
  const held = new Set((await destination.incidents(every)).map((incident) => incident.id));
  const fresh: Incident[] = [];
  let present = 0;
  for (const incident of await source.incidents(every)) {
    if (held.has(incident.id)) present += 1;
    else fresh.push(incident);
  }
  let notifications = 0;
  for (let start = 0; start < fresh.length; start += incidentChunk) {
    const chunk = fresh.slice(start, start + incidentChunk);
    const entries: OutboxEntry[] = [];
    for (const incident of chunk) entries.push(...(await source.deliveries(incident.id)));
    // One merge per chunk, the incidents with their notifications, as an evaluation writes them.
    await destination.saveMerge(chunk, entries);
    notifications += entries.length;
  }
  return { incidents: { copied: fresh.length, present }, notifications };
}

async function copyMutes(source: AlertStateStore, destination: AlertStateStore): Promise<LedgerCounts> {
  const held = new Set((await destination.mutes()).map((mute) => mute.id));
  const counts: LedgerCounts = { copied: 0, present: 0 };
  for (const mute of await source.mutes()) {
    if (held.has(mute.id)) {
      counts.present += 1;
      continue;
    }
    await destination.addMute(mute);
    counts.copied += 1;
  }
  return counts;
}
