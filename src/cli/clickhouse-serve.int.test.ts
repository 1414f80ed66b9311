import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../app/api-keys.js';
import { createApp } from '../app/create-app.js';
import type { ClickhouseSettings } from '../store/clickhouse/clickhouse-connection.js';
import { ClickhouseStore } from '../store/clickhouse/clickhouse-store.js';
import { startClickhouseServer, type ClickhouseTestServer } from '../testing/clickhouse-server.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';
import { runServe } from './serve-command.js';

let server: ClickhouseTestServer;
let opened = 0;
const directory = mkdtempSync(join(tmpdir(), 'unitcost-clickhouse-serve-'));

beforeAll(async () => {
  server = await startClickhouseServer();
}, 90_000);

afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const settings = (database: string): ClickhouseSettings => ({
  ...server.settings(database),
});

describe('API keys on a ClickHouse store', () => {
  it('keeps API keys: made, revoked, and read back so by the next server, and by a running one once it reloads them', async () => {
    const database = `serve_keys_${(opened += 1)}`;
    const store = await ClickhouseStore.open(settings(database));
    let secret: string;
    try {
      let second = 0;
      const keys = await ApiKeys.load(store.apiKeyTable(), { now: () => new Date(Date.parse('2026-12-02T10:00:00.250Z') + (second++) * 1000) });
      secret = (await keys.create('billing', 'read')).key;
      await keys.create('ci', 'ingest');
      await keys.revoke('ci');
    } finally {
      await store.close();
    }
    const reopened = await ClickhouseStore.open(settings(database));
    try {
      const keys = await ApiKeys.load(reopened.apiKeyTable());
      expect(keys.list().map((key) => [key.name, key.createdAt, key.revokedAt])).toEqual([
        ['billing', '2026-12-02T10:00:00.250Z', null],
        ['ci', '2026-12-02T10:00:01.250Z', '2026-12-02T10:00:02.250Z'],
      ]);
      expect(keys.verify(secret)).toMatchObject({ name: 'billing', scope: 'read' });
      expect(keys.shared).toBe(true);

      // Another server, or the CLI, makes one key and revokes another: this one takes both in when it reloads.
      const elsewhere = await ApiKeys.load(reopened.apiKeyTable());
      const late = (await elsewhere.create('late', 'ingest')).key;
      await elsewhere.revoke('billing');
      expect([keys.verify(late), keys.verify(secret)?.name]).toEqual([null, 'billing']);
      await keys.reload();
      expect([keys.verify(late)?.name, keys.verify(secret)]).toEqual(['late', null]);
    } finally {
      await reopened.close();
    }
  });
});

describe('unitcost serve on a ClickHouse store', () => {
  it('takes a key made by `unitcost keys create`, stores posted events, closes a statement beside it, and keeps alert mutes in the database', async () => {
    const database = `serve_${(opened += 1)}`;
    const config = join(directory, 'unitcost.config.json');
    writeFileSync(config, JSON.stringify({ store: { backend: 'clickhouse', clickhouse: { url: server.url, database } } }));
    // One clock for every command: statements closed on either backend then carry the same closed_at.
    const appOptions = { configPath: config, environment: {}, now: () => new Date('2026-12-05T12:00:00.000Z') };
    const events = [
      { id: 'e1', timestamp: '2026-03-10T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 1000, output_tokens: 100, feature: 'chat' },
      { id: 'e2', timestamp: '2026-03-11T09:00:00Z', provider: 'openai', model: 'gpt-4o', input_tokens: 2000, output_tokens: 300, feature: 'search' },
    ];

    const created = captureIo();
    expect(await runCli(['node', 'unitcost', 'keys', 'create', '--name', 'ops', '--scope', 'admin'], created, appOptions), created.err()).toBe(0);
    const key = created.out().trim();
    expect(key).toMatch(/^uck_/);

    const io = captureIo();
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const serving = runServe({ port: '0', host: '127.0.0.1', logLevel: 'silent' }, { app: () => createApp(appOptions), io }, until);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const poll = setInterval(() => {
          const found = /dashboard: (http:\/\/[^/\s]+)\//.exec(io.out())?.[1];
          if (found) {
            clearInterval(poll);
            resolve(found);
          }
        }, 20);
        serving.catch((error: unknown) => {
          clearInterval(poll);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
      });
      expect(io.err()).toContain(`unitcost serving clickhouse:${server.url}/${database}`);
      expect(io.err()).toContain('API keys required');
      const auth = { authorization: `Bearer ${key}` };

      expect((await fetch(`${url}/v1/keys`)).status).toBe(401);
      expect(((await (await fetch(`${url}/v1/keys`, { headers: auth })).json()) as { keys: Array<{ name: string }> }).keys.map((listed) => listed.name)).toEqual(['ops']);

      const posted = await fetch(`${url}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: events.map((event) => JSON.stringify(event)).join('\n') });
      expect(posted.status, await posted.clone().text()).toBe(200);
      expect(await posted.json()).toMatchObject({ accepted: 2 });

      // Chargeback closes March in the database while the server runs; the server's showback then lists it, unchanged.
      const closing = captureIo();
      expect(await runCli(['node', 'unitcost', 'statement', '--period', '2026-03', '--by', 'feature', '--mode', 'chargeback', '--format', 'json'], closing, appOptions), closing.err()).toBe(0);
      const closed = JSON.parse(closing.out()) as { statement_id: string; lines: Array<{ group: string }>; total: unknown };
      expect(closed.statement_id).toBe('feature-2026-03');
      expect(closed.lines.map((line) => line.group)).toEqual(['chat', 'search']);
      const live = (await (await fetch(`${url}/v1/statements?period=2026-03&by=feature`, { headers: auth })).json()) as { total: unknown; closed_periods: unknown[] };
      expect(live.total).toEqual(closed.total);
      expect(live.closed_periods).toEqual([expect.objectContaining({ statement_id: 'feature-2026-03', changed_since_close: false })]);

      const muted = await fetch(`${url}/v1/alerts/mutes`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ scope: { feature: 'chat' }, until: '2099-01-01', reason: 'launch' }) });
      expect(muted.status, await muted.clone().text()).toBe(201);
      const incidents = (await (await fetch(`${url}/v1/alerts/incidents`, { headers: auth })).json()) as { incidents: unknown[]; mutes: Array<{ reason: string }>; outbox: unknown };
      expect(incidents).toMatchObject({ incidents: [], mutes: [{ reason: 'launch' }], outbox: { pending: 0, delivered: 0, abandoned: 0 } });

      // No file lock to meet: other commands open the database while the server runs, and a key they make is
      // taken by the server once it reads the keys again (every 5 s).
      const listed = captureIo();
      expect(await runCli(['node', 'unitcost', 'keys', 'list', '--json'], listed, appOptions), listed.err()).toBe(0);
      expect((JSON.parse(listed.out()) as { keys: Array<{ name: string }> }).keys.map((listedKey) => listedKey.name)).toEqual(['ops']);
      const second = captureIo();
      expect(await runCli(['node', 'unitcost', 'keys', 'create', '--name', 'second', '--scope', 'read'], second, appOptions), second.err()).toBe(0);
      const reader = { authorization: `Bearer ${second.out().trim()}` };
      const deadline = Date.now() + 10_000;
      let status = (await fetch(`${url}/v1/alerts/incidents`, { headers: reader })).status;
      while (status === 401 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        status = (await fetch(`${url}/v1/alerts/incidents`, { headers: reader })).status;
      }
      expect(status).toBe(200);
    } finally {
      stop();
      await serving;
    }

    // What the server stored is in the database for every other process: the events, and the mute.
    const store = await ClickhouseStore.open(settings(database));
    try {
      expect(await store.counts()).toMatchObject({ usageEvents: 2 });
      const state = await store.openAlertState();
      expect((await state.mutes()).map((mute) => mute.scope)).toEqual([{ feature: 'chat' }]);
    } finally {
      await store.close();
    }

    // The same calls in a DuckDB file close to the same statement, to the picodollar and the fingerprint.
    const file = join(directory, 'events.jsonl');
    writeFileSync(file, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    const duckdb = join(directory, 'same-calls.duckdb');
    const ingested = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', file, '--db', duckdb], ingested, appOptions), ingested.err()).toBe(0);
    const statementOn = async (db: string[]) => {
      const output = captureIo();
      expect(await runCli(['node', 'unitcost', 'statement', '--period', '2026-03', '--by', 'feature', '--mode', 'chargeback', '--format', 'json', ...db], output, appOptions), output.err()).toBe(0);
      return JSON.parse(output.out()) as unknown;
    };
    expect(await statementOn([])).toEqual(await statementOn(['--db', duckdb]));

    // Cron's `alerts check --notify` keeps its incidents and outbox in the same database.
    const notified = captureIo();
    expect(await runCli(['node', 'unitcost', 'alerts', 'check', '--notify', '--json'], notified, appOptions), notified.err()).toBe(0);
    expect(JSON.parse(notified.out())).toMatchObject({ delivery: { queued: 0, outbox: { pending: 0, delivered: 0, abandoned: 0 } } });
  }, 60_000);
});
