import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app/create-app.js';
import { fillStoreWithDemo } from '../../app/demo-service.js';
import { buildSimulationRates } from '../../app/simulation-rates.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { compileReplayPlan } from '../../core/simulate/compile-replay-plan.js';
import { simulationScenarioSchema } from '../../core/simulate/scenario-schema.js';
import type { SimulationGroupRow } from '../simulation-replayer.js';
import { DuckdbStore } from './duckdb-store.js';
import { replayAggregates } from './simulate-replay.js';

/*
 * With 'grouped' staging DuckDB reads the per-user sums (50,001 rows at 10M calls) as columns of wide integers,
 * not as row objects of decimal text: every user row must carry the same sums as the replay that reads them as
 * text (one replay per pass), and the read must be the columnar one.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-user-columns-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
let store: DuckdbStore;

beforeAll(async () => {
  store = await DuckdbStore.open(join(directory, 'demo.duckdb'));
  await fillStoreWithDemo(app, store, { events: 3_000, days: 10, endMs, seed: 23 });
  // Unpriced calls, so that a user's priced and unpriced calls differ.
  await store.database.connection.run(`UPDATE usage_events SET model = 'in-house-model', provider = NULL, cost_total = NULL WHERE feature = 'support-faq' AND hash(id) % 9 = 0`);
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

const levers = [
  { route: { feature: 'coding-agent', share: 0.6, to: 'anthropic/claude-sonnet-4-5', misroute_rate: 0.2 } },
  { response_cache: { feature: 'support-faq', hit_rate: 0.5, ttl_minutes: 30 } },
  { session_limit: { feature: 'coding-agent', max_steps: 4 } },
];

// How the connection's results were read: the statement of each getColumnsObjectJS call.
function recorded(connection: DuckDBConnection): { connection: DuckDBConnection; readAsColumns: string[] } {
  const readAsColumns: string[] = [];
  const runAndReadAll = async (sql: string) => {
    const reader = await connection.runAndReadAll(sql);
    return new Proxy(reader, {
      get: (target, name) => (name === 'getColumnsObjectJS' ? () => (readAsColumns.push(sql), target.getColumnsObjectJS()) : Reflect.get(target, name)),
    });
  };
  return { connection: new Proxy(connection, { get: (target, name) => (name === 'runAndReadAll' ? runAndReadAll : Reflect.get(target, name)) }), readAsColumns };
}

const userRows = (rows: SimulationGroupRow[]) =>
  rows.filter((row) => row.grouping === 'user').sort((a, b) => `${a.userTier}/${a.userId}`.localeCompare(`${b.userTier}/${b.userId}`));

describe('the per-user sums of the grouped replay', () => {
  it('are read as columns of wide integers and equal the sums read as text', async () => {
    const groups = await store.pricingGroups({});
    const range = { fromMs: Math.min(...groups.map((group) => group.firstMs)), toMs: Math.max(...groups.map((group) => group.lastMs)) + 1 };
    const rates = buildSimulationRates(groups, [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }], app.catalog, range, { tiers: defaultModelTierSettings });
    const plan = compileReplayPlan(simulationScenarioSchema.parse({ levers }), { targetKey: () => rates.keyOf('anthropic', 'claude-sonnet-4-5')!, overriddenKeys: [] });
    const query = { range, plan, keys: rates.keys, rates: rates.rates, byUser: true };
    const connection = await store.database.instance.connect();
    try {
      const asText = userRows(await replayAggregates(connection, query, null));
      const run = recorded(connection);
      const asColumns = userRows(await replayAggregates(run.connection, query, 'grouped'));
      expect(run.readAsColumns).toHaveLength(1);
      expect(run.readAsColumns[0]).toMatch(/GROUP BY user_tier, user_id/);
      expect(run.readAsColumns[0]).not.toMatch(/AS VARCHAR\) AS user_/);
      expect(asColumns.length).toBeGreaterThan(10);
      expect(asColumns).toEqual(asText);
      expect(asColumns.some((row) => row.sums.unpriced_calls > 0n && row.sums.priced_calls > 0n)).toBe(true);
      expect(asColumns.every((row) => typeof row.sums.cost === 'bigint')).toBe(true);
    } finally {
      connection.closeSync();
    }
  }, 60_000);
});
