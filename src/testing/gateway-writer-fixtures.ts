import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app/create-app.js';
import type { GatewayUsageEvent } from '../core/gateway/gateway-event.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';

/*
 * What the tests of the gateway's store writer share: a store file of their own, an event, the catalog the writer
 * prices with, a fixed clock, and the rows the writer left. Temp directories go with the test run (temp-directory-setup.ts).
 */

/** A store file in a directory of its own. */
export function tempGatewayDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'unitcost-store-writer-')), 'gateway.duckdb');
}

/** A gateway event of one OpenAI call, with `extra` fields over it. */
export const gatewayEvent = (id: string, extra: Partial<GatewayUsageEvent> = {}): GatewayUsageEvent => ({
  id,
  timestamp: '2026-03-02T14:05:11Z',
  model: 'gpt-4.1',
  provider: 'openai',
  input_tokens: 1_000,
  output_tokens: 200,
  feature: 'support',
  ...extra,
});

const app = createApp({ directory: tmpdir(), environment: {} });
/** The bundled catalog with the default config's overrides, as the gateway hands it to its writer. */
export const writerCatalog = { providers: app.priceData.providers, overrides: { models: app.config.models, discounts: app.config.discounts, prices: app.config.prices } };
export const writerApp = app;
export const writerNow = (): number => Date.parse('2026-03-02T15:00:00Z');

export interface StoredGatewayRow {
  id: string;
  cost_total: unknown;
  feature: unknown;
  source: unknown;
}

/** The usage rows a writer left in `db`, by id. */
export async function storedGatewayRows(db: string): Promise<StoredGatewayRow[]> {
  const store = await DuckdbStore.open(db, { threads: 1 });
  try {
    const reader = await store.database.connection.runAndReadAll('SELECT id, cost_total, feature, source FROM usage_events ORDER BY id');
    return reader.getRowObjectsJS() as unknown as StoredGatewayRow[];
  } finally {
    await store.close();
  }
}
