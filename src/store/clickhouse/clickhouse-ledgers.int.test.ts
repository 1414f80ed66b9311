import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickhouseServer, type ClickhouseTestServer } from '../../testing/clickhouse-server.js';
import { describeAlertStateContract } from '../alert-state-contract.js';
import { DuckdbStore } from '../duckdb/duckdb-store.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import { describeStatementLedgerContract } from '../statement-ledger-contract.js';
import type { StoredStatement, StoredStatementLine } from '../statement-ledger.js';
import { usageRow } from '../store-contract.js';
import type { ClickhouseSettings } from './clickhouse-connection.js';
import { createClickhouseStatementLedger } from './clickhouse-statement-ledger.js';
import { ClickhouseStore } from './clickhouse-store.js';

let server: ClickhouseTestServer;
let opened = 0;
const directory = mkdtempSync(join(tmpdir(), 'unitcost-clickhouse-ledgers-'));

beforeAll(async () => {
  server = await startClickhouseServer();
}, 90_000);

afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const settings = (database = `ledgers_${(opened += 1)}`): ClickhouseSettings => ({
  ...server.settings(database),
});

// The contracts DuckDB passes, on a database of their own per test.
describeStatementLedgerContract('ClickHouse', () => ClickhouseStore.open(settings()));

describeAlertStateContract('ClickHouse', async () => {
  const store = await ClickhouseStore.open(settings());
  const state = await store.openAlertState();
  return {
    state,
    close: async () => {
      state.close();
      await store.close();
    },
  };
});

const statement = (overrides: Partial<StoredStatement> = {}): StoredStatement => ({
  statementId: 'team-2026-11',
  period: '2026-11',
  from: '2026-11-01',
  to: '2026-12-01',
  groupBy: 'team',
  allocation: '{"shared":[],"rule":"proportional"}',
  fingerprint: 'sha256:0',
  calls: 1,
  unpricedCalls: 0,
  revenueTracked: false,
  totalPicodollars: 9n,
  closedAt: '2026-12-02T09:30:00.000Z',
  ...overrides,
});

const adjustment = (overrides: Partial<StoredStatementLine> = {}): StoredStatementLine => ({
  kind: 'adjustment',
  group: 'a',
  adjustsStatementId: 'team-2026-10',
  adjustsPeriod: '2026-10',
  calls: 0,
  directPicodollars: 4n,
  sharedPicodollars: 0n,
  totalPicodollars: 4n,
  revenuePicodollars: null,
  ...overrides,
});

describe('ClickHouse ledgers without transactions', () => {
  it('hides the lines of a close that stopped before its header, and shows only the lines of the close that then succeeded', async () => {
    const store = await ClickhouseStore.open(settings());
    try {
      // What a close that crashed after writing its lines leaves: three lines of team-2026-11, one adjusting October.
      const crashedAt = Date.parse('2026-12-02T09:00:00Z');
      const line = (number: number, kind: string) => ['team-2026-11', crashedAt, number, kind, 'a', kind === 'adjustment' ? 'team-2026-10' : null, kind === 'adjustment' ? '2026-10' : null, 0, '1', '0', '1', null];
      const columns = ['statement_id', 'closed_at', 'line', 'kind', 'group_value', 'adjusts_statement_id', 'adjusts_period', 'calls', 'direct_picodollars', 'shared_picodollars', 'total_picodollars', 'revenue_picodollars'];
      await store.connection.insert('statement_lines', columns, [line(1, 'group'), line(2, 'group'), line(3, 'adjustment')]);
      expect(await store.statementLines('team-2026-11')).toEqual([]);
      expect(await store.carriedAdjustments('team-2026-10')).toEqual([]);
      expect(await store.closedStatements('team')).toEqual([]);

      // The close run again writes fewer lines: none of the crashed close's lines join them.
      expect(await store.closeStatement(statement(), [adjustment()])).toEqual({ closed: true });
      expect(await store.statementLines('team-2026-11')).toEqual([adjustment()]);
      expect(await store.carriedAdjustments('team-2026-10')).toEqual([adjustment()]);
    } finally {
      await store.close();
    }
  });

  it('withdraws a close that another process overtook with an overlapping period between its check and its write', async () => {
    const database = `ledgers_race_${(opened += 1)}`;
    const [store, other] = await Promise.all([ClickhouseStore.open(settings(database)), ClickhouseStore.open(settings(database))]);
    try {
      const week = statement({ statementId: 'team-2026-W48', period: '2026-W48', from: '2026-11-23', to: '2026-11-30', closedAt: '2026-12-02T09:30:00.001Z' });
      let overtaken: Promise<unknown> | null = null;
      // The other process closes the week after this one checked for overlaps and wrote its lines, just before its header.
      const racing = new Proxy(store.connection, {
        get(target, property) {
          const value = Reflect.get(target, property) as unknown;
          if (property !== 'insert') return typeof value === 'function' ? value.bind(target) : value;
          return async (table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>) => {
            if (table === 'statements' && overtaken === null) await (overtaken = other.closeStatement(week, [adjustment({ group: 'b' })]));
            return target.insert(table, columns, rows);
          };
        },
      });
      expect(await createClickhouseStatementLedger(racing).closeStatement(statement(), [adjustment()])).toEqual({ closed: false, overlapping: week });
      expect(await overtaken).toEqual({ closed: true });
      // The month is withdrawn, its lines with it; the week stays closed.
      expect(await store.closedStatements('team')).toEqual([week]);
      expect(await store.statementLines('team-2026-11')).toEqual([]);
      expect(await store.carriedAdjustments('team-2026-10')).toEqual([adjustment({ group: 'b' })]);
    } finally {
      await store.close();
      await other.close();
    }
  });

  it('describes a period with the same counts, cost and digests as DuckDB does, so a fingerprint means the same on both', async () => {
    const clickhouse = await ClickhouseStore.open(settings());
    const duckdb = await DuckdbStore.open(join(directory, 'digests.duckdb'), { threads: 1 });
    try {
      const at = (day: string) => Date.parse(`${day}T12:00:00Z`);
      const rows = [
        usageRow({ id: 'n-1', contentHash: 'h-1', timestampMs: at('2026-11-03') }),
        usageRow({ id: 'n-2', contentHash: 'h-2', timestampMs: at('2026-11-30'), costTotal: null, pricedModel: null, priceId: null }),
        usageRow({ id: 'n-3', contentHash: 'h-3', timestampMs: at('2026-11-15') }),
        usageRow({ id: 'd-1', contentHash: 'h-4', timestampMs: at('2026-12-01') }),
      ];
      const revenue = [{ id: 'r-1', userId: 'u-1', amountPicodollars: 5n, timestampMs: at('2026-11-04'), feature: null, userTier: 'pro', contentHash: 'rh-1', source: null }];
      for (const store of [clickhouse, duckdb]) {
        await store.appendUsage(rows);
        await store.appendRevenue(revenue);
      }
      const november = { from: '2026-11-01', to: '2026-12-01' };
      const contents = await clickhouse.periodContents(november);
      expect(contents).toEqual(await duckdb.periodContents(november));
      expect(contents).toMatchObject({ usageEvents: 3, pricedEvents: 2, revenueRecords: 1 });
      expect(contents.usageDigest).not.toBe(0n);
    } finally {
      await clickhouse.close();
      await duckdb.close();
    }
  });

  it('reads sums and amounts past 10^21 picodollars exactly, which 18.16 garbles as text and JSON rounds', async () => {
    const store = await ClickhouseStore.open(settings());
    try {
      // 3,000 calls of $9.0M each: $27 billion, 2.7·10^22 picodollars.
      const rows = `(SELECT toInt64(9000000000000000000) AS cost, toDecimal128('-12345678901234567890123', 0) AS amount FROM system.numbers LIMIT 3000)`;
      const [row] = await store.connection.rows(`SELECT ${clickhouseDialect.exactSumText('cost')} AS total, ${clickhouseDialect.exactText('any(amount)')} AS amount FROM ${rows}`);
      expect(row).toEqual({ total: (9_000_000_000_000_000_000n * 3000n).toString(), amount: '-12345678901234567890123' });
    } finally {
      await store.close();
    }
  });
});
