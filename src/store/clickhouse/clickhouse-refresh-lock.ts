import { randomBytes } from 'node:crypto';
import type { ClickhouseConnection } from './clickhouse-connection.js';

/*
 * One refresh of the report summaries at a time per database, across processes.
 *
 * Why: ClickHouse 18.16's `ALTER TABLE … REPLACE PARTITION … FROM` is not safe against a concurrent one into
 * the same partition. Each picks the range of parts to drop before it attaches its own, so two swaps that
 * overlap both keep their parts and every day of the month is doubled (reproduced: 1 run in 50 of three
 * refreshes at once under load, in clickhouse-report-summaries.int.test.ts).
 *
 * How: 18.16 has no lock, but `CREATE TABLE` without IF NOT EXISTS succeeds for exactly one of several
 * processes. The holder creates the lock table, writes a heartbeat row into it every few seconds while it
 * works, and drops it when done. A waiter polls; if the lock's heartbeat count has not moved for `staleAfterMs`
 * of the waiter's own clock (its holder died), the waiter renames it away (RENAME is atomic, so only one
 * waiter wins) and competes again. No clock is compared between machines.
 */

export const refreshLockTable = 'report_refresh_lock';

export interface RefreshLockTiming {
  /** How often the holder writes a heartbeat. */
  heartbeatMs: number;
  /** How long a lock's heartbeat must stand still, seen by a waiter, before the waiter takes it over. */
  staleAfterMs: number;
  /** How long a waiter sleeps between attempts. */
  pollMs: number;
}

export const defaultRefreshLockTiming: RefreshLockTiming = { heartbeatMs: 2_000, staleAfterMs: 30_000, pollMs: 100 };

/** Runs `work` while holding the database's refresh lock, waiting for it as long as its holder is alive. */
export async function withRefreshLock<T>(connection: ClickhouseConnection, work: () => Promise<T>, timing: RefreshLockTiming = defaultRefreshLockTiming): Promise<T> {
  const holder = `${process.pid}-${randomBytes(6).toString('hex')}`;
  await acquire(connection, holder, timing);
  let heartbeat: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // A failed heartbeat only risks a takeover by a waiter after staleAfterMs; the refresh itself goes on.
    heartbeat = beat(connection, holder).catch(() => undefined);
  }, timing.heartbeatMs);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await heartbeat;
    await connection.run(`DROP TABLE IF EXISTS ${refreshLockTable}`);
  }
}

const beat = (connection: ClickhouseConnection, holder: string): Promise<void> => connection.insert(refreshLockTable, ['holder'], [[holder]]);

async function acquire(connection: ClickhouseConnection, holder: string, timing: RefreshLockTiming): Promise<void> {
  // The heartbeat count last seen, and when (this process's clock) it was first seen at that value.
  let seen: { beats: string; sinceMs: number } | undefined;
  for (;;) {
    try {
      // Log, not TinyLog: a waiter's read and the holder's heartbeat may meet, and Log locks between them.
      await connection.run(`CREATE TABLE ${refreshLockTable} (holder String) ENGINE = Log`);
      await beat(connection, holder);
      return;
    } catch (error) {
      if (!/already exists|creating or attaching/i.test(String((error as Error).message))) throw error;
    }
    const beats = await heartbeats(connection);
    const now = performance.now();
    if (beats === undefined || seen?.beats !== beats) seen = beats === undefined ? undefined : { beats, sinceMs: now };
    else if (now - seen.sinceMs >= timing.staleAfterMs) {
      await takeOver(connection);
      seen = undefined;
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, timing.pollMs * (0.5 + Math.random())));
  }
}

/** The lock's heartbeat count, or undefined when it was dropped since the attempt. */
async function heartbeats(connection: ClickhouseConnection): Promise<string | undefined> {
  try {
    const [row] = await connection.rows<{ beats: string }>(`SELECT toString(count()) AS beats FROM ${refreshLockTable}`);
    return row?.beats;
  } catch (error) {
    if (/doesn't exist|does not exist|UNKNOWN_TABLE|Code: 60\b/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
}

/** Moves a dead holder's lock aside and drops it; another waiter that moved it first wins, and this one competes again. */
async function takeOver(connection: ClickhouseConnection): Promise<void> {
  const aside = `${refreshLockTable}_stale_${randomBytes(6).toString('hex')}`;
  try {
    await connection.run(`RENAME TABLE ${refreshLockTable} TO ${aside}`);
  } catch {
    return;
  }
  await connection.run(`DROP TABLE IF EXISTS ${aside}`);
}
