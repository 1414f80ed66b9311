import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import type { Reconciliation } from '../core/reconcile/reconcile-spend.js';
import type { RecordedProviderDay } from '../store/reconcile-reader.js';
import { startFakeAdminApi, type FakeAdminApi } from '../testing/fake-admin-api.js';
import { openaiAdminBuckets, openaiUntrackedPicodollars } from '../testing/openai-admin-fixtures.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * GET /v1/reconcile against a fake OpenAI admin API on loopback: October 2026, 20 recorded calls a day of
 * gpt-4.1, 21 billed (one a day from a script no one instrumented), 12% off list from October 15. The
 * server pulls with the admin key of its own environment, answers the CLI's JSON, and keeps the answer.
 */
const directory = mkdtempSync(join(tmpdir(), 'unitcost-reconcile-api-'));
const days = Array.from({ length: 31 }, (_, index) => `2026-10-${String(index + 1).padStart(2, '0')}`);
const bill = { providerModel: () => 'gpt-4.1-2025-04-14', discountFrom: '2026-10-15', discountPercent: 12n };
const environmentNames = ['OPENAI_ADMIN_KEY', 'UNITCOST_OPENAI_ADMIN_BASE_URL'] as const;
const savedEnvironment = Object.fromEntries(environmentNames.map((name) => [name, process.env[name]]));

let server: RunningServer;
let services: ServerServices;
let admin: FakeAdminApi;
let recorded: RecordedProviderDay[];

beforeAll(async () => {
  for (const name of environmentNames) delete process.env[name];
  const app = createApp({ directory: '/nonexistent-config-dir', environment: {}, now: () => new Date('2026-11-03T12:00:00Z') });
  ({ services } = await openServerServices(app, { db: join(directory, 'store.duckdb') }));
  const events = days.flatMap((day) =>
    Array.from({ length: 20 }, (_, call) => ({ id: `o-${day}-${call}`, timestamp: `${day}T${String(8 + (call % 10)).padStart(2, '0')}:00:00Z`, provider: 'openai', model: 'gpt-4.1', input_tokens: 4_000, cache_read_tokens: 2_000, output_tokens: 250, feature: 'search' })),
  );
  expect((await services.ingestBatch(events.map((value, index) => ({ index, value })), 'test')).accepted).toBe(events.length);
  recorded = await services.readStore((store) => store.recordedByProviderDay({ provider: 'openai', range: { fromMs: Date.parse('2026-10-01T00:00:00Z'), toMs: Date.parse('2026-11-01T00:00:00Z') } }));
  admin = await startFakeAdminApi({ adminKey: 'sk-admin-served', buckets: openaiAdminBuckets(recorded, bill) });
  server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
}, 60_000);

afterAll(async () => {
  for (const name of environmentNames) {
    if (savedEnvironment[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnvironment[name];
  }
  await server?.close();
  await services?.close();
  await admin?.close();
  rmSync(directory, { recursive: true, force: true });
});

const get = (query: string, headers: Record<string, string> = {}) => fetch(`${server.url}/v1/reconcile?${query}`, { headers });
const pulls = () => admin.requests.filter((request) => request.includes('/usage/completions')).length;

describe('GET /v1/reconcile', () => {
  it('says which variable to set, and the CLI alternative, when the server has no admin key', async () => {
    const response = await get('provider=openai&month=2026-10');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { field: string; message: string } };
    expect(body.error.field).toBe('OPENAI_ADMIN_KEY');
    expect(body.error.message).toContain('set OPENAI_ADMIN_KEY in the environment of `unitcost serve`');
    expect(body.error.message).toContain('unitcost reconcile openai usage.json cost.json --month YYYY-MM');
    expect(admin.requests).toEqual([]);
  });

  it('pulls the reports with the key of its environment and finds the untracked spend to the cent and the missing discount', async () => {
    process.env.OPENAI_ADMIN_KEY = 'sk-admin-served';
    process.env.UNITCOST_OPENAI_ADMIN_BASE_URL = admin.url;
    const response = await get('provider=openai&month=2026-10');
    expect(response.status).toBe(200);
    const result = (await response.json()) as Reconciliation & { pulled_at: string };
    expect([result.from, result.to, result.pulled_at]).toEqual(['2026-10-01', '2026-11-01', '2026-11-03T12:00:00.000Z']);
    expect(result.totals.untracked_usd).toBe(formatPicodollarsExact(openaiUntrackedPicodollars(recorded, bill)));
    expect(result.totals.coverage).toBeCloseTo(20 / 21, 5);
    expect(result.untracked_by_model.map((entry) => entry.model)).toEqual(['gpt-4.1']);
    expect(result.price_mismatches[0]).toMatchObject({ from_day: '2026-10-15', suggestion: { discounts: [{ provider: 'openai', percent: 12, effective_from: '2026-10-15' }] } });
    expect(result.rows.length).toBe(31 * 3);
  });

  it('keeps the answer per provider and window, so a refresh does not pull again; no-cache pulls again', async () => {
    const before = pulls();
    const again = (await (await get('provider=openai&month=2026-10')).json()) as Reconciliation;
    expect(pulls()).toBe(before);
    // The same days asked as from/to are the same window.
    const sameDays = (await (await get('provider=openai&from=2026-10-01&to=2026-11-01')).json()) as Reconciliation;
    expect(pulls()).toBe(before);
    expect(sameDays.totals).toEqual(again.totals);
    // Another window is pulled (the fake serves its month in 5 pages whatever the window); no-cache pulls the kept one again.
    expect((await get('provider=openai&from=2026-10-01&to=2026-10-15')).status).toBe(200);
    expect(pulls()).toBe(before + 5);
    expect((await get('provider=openai&month=2026-10', { 'Cache-Control': 'no-cache' })).status).toBe(200);
    expect(pulls()).toBe(before + 10);
  });

  it('refuses a bad provider or window naming the query parameter, and a key the admin API refuses without echoing it', async () => {
    const cases: Array<[string, string, string]> = [
      ['provider=azure&month=2026-10', 'provider', 'provider must be openai or anthropic, got "azure"'],
      ['provider=openai&month=2026-13', 'month', 'month must be YYYY-MM, got "2026-13"'],
      ['provider=openai&from=2026-10-05&to=2026-10-01', 'to', 'to (2026-10-01) must be after from (2026-10-05)'],
      ['provider=openai', 'from', 'say which days: month=YYYY-MM, or from and to'],
      ['provider=openai&month=2026-10&from=2026-10-01', 'month', 'give month, or from and to, not both'],
    ];
    for (const [query, field, message] of cases) {
      const response = await get(query);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { field: string; message: string } };
      expect(body.error.field).toBe(field);
      expect(body.error.message).toContain(message);
    }
    process.env.OPENAI_ADMIN_KEY = 'sk-admin-wrong-key-987';
    const refused = await get('provider=openai&month=2026-09');
    expect(refused.status).toBe(400);
    const text = await refused.text();
    expect(text).toContain("openai's admin API refused the key (401)");
    expect(text).not.toContain('sk-admin-wrong-key-987');
    process.env.OPENAI_ADMIN_KEY = 'sk-admin-served';
  });
});
