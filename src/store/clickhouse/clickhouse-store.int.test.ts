import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickhouseServer, type ClickhouseTestServer } from '../../testing/clickhouse-server.js';
import { describeStoreContract, usageRow } from '../store-contract.js';
import { rowValues, usageColumns } from './clickhouse-columns.js';
import type { ClickhouseSettings } from './clickhouse-connection.js';
import { ClickhouseConnection } from './clickhouse-connection.js';
import { ClickhouseStore } from './clickhouse-store.js';

let server: ClickhouseTestServer;
let opened = 0;

beforeAll(async () => {
  server = await startClickhouseServer();
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const settings = (overrides: Partial<ClickhouseSettings> = {}): ClickhouseSettings => ({
  ...server.settings(`contract_${opened}`),
  ...overrides,
});

// Each test gets a database of its own on the one server.
describeStoreContract('ClickHouse', async () => {
  opened += 1;
  return ClickhouseStore.open(settings());
});

describe('ClickHouse store', () => {
  it('counts a record once when two writers raced to insert it, before any merge', async () => {
    opened += 1;
    const store = await ClickhouseStore.open(settings());
    try {
      await store.appendUsage([usageRow()]);
      // What a second server that checked record_keys before the first one's insert would add: the same row again.
      const columns = usageColumns.map((column) => column.name);
      await store.connection.insert('usage_events', [...columns, 'version'], [[...rowValues(usageColumns, usageRow(), 'raced'), 0]]);
      const [parts] = await store.connection.rows<{ rows: string }>('SELECT count() AS rows FROM usage_events');
      expect(Number(parts!.rows)).toBe(2);
      expect(await store.counts()).toMatchObject({ usageEvents: 1, costTotalPicodollars: 195_000_000n });
    } finally {
      await store.close();
    }
  });

  it('refuses a database written by a newer unitcost, naming the setting', async () => {
    opened += 1;
    const store = await ClickhouseStore.open(settings());
    await store.connection.insert('schema_migrations', ['version', 'description', 'applied_at'], [[999, 'from the future', new Date(0)]]);
    await store.close();
    await expect(ClickhouseStore.open(settings())).rejects.toThrow(/schema version 999, written by a newer unitcost.*store\.clickhouse\.database/);
  });

  it('names the URL setting when the server cannot be reached', async () => {
    await expect(ClickhouseConnection.open(settings({ url: 'http://127.0.0.1:9' }))).rejects.toThrow(/cannot reach ClickHouse at http:\/\/127\.0\.0\.1:9 \(store\.clickhouse\.url\)/);
  });

  it('names the credential settings when the server refuses the user', async () => {
    await expect(ClickhouseConnection.open(settings({ username: 'reader', password: 'wrong' }))).rejects.toThrow(/refused user "reader": check UNITCOST_CLICKHOUSE_USER and UNITCOST_CLICKHOUSE_PASSWORD/);
  });

  it('refuses a row missing a required value before sending anything, naming the record and column', async () => {
    opened += 1;
    const store = await ClickhouseStore.open(settings());
    try {
      await expect(store.appendUsage([usageRow({ model: null as unknown as string, source: 'events.jsonl:4' })])).rejects.toThrow(/id call-1 \(events\.jsonl:4\): model is missing/);
      expect((await store.counts()).usageEvents).toBe(0);
    } finally {
      await store.close();
    }
  });
});
