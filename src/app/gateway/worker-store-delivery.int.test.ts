import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayUsageEvent } from '../../core/gateway/gateway-event.js';
import { DuckdbStore } from '../../store/duckdb/duckdb-store.js';
import { createApp } from '../create-app.js';
import { startWorkerStoreDelivery } from './worker-store-delivery.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function tempDb(): string {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-store-worker-'));
  directories.push(directory);
  return join(directory, 'gateway.duckdb');
}

const event = (id: string, extra: Partial<GatewayUsageEvent> = {}): GatewayUsageEvent => ({
  id,
  timestamp: '2026-03-02T14:05:11Z',
  model: 'gpt-4.1',
  provider: 'openai',
  input_tokens: 1_000,
  output_tokens: 200,
  feature: 'support',
  ...extra,
});

async function storedRows(db: string): Promise<Array<{ id: string; cost_total: unknown; feature: unknown; source: unknown }>> {
  const store = await DuckdbStore.open(db, { threads: 1 });
  try {
    const reader = await store.database.connection.runAndReadAll('SELECT id, cost_total, feature, source FROM usage_events ORDER BY id');
    return reader.getRowObjectsJS() as Array<{ id: string; cost_total: unknown; feature: unknown; source: unknown }>;
  } finally {
    await store.close();
  }
}

const app = createApp({ directory: tmpdir(), environment: {} });
const catalog = { providers: app.priceData.providers, overrides: { models: app.config.models, discounts: app.config.discounts, prices: app.config.prices } };
const now = (): number => Date.parse('2026-03-02T15:00:00Z');

// The nice value of each thread of this process (Linux: field 19 of /proc/self/task/<tid>/stat).
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => threadNiceValue(Number(tid)));
}

function threadNiceValue(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('the gateway store writer on a worker thread', () => {
  it.runIf(existsSync('/proc/self/task'))('runs below normal priority, so its commits yield the cores to the calls being answered', async () => {
    const before = threadNiceValues();
    const writer = await startWorkerStoreDelivery(tempDb(), catalog, { now, onProblem: () => {} });
    try {
      expect(before.filter((nice) => nice > 0)).toEqual([]);
      // The writer's thread (and any thread DuckDB starts from it) at 10; the thread that answers calls stays at 0.
      const lowered = threadNiceValues().filter((nice) => nice > 0);
      expect(lowered.length).toBeGreaterThan(0);
      expect(new Set(lowered)).toEqual(new Set([10]));
      expect(threadNiceValue(process.pid)).toBe(0);
    } finally {
      await writer.close();
    }
  });

  it('stores each delivered event once, priced as the main thread prices it, and answers only after its commit', async () => {
    const db = tempDb();
    const problems: string[] = [];
    const writer = await startWorkerStoreDelivery(db, catalog, { now, onProblem: (message) => problems.push(message) });
    const first = await writer.deliver([event('gw_1'), event('gw_2')]);
    // The same id again is a duplicate of the committed call, not a second one: a retried batch stays one call each.
    const again = await writer.deliver([event('gw_2'), event('gw_3', { feature: 'search' })]);
    await writer.close();
    expect(first).toEqual({ delivered: true });
    expect(again).toEqual({ delivered: true });
    expect(problems).toEqual([]);
    const rows = await storedRows(db);
    expect(rows.map((row) => [row.id, row.feature, row.source])).toEqual([
      ['gw_1', 'support', 'gateway'],
      ['gw_2', 'support', 'gateway'],
      ['gw_3', 'search', 'gateway'],
    ]);
    const parsed = await import('../../core/events/parse-event-record.js').then(({ parseEventRecord }) => parseEventRecord(event('gw_1'), { nowMs: now() }));
    const { priceUsageEvent } = await import('../../core/events/to-stored-row.js');
    const pricing = parsed.ok && parsed.record.type === 'usage' ? priceUsageEvent(parsed.record, app.catalog) : undefined;
    expect(pricing?.ok && pricing.cost !== null).toBe(true);
    expect(Number(rows[0]!.cost_total)).toBe(pricing?.ok ? pricing.cost?.total : undefined);
  });

  it('tells the records the store refuses, without their content, and counts the batch delivered', async () => {
    const db = tempDb();
    const problems: string[] = [];
    const writer = await startWorkerStoreDelivery(db, catalog, { now, onProblem: (message) => problems.push(message) });
    const outcome = await writer.deliver([event('gw_ok'), event('gw_bad', { input_tokens: -5 })]);
    await writer.close();
    expect(outcome).toEqual({ delivered: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/the store refused 1 of 2 gateway events: input_tokens/);
    expect((await storedRows(db)).map((row) => row.id)).toEqual(['gw_ok']);
  });

  it('releases the store file on close, so that another process (or the next gateway) can open it', async () => {
    const db = tempDb();
    const writer = await startWorkerStoreDelivery(db, catalog, { now, onProblem: () => {} });
    await writer.deliver([event('gw_1')]);
    await writer.close();
    const reopened = await startWorkerStoreDelivery(db, catalog, { now, onProblem: () => {} });
    await reopened.deliver([event('gw_2')]);
    await reopened.close();
    expect((await storedRows(db)).map((row) => row.id)).toEqual(['gw_1', 'gw_2']);
  });

  it('fails to start, with the store’s reason, when the file cannot be opened', async () => {
    const db = join(tempDb(), 'not-a-directory', 'gateway.duckdb');
    await expect(startWorkerStoreDelivery(db, catalog, { now, onProblem: () => {} })).rejects.toThrow(/cannot open the DuckDB store at .*not-a-directory/);
  });

  it('answers a delivery after the thread has gone as not delivered, instead of leaving it waiting', async () => {
    const db = tempDb();
    const writer = await startWorkerStoreDelivery(db, catalog, { now, onProblem: () => {} });
    await writer.close();
    const outcome = await writer.deliver([event('gw_late')]);
    expect(outcome).toMatchObject({ delivered: false, retryable: false });
    expect(await storedRows(db)).toEqual([]);
  });
});
