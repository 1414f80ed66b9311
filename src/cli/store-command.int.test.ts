import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickhouseServer, type ClickhouseTestServer } from '../testing/clickhouse-server.js';
import { loadApiKeys } from '../app/key-service.js';
import type { Incident } from '../core/governance/alerts/incident.js';
import type { OutboxEntry } from '../store/alert-state-store.js';
import type { Store } from '../store/store.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { refreshClickhouseSummaries } from '../store/clickhouse/clickhouse-report-summaries.js';
import { ClickhouseStore } from '../store/clickhouse/clickhouse-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-store-copy-'));
const appOptions = { directory, environment: {}, now: () => new Date('2026-03-10T00:00:00Z') };
let server: ClickhouseTestServer;

beforeAll(async () => {
  server = await startClickhouseServer();
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, appOptions);
  return { code, out: io.out(), err: io.err() };
}

// An acknowledged incident whose notification was delivered, with a cause past 64 bits: alert state to carry over.
const incident: Incident = {
  id: 'inc_copied',
  key: 'anomaly:day:feature=support:2026-02-20',
  status: 'open',
  alert: {
    key: 'anomaly:day:feature=support:2026-02-20',
    rule: 'feature-spend',
    kind: 'spend_anomaly',
    severity: 'critical',
    scope: { feature: 'support' },
    grain: 'day',
    windowStart: '2026-02-20T00:00:00.000Z',
    title: 'support spent $80 on 2026-02-20, usually $20',
    value: 80,
    threshold: 20,
    score: 7.5,
    cause: {
      baselinePicodollars: 20_000_000_000_000n,
      currentPicodollars: 80_000_000_000_000_000_000_001n,
      contributions: [{ driver: 'calls', deltaPicodollars: 79_999_999_980_000_000_000_001n, before: 10, after: 40 }],
      summary: 'support: calls ×4 explains 100% of +$60',
    },
  },
  openedAt: '2026-02-20T10:00:00.000Z',
  lastSeenAt: '2026-02-20T11:00:00.000Z',
  resolvedAt: null,
  evaluations: 2,
  missedEvaluations: 0,
  acknowledgedAt: '2026-02-20T10:30:00.000Z',
  acknowledgedBy: 'ops',
  muted: false,
};
const notification: OutboxEntry = {
  webhook: 'pager',
  incidentId: incident.id,
  event: 'opened',
  body: '{"type":"unitcost.incident"}',
  createdAt: '2026-02-20T10:00:00.000Z',
  attempts: 1,
  nextAttemptAt: null,
  deliveredAt: '2026-02-20T10:00:01.000Z',
  lastError: null,
};
const mute = { id: 'mut_copied', rule: 'feature-spend', scope: { feature: 'support' }, until: '2026-04-01T00:00:00.000Z', reason: 'launch week', createdAt: '2026-02-21T09:00:00.000Z', createdBy: 'ops' };

/** What a store keeps beside its events, read back through the store interfaces. */
async function ledgersOf(store: Store): Promise<unknown> {
  const statements = await store.allClosedStatements();
  const state = await store.openAlertState();
  try {
    return {
      statements,
      lines: await Promise.all(statements.map((statement) => store.statementLines(statement.statementId))),
      keys: await store.apiKeyTable().keys(),
      incidents: await state.incidents({ limit: 100 }),
      notifications: await state.deliveries(incident.id),
      mutes: await state.mutes(),
    };
  } finally {
    state.close();
  }
}

describe('unitcost store copy', () => {
  it('copies a DuckDB store into ClickHouse and back with every month and cent, closed statement, key and alert intact, skips what is there, and finishes a half-copied month', async () => {
    const original = join(directory, 'original.duckdb');
    // Demo traffic over two months: calls (some unpriced), task outcomes and revenue.
    expect((await cli(['demo', '--events', '6000', '--days', '45', '--end', '2026-03-10', '--db', original])).code).toBe(0);
    const source = await DuckdbStore.open(original);
    const sourceMonths = await source.monthTotals();
    const sourceCounts = await source.counts();
    const march = await source.scanRecords('usage', '2026-03', null, 100);
    const state = await source.openAlertState();
    await state.saveMerge([incident], [notification]);
    await state.addMute(mute);
    state.close();
    await source.close();
    expect(sourceMonths.length).toBeGreaterThanOrEqual(2);
    expect(sourceCounts.unpricedEvents).toBeGreaterThan(0);
    // What finance and operations keep beside the events: February closed for chargeback, two admin keys (one revoked).
    const closing = await cli(['statement', '--db', original, '--period', '2026-02', '--mode', 'chargeback', '--format', 'json']);
    expect(closing.code, closing.err).toBe(0);
    const february = JSON.parse(closing.out);
    expect(february.statement_id).toBe('team-2026-02');
    const liveKey = JSON.parse((await cli(['keys', 'create', '--name', 'admin-live', '--scope', 'admin', '--db', original, '--json'])).out).key as string;
    const oldKey = JSON.parse((await cli(['keys', 'create', '--name', 'admin-old', '--scope', 'admin', '--db', original, '--json'])).out).key as string;
    expect((await cli(['keys', 'revoke', 'admin-old', '--db', original])).code).toBe(0);
    const reopened = await DuckdbStore.open(original);
    const sourceLedgers = await ledgersOf(reopened);
    await reopened.close();
    // The keys as `unitcost serve` checks a request on a store: the live one lets in, the revoked one does not.
    const authenticates = async (store: Store) => {
      const keys = await loadApiKeys(store);
      return { live: keys.verify(liveKey), old: keys.verify(oldKey) };
    };
    const admitted = { live: { id: expect.any(String), name: 'admin-live', scope: 'admin' }, old: null };

    // A copy interrupted half-way through March: some of its calls are already in ClickHouse.
    const clickhouse = `clickhouse:${server.url}/copied`;
    const partial = await ClickhouseStore.open(server.settings('copied'));
    await partial.appendUsage(march.rows);
    await partial.close();

    const copied = await cli(['store', 'copy', '--from', `duckdb:${original}`, '--to', clickhouse, '--page-size', '700', '--json']);
    expect(copied.code).toBe(0);
    const result = JSON.parse(copied.out);
    expect(result.check).toMatchObject({ passed: true, source_records: result.check.destination_records, mismatched_months: [] });
    expect(result.duplicates).toBe(100);
    expect(result.copied.usage + 100).toBe(sourceCounts.usageEvents);
    expect(copied.err).toContain('2026-03:');
    expect(result).toMatchObject({
      statements: { copied: 1, already_there: 0 },
      api_keys: { copied: 2, already_there: 0, revoked: 0 },
      incidents: { copied: 1, already_there: 0, notifications: 1 },
      mutes: { copied: 1, already_there: 0 },
      conflicts: [],
    });
    const inClickhouse = await ClickhouseStore.open(server.settings('copied'));
    expect(await ledgersOf(inClickhouse)).toEqual(sourceLedgers);
    expect(await authenticates(inClickhouse)).toEqual(admitted);
    await inClickhouse.close();
    // `unitcost statement` on the ClickHouse copy: February is closed, the same statement, and its calls unchanged since.
    const project = mkdtempSync(join(tmpdir(), 'unitcost-copied-config-'));
    writeFileSync(join(project, 'unitcost.config.yaml'), ['store:', '  backend: clickhouse', '  clickhouse:', '    database: copied', '    user_env: ANALYTICS_USER', '    password_env: ANALYTICS_PASSWORD'].join('\n'));
    const onCopy = captureIo();
    const environment = { UNITCOST_CLICKHOUSE_URL: server.url, ANALYTICS_USER: 'reader', ANALYTICS_PASSWORD: 'reader-secret' };
    expect(await runCli(['node', 'unitcost', 'statement', '--period', '2026-02', '--mode', 'chargeback', '--format', 'json'], onCopy, { ...appOptions, directory: project, environment }), onCopy.err()).toBe(0);
    expect(JSON.parse(onCopy.out())).toEqual(february);
    expect(february.closed_periods).toEqual([expect.objectContaining({ statement_id: 'team-2026-02', changed_since_close: false })]);

    // Run again: every month already matches.
    const again = await cli(['store', 'copy', '--from', `duckdb:${original}`, '--to', clickhouse]);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`(${sourceMonths.length} already copied)`);
    expect(again.out).toContain('check       passed');
    expect(again.out).toContain('statements  0 closed statements copied (1 already there)');
    expect(again.out).toContain('api keys    0 copied (2 already there)');
    expect(again.out).toContain('alerts      0 incidents with 0 notifications, 0 mutes copied (1 incidents, 1 mutes already there)');

    // And back into a new DuckDB file: the same months, counts and exact sums as the original.
    const back = join(directory, 'back.duckdb');
    expect((await cli(['store', 'copy', '--from', clickhouse, '--to', `duckdb:${back}`])).code).toBe(0);
    const roundTrip = await DuckdbStore.open(back);
    expect(await roundTrip.monthTotals()).toEqual(sourceMonths);
    expect(await roundTrip.counts()).toEqual(sourceCounts);
    expect(await ledgersOf(roundTrip)).toEqual(sourceLedgers);
    expect(await authenticates(roundTrip)).toEqual(admitted);
    await roundTrip.close();
    const statementOnBack = await cli(['statement', '--db', back, '--period', '2026-02', '--mode', 'chargeback', '--format', 'json']);
    expect(JSON.parse(statementOnBack.out)).toEqual(february);
  });

  it('exits 1 and names the records, statements and keys the destination holds with other content, and carries a later revocation', async () => {
    const original = join(directory, 'conflict.duckdb');
    const calls = join(directory, 'calls.jsonl');
    writeFileSync(calls, `${JSON.stringify({ id: 'call-1', timestamp: '2026-03-01T00:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 10, output_tokens: 5 })}\n`);
    expect((await cli(['ingest', calls, '--db', original])).code).toBe(0);
    const other = join(directory, 'other.duckdb');
    writeFileSync(calls, `${JSON.stringify({ id: 'call-1', timestamp: '2026-03-01T00:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 99, output_tokens: 5 })}\n`);
    expect((await cli(['ingest', calls, '--db', other])).code).toBe(0);
    // The same day closed on both sides over other calls, and a key id the destination gave to another key.
    const day = ['--from', '2026-03-01', '--to', '2026-03-02', '--mode', 'chargeback', '--format', 'json'];
    const closedHere = JSON.parse((await cli(['statement', '--db', original, ...day])).out);
    const closedThere = JSON.parse((await cli(['statement', '--db', other, ...day])).out);
    expect(closedHere.fingerprint).not.toBe(closedThere.fingerprint);
    const keyId = JSON.parse((await cli(['keys', 'create', '--name', 'ingest', '--scope', 'ingest', '--db', original, '--json'])).out).id as string;
    expect((await cli(['keys', 'create', '--name', 'reader', '--scope', 'read', '--db', original])).code).toBe(0);
    const destination = await DuckdbStore.open(other);
    await destination.apiKeyTable().insertKey({ id: keyId, name: 'someone-else', scope: 'admin', hashHex: '0'.repeat(64), createdAt: '2026-03-02T00:00:00.000Z', revokedAt: null });
    await destination.close();
    const copied = await cli(['store', 'copy', '--from', original, '--to', `duckdb:${other}`]);
    expect(copied.code).toBe(1);
    expect(copied.out).toContain('conflicts   3: the destination holds these ids with other content and keeps its own');
    expect(copied.out).toContain('  usage call-1');
    expect(copied.out).toContain(`  statement ${closedHere.statement_id}: closed in the destination on ${closedThere.closed_at} with fingerprint ${closedThere.fingerprint}; the source's has ${closedHere.fingerprint}`);
    expect(copied.out).toContain(`  api_key ${keyId}: the destination holds another key with this id ("someone-else", scope admin)`);
    // The destination keeps its own statement and key.
    const kept = await DuckdbStore.open(other);
    expect((await kept.allClosedStatements()).map((statement) => statement.fingerprint)).toEqual([closedThere.fingerprint]);
    expect((await kept.apiKeyTable().keys()).map((key) => [key.name, key.revokedAt])).toEqual([
      ['someone-else', null],
      ['reader', null],
    ]);
    await kept.close();
    // A key revoked in the source after it was copied is revoked in the destination by the next run.
    expect((await cli(['keys', 'revoke', 'reader', '--db', original])).code).toBe(0);
    const again = await cli(['store', 'copy', '--from', original, '--to', `duckdb:${other}`]);
    expect(again.out).toContain('api keys    0 copied (0 already there, 1 revoked as in the source)');
    const revoked = await DuckdbStore.open(other);
    expect((await revoked.apiKeyTable().keys()).find((key) => key.name === 'reader')?.revokedAt).toEqual(expect.any(String));
    await revoked.close();
    expect(copied.out).toContain('check       FAILED in 2026-03');
  });

  it('runs ingest, reprice, report and kpis on ClickHouse when the config says store.backend: clickhouse, with credentials from the environment', async () => {
    const project = mkdtempSync(join(tmpdir(), 'unitcost-clickhouse-config-'));
    writeFileSync(join(project, 'unitcost.config.yaml'), ['store:', '  backend: clickhouse', '  clickhouse:', '    database: configured', '    user_env: ANALYTICS_USER', '    password_env: ANALYTICS_PASSWORD'].join('\n'));
    const calls = join(project, 'calls.jsonl');
    const line = (index: number, model: string) => JSON.stringify({ id: `call-${index}`, timestamp: '2026-03-01T00:00:00Z', provider: model === 'in-house-llm' ? undefined : 'openai', model, input_tokens: 1000, output_tokens: 100, feature: 'search' });
    writeFileSync(calls, `${[line(1, 'gpt-4o-mini'), line(2, 'in-house-llm')].join('\n')}\n`);
    const run = async (args: string[], environment: Record<string, string>) => {
      const io = captureIo();
      const code = await runCli(['node', 'unitcost', ...args], io, { directory: project, environment, now: () => new Date('2026-03-10T00:00:00Z') });
      return { code, out: io.out(), err: io.err() };
    };
    // No address: the message names both ways to give one.
    const unset = await run(['ingest', calls], {});
    expect(unset.code).toBe(2);
    expect(unset.err).toContain('store.backend is clickhouse but no address is set: add store.clickhouse.url');
    // The user the config's user_env names is refused by the server: the message names the variables to fix.
    const refused = await run(['ingest', calls], { UNITCOST_CLICKHOUSE_URL: server.url, ANALYTICS_USER: 'reader', ANALYTICS_PASSWORD: 'wrong' });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('refused user "reader": check ANALYTICS_USER and ANALYTICS_PASSWORD');
    const environment = { UNITCOST_CLICKHOUSE_URL: server.url, ANALYTICS_USER: 'reader', ANALYTICS_PASSWORD: 'reader-secret' };
    const ingested = await run(['ingest', calls], environment);
    expect(ingested.out).toContain('accepted    2 (2 calls, 0 outcomes, 0 revenue)');
    expect(ingested.out).toContain('unpriced    1 calls');
    expect((await run(['ingest', calls, '--json'], environment)).out).toContain('"duplicates": 2');
    // A price for the unknown model in the config, then reprice: the ClickHouse rows get it.
    writeFileSync(join(project, 'unitcost.config.yaml'), ['store:', '  backend: clickhouse', '  clickhouse:', '    database: configured', '    user_env: ANALYTICS_USER', '    password_env: ANALYTICS_PASSWORD', 'models:', '  - id: in-house-llm', '    provider: self-hosted', '    prices: { input: 1, output: 4 }'].join('\n'));
    const repriced = await run(['reprice'], environment);
    expect(repriced.code).toBe(0);
    expect(repriced.out).toContain('1 of 2 calls changed cost (1 newly priced)');
    const stored = await ClickhouseStore.open(server.settings('configured'));
    const counts = await stored.counts();
    expect(counts).toMatchObject({ usageEvents: 2, unpricedEvents: 0 });
    // Ingest and reprice refreshed the report summaries as they finished: the next read has nothing to recompute.
    expect(await refreshClickhouseSummaries(stored.connection)).toMatchObject({ days: 0, tasksRebuilt: false });
    await stored.close();
    // Read-only commands open the configured database, not a DuckDB file that is not there.
    const report = await run(['report', '--by', 'feature', '--json'], environment);
    expect(report.code).toBe(0);
    expect(JSON.stringify(JSON.parse(report.out))).toContain('"search"');
    const kpis = await run(['kpis', '--period', 'day'], environment);
    expect(kpis.code).toBe(0);
    expect(kpis.err).not.toContain('no store at');
  });

  it('refuses a store name it cannot read, saying how to write one', async () => {
    const refused = await cli(['store', 'copy', '--from', 'clickhouse:localhost:8123', '--to', 'x.duckdb']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--from clickhouse:localhost:8123: the ClickHouse address must be http:// or https://');
  });
});
