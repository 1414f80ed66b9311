import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickhouseServer, type ClickhouseTestServer } from '../../testing/clickhouse-server.js';
import { ClickhouseConnection } from './clickhouse-connection.js';
import { refreshLockTable, withRefreshLock, type RefreshLockTiming } from './clickhouse-refresh-lock.js';

/*
 * The refresh lock on a real ClickHouse 18.16: refreshes of one database take turns, across connections (as
 * separate processes would), and a lock whose holder died is taken over once its heartbeat stands still.
 */

let server: ClickhouseTestServer;
let databases = 0;
const quick: RefreshLockTiming = { heartbeatMs: 50, staleAfterMs: 600, pollMs: 20 };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` connections to one fresh database. */
async function connections(count: number): Promise<ClickhouseConnection[]> {
  const settings = server.settings(`refresh_lock_${(databases += 1)}`);
  return Promise.all(Array.from({ length: count }, () => ClickhouseConnection.open(settings)));
}

const closeAll = (all: ClickhouseConnection[]): Promise<void[]> => Promise.all(all.map((connection) => connection.close()));

async function lockExists(connection: ClickhouseConnection): Promise<boolean> {
  const rows = await connection.rows(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name = '${refreshLockTable}'`);
  return rows.length > 0;
}

beforeAll(async () => {
  server = await startClickhouseServer();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('the ClickHouse refresh lock', { timeout: 60_000 }, () => {
  it('lets one holder in at a time among connections that ask at once, and every one gets its turn', async () => {
    const all = await connections(4);
    try {
      let inside = 0;
      let mostInside = 0;
      const turns: number[] = [];
      await Promise.all(
        all.map((connection, index) =>
          withRefreshLock(
            connection,
            async () => {
              inside += 1;
              mostInside = Math.max(mostInside, inside);
              await sleep(100);
              turns.push(index);
              inside -= 1;
            },
            quick,
          ),
        ),
      );
      expect(mostInside).toBe(1);
      expect([...turns].sort()).toEqual([0, 1, 2, 3]);
      expect(await lockExists(all[0]!)).toBe(false);
    } finally {
      await closeAll(all);
    }
  });

  it('keeps a live holder that works longer than the stale time, by its heartbeat', async () => {
    const [holder, waiter] = await connections(2);
    try {
      let holderDone = false;
      const holding = withRefreshLock(
        holder!,
        async () => {
          await sleep(quick.staleAfterMs * 3);
          holderDone = true;
        },
        quick,
      );
      await sleep(50);
      await withRefreshLock(waiter!, async () => expect(holderDone).toBe(true), quick);
      await holding;
    } finally {
      await closeAll([holder!, waiter!]);
    }
  });

  it('takes over the lock of a holder that died, once its heartbeat stood still for the stale time', async () => {
    const [connection] = await connections(1);
    try {
      // What a process killed while refreshing leaves behind: the lock, with its last heartbeat.
      await connection!.run(`CREATE TABLE ${refreshLockTable} (holder String) ENGINE = Log`);
      await connection!.insert(refreshLockTable, ['holder'], [['dead-holder']]);
      const started = performance.now();
      const ran = await withRefreshLock(connection!, async () => 'ran', quick);
      expect(ran).toBe('ran');
      expect(performance.now() - started).toBeGreaterThanOrEqual(quick.staleAfterMs);
      expect(await lockExists(connection!)).toBe(false);
    } finally {
      await connection!.close();
    }
  });

  it('is released when the work fails, and the failure reaches the caller', async () => {
    const [connection] = await connections(1);
    try {
      await expect(withRefreshLock(connection!, async () => Promise.reject(new Error('refresh failed')), quick)).rejects.toThrow('refresh failed');
      expect(await lockExists(connection!)).toBe(false);
    } finally {
      await connection!.close();
    }
  });
});
