import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import type { Reconciliation } from '../core/reconcile/reconcile-spend.js';
import { startFakeAdminApi } from '../testing/fake-admin-api.js';
import { openaiAdminBuckets } from '../testing/openai-admin-fixtures.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, against the built
 * dashboard served by a real server over a store filled with demo traffic. Screenshots go to
 * test-artifacts/ for a person to look at.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const chromiumPath = process.env.UNITCOST_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(root, 'test-artifacts');
const now = () => new Date('2026-03-20T12:00:00Z');
// A page waits on reports the server answers one at a time; in a full test run on 2 shared cores that takes a while.
const slow = { timeout: 60_000 };

describe.skipIf(!existsSync(chromiumPath))('the dashboard in headless Chromium', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let services: ServerServices;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-dashboard-'));
    const webRoot = join(directory, 'web');
    await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: webRoot, emptyOutDir: true } });
    const opened = await openServerServices(createApp({ now, directory: '/nonexistent-config-dir' }), {
      db: join(directory, 'store.duckdb'),
      demoWhenEmpty: { events: 30_000, days: 60 },
    });
    services = opened.services;
    server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent', dashboardRoot: webRoot });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    mkdirSync(artifacts, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await services?.close();
  });

  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${server.url}${path}`)).json()) as T;

  interface Check {
    kpi: string;
    value: number | null;
    status: string;
  }
  const kpiFigures = async (): Promise<Array<[string, string | null, string | null]>> =>
    page.locator('[data-kpi]').evaluateAll((cards) => cards.map((card) => [card.getAttribute('data-kpi')!, card.getAttribute('data-value'), card.getAttribute('data-status')] as [string, string | null, string | null]));
  const expectedFigures = (checks: Check[]): Array<[string, string, string]> => checks.map((check) => [check.kpi, check.value === null ? '' : String(check.value), check.status]);

  it('shows the KPIs the API computes, with their threshold states, and the filters change them', async () => {
    await page.goto(`${server.url}/`);
    const weekly = await api<{ overall: { checks: Check[] } }>('/v1/kpis?period=week');
    await expect.poll(kpiFigures, slow).toEqual(expectedFigures(weekly.overall.checks));
    expect(weekly.overall.checks.length).toBe(5);
    // Every chart drawn before the screenshot.
    await expect.poll(() => page.locator('canvas').count(), slow).toBe(6);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });

    await page.selectOption('select[name="period"]', 'month');
    const monthly = await api<{ overall: { checks: Check[] } }>('/v1/kpis?period=month');
    expect(expectedFigures(monthly.overall.checks)).not.toEqual(expectedFigures(weekly.overall.checks));
    await expect.poll(kpiFigures, slow).toEqual(expectedFigures(monthly.overall.checks));
    expect(new URL(page.url()).searchParams.get('period')).toBe('month');

    // A team filter changes the totals to the API's figures for that team.
    const totals = page.getByTestId('totals');
    const allCost = await totals.getAttribute('data-cost');
    const teams = await page.locator('select[name="team"] option').evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value).filter((value) => value !== ''));
    expect(teams.length).toBeGreaterThan(1);
    await page.selectOption('select[name="team"]', teams[0]!);
    const teamReport = await api<{ totals: { cost_usd: number } }>(`/v1/report?by=feature&where=${encodeURIComponent(`team=${teams[0]}`)}`);
    await expect.poll(() => totals.getAttribute('data-cost'), slow).toBe(String(teamReport.totals.cost_usd));
    expect(String(teamReport.totals.cost_usd)).not.toBe(allCost);
    expect(new URL(page.url()).searchParams.get('team')).toBe(teams[0]);
    // The KPI cards follow the team filter too: the API's KPIs for that team, not every team's.
    const teamKpis = await api<{ overall: { checks: Check[] } }>(`/v1/kpis?period=month&where=${encodeURIComponent(`team=${teams[0]}`)}`);
    expect(expectedFigures(teamKpis.overall.checks)).not.toEqual(expectedFigures(monthly.overall.checks));
    await expect.poll(kpiFigures, slow).toEqual(expectedFigures(teamKpis.overall.checks));
    expect(await page.getByText('The KPIs cover every team and tier').count()).toBe(0);
    await page.screenshot({ path: join(artifacts, 'overview-filtered.png'), fullPage: true });
  });

  it('asks for the KPIs while its script loads, and only once', async () => {
    const fresh = await browser.newPage();
    try {
      const asked: string[] = [];
      fresh.on('request', (request) => {
        if (request.url().includes('/v1/kpis')) asked.push(new URL(request.url()).search);
      });
      await fresh.goto(`${server.url}/?period=month`);
      await fresh.locator('[data-kpi]').first().waitFor(slow);
      const timings = await fresh.evaluate(() => [...performance.getEntriesByType('resource'), ...performance.getEntriesByType('mark')].map((entry) => ({ name: entry.name, start: entry.startTime })));
      const kpis = timings.find((entry) => entry.name.includes('/v1/kpis'))!;
      const scriptStart = timings.find((entry) => entry.name === 'unitcost:script-start')!;
      // Sent by index.html while the bundle loaded, not by the page once the bundle had run.
      expect(kpis.start).toBeLessThan(scriptStart.start);
      await fresh.waitForLoadState('networkidle');
      expect(asked).toEqual(['?period=month']);
    } finally {
      await fresh.close();
    }
  });

  it('keeps the time range and tier in the address, and shows the API figures for them', async () => {
    await page.goto(`${server.url}/`);
    const totals = page.getByTestId('totals');
    await totals.waitFor(slow);
    const allCost = await totals.getAttribute('data-cost');

    // The "7 days" preset: the last week of data, and the KPIs of the last week.
    const window = (await api<{ window: { from: string; to: string } }>('/v1/report?by=team')).window;
    const from = new Date(Date.parse(`${window.to}T00:00:00Z`) - 7 * 86_400_000).toISOString().slice(0, 10);
    await page.getByRole('button', { name: '7 days' }).click(slow);
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBe(from);
    expect(new URL(page.url()).searchParams.get('period')).toBe('week');
    const week = await api<{ totals: { cost_usd: number; calls: number } }>(`/v1/report?by=feature&from=${from}`);
    await expect.poll(() => totals.getAttribute('data-cost'), slow).toBe(String(week.totals.cost_usd));
    expect(String(week.totals.cost_usd)).not.toBe(allCost);

    // A tier on top of the range: the figures are the API's for both filters.
    const tiers = await page.locator('select[name="tier"] option').evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value).filter((value) => value !== ''));
    expect(tiers.length).toBeGreaterThan(1);
    await page.selectOption('select[name="tier"]', tiers.at(-1)!);
    const tiered = await api<{ totals: { cost_usd: number; calls: number } }>(`/v1/report?by=feature&from=${from}&where=${encodeURIComponent(`user_tier=${tiers.at(-1)}`)}`);
    await expect.poll(() => totals.getAttribute('data-calls'), slow).toBe(String(tiered.totals.calls));
    expect(await totals.getAttribute('data-cost')).toBe(String(tiered.totals.cost_usd));
    expect(tiered.totals.calls).toBeLessThan(week.totals.calls);

    // The address alone reproduces the view: a new page opened on it shows the same figures.
    const shared = await browser.newPage();
    try {
      await shared.goto(page.url());
      await expect.poll(() => shared.getByTestId('totals').getAttribute('data-calls'), slow).toBe(String(tiered.totals.calls));
      expect(await shared.locator('select[name="tier"]').inputValue()).toBe(tiers.at(-1));
      expect(await shared.locator('input[name="from"]').inputValue()).toBe(from);
    } finally {
      await shared.close();
    }
  });

  it('opens the page of a feature from the overview, with its users and sessions', async () => {
    const reports: URL[] = [];
    const listen = (request: { url(): string }): void => {
      if (request.url().includes('/v1/report')) reports.push(new URL(request.url()));
    };
    page.on('request', listen);
    await page.goto(`${server.url}/?period=month`);
    const link = page.getByTestId('feature-table').locator('a').first();
    await link.waitFor();
    const feature = (await link.textContent())!;
    await link.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/feature/${encodeURIComponent(feature)}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(feature);
    await expect.poll(() => page.locator('canvas').count(), slow).toBe(4);
    await expect.poll(() => page.getByTestId('users-at-loss').textContent(), slow).toMatch(/\d+ of \d+/);
    page.off('request', listen);
    // The users' report asks only for the measures the page reads (fields=), and the page shows what the full report gives.
    const users = reports.find((url) => url.searchParams.get('by') === 'user_id')!;
    expect(users.searchParams.get('fields')).toBe('calls,cost_usd,revenue_usd,cost_per_active_user_month_usd');
    const full = new URL(users);
    full.searchParams.delete('fields');
    const everyMeasure = await api<{ rows: Array<{ cost_usd: number | null; revenue_usd: number | null }> }>(`${full.pathname}${full.search}`);
    const atLoss = everyMeasure.rows.filter((row) => row.revenue_usd !== null && row.cost_usd !== null && row.cost_usd > row.revenue_usd).length;
    expect(await page.getByTestId('users-at-loss').textContent()).toContain(`${atLoss.toLocaleString('en-US')} of ${everyMeasure.rows.length.toLocaleString('en-US')}`);
    // The scatter asks for the costliest sessions only (top=), and says of how many.
    await expect.poll(() => page.getByTestId('sessions-shown').textContent(), slow).toMatch(/each dot is a session: the costliest [\d,]+ of [\d,]+/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, 'feature.png'), fullPage: true });
  });

  it('computes an estimate and recomputes it when an input changes', async () => {
    await page.goto(`${server.url}/estimate?model=claude-opus-4-7&input=2000&output=800&calls=20&sessions-per-month=20&arpu=30`);
    const perCall = page.getByTestId('estimate-per-call');
    await expect.poll(() => perCall.getAttribute('data-value')).not.toBe(null);
    const expected = await api<{ per_call_usd: number; per_session_usd: number }>('/v1/estimate?model=claude-opus-4-7&input=2000&output=800&calls=20&sessions-per-month=20&arpu=30');
    await expect.poll(() => perCall.getAttribute('data-value')).toBe(String(expected.per_call_usd));
    await page.screenshot({ path: join(artifacts, 'estimate.png'), fullPage: true });

    await page.locator('input[name="output"]').fill('1600');
    const doubled = await api<{ per_call_usd: number }>('/v1/estimate?model=claude-opus-4-7&input=2000&output=1600&calls=20&sessions-per-month=20&arpu=30');
    await expect.poll(() => perCall.getAttribute('data-value'), slow).toBe(String(doubled.per_call_usd));
    expect(doubled.per_call_usd).toBeGreaterThan(expected.per_call_usd);
    // The inputs are in the address, so the view can be shared.
    expect(new URL(page.url()).searchParams.get('output')).toBe('1600');
  });

  it('replays the calls under the what-if levers, shows the API\'s figures, and a changed input changes them', async () => {
    interface Side {
      cost_usd: number | null;
    }
    interface Simulation {
      total: { baseline: Side; scenario: Side; savings_usd_per_month: number };
      features: Array<{ feature: string | null; baseline: Side; scenario: Side }>;
    }
    const simulate = async (levers: unknown[]): Promise<Simulation> => {
      const response = await fetch(`${server.url}/v1/simulate`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ scenario: { name: 'what-if', levers } }) });
      expect(response.status).toBe(200);
      return (await response.json()) as Simulation;
    };
    const total = page.getByTestId('what-if-total');
    const shown = async () => ({
      total: [await total.getAttribute('data-baseline-cost'), await total.getAttribute('data-scenario-cost'), await total.getAttribute('data-savings-month')],
      features: await page
        .getByTestId('what-if-features')
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-feature'), row.getAttribute('data-baseline-cost'), row.getAttribute('data-scenario-cost')]).sort()),
    });
    const expected = (result: Simulation) => ({
      total: [String(result.total.baseline.cost_usd), String(result.total.scenario.cost_usd), String(result.total.savings_usd_per_month)],
      features: result.features.map((row) => [row.feature ?? '(none)', String(row.baseline.cost_usd), String(row.scenario.cost_usd)]).sort(),
    });

    // An output cap from the address: the page's figures are the simulator's, to the last digit.
    await page.goto(`${server.url}/what-if?output_cap=300`);
    const capped = await simulate([{ output_cap: { max_tokens: 300 } }]);
    expect(capped.total.scenario.cost_usd!).toBeLessThan(capped.total.baseline.cost_usd!);
    await expect.poll(shown, slow).toEqual(expected(capped));
    expect(await page.locator('input[name="output_cap_value"]').inputValue()).toBe('300');

    // A response cache typed in: the scenario changes, to the API's figures for both levers, and the address keeps it.
    await page.locator('input[name="response_cache_hit_rate_value"]').fill('0.2');
    const cached = await simulate([{ response_cache: { hit_rate: 0.2 } }, { output_cap: { max_tokens: 300 } }]);
    expect(cached.total.scenario.cost_usd).not.toBe(capped.total.scenario.cost_usd);
    await expect.poll(shown, slow).toEqual(expected(cached));
    expect(new URL(page.url()).searchParams.get('response_cache_hit_rate')).toBe('0.2');

    // Levers on one feature: a route to a cheaper model changes that feature and no other.
    const feature = [...capped.features].filter((row) => row.feature !== null).sort((a, b) => (b.baseline.cost_usd ?? 0) - (a.baseline.cost_usd ?? 0))[0]!.feature!;
    await page.locator('input[name="response_cache_hit_rate_value"]').fill('0');
    await page.locator('input[name="output_cap_value"]').fill('0');
    await page.selectOption('select[name="feature"]', feature);
    await page.locator('input[name="route_to"]').fill('openai/gpt-4o-mini');
    await page.locator('input[name="route_share_value"]').fill('0.5');
    const routed = await simulate([{ route: { feature, share: 0.5, to: 'openai/gpt-4o-mini' } }]);
    await expect.poll(shown, slow).toEqual(expected(routed));
    const changed = routed.features.filter((row) => row.scenario.cost_usd !== row.baseline.cost_usd).map((row) => row.feature);
    expect(changed).toEqual([feature]);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ feature, route_to: 'openai/gpt-4o-mini', route_share: '0.5' });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, 'what-if.png'), fullPage: true });
  });

  it('shows the plan recommended for a tier, as GET /v1/plans computes it, beside today\'s', async () => {
    interface Plans {
      tiers: Array<{ user_tier: string; explanation: string; recommended: { price_usd: number; allowance: number; overage_usd_per_unit: number } | null }>;
    }
    await page.goto(`${server.url}/plans?tier=pro&target_margin=0.7`);
    const expected = await api<Plans>('/v1/plans?tier=pro&target_margin=0.7');
    const pro = expected.tiers.find((tier) => tier.user_tier === 'pro')!;
    expect(pro.recommended).not.toBeNull();
    const shown = page.getByTestId('plans-tier-pro').getByTestId('plans-recommendation');
    await expect.poll(() => shown.getAttribute('data-price'), slow).toBe(String(pro.recommended!.price_usd));
    expect([await shown.getAttribute('data-allowance'), await shown.getAttribute('data-overage')]).toEqual([String(pro.recommended!.allowance), String(pro.recommended!.overage_usd_per_unit)]);
    expect(await shown.textContent()).toContain(pro.explanation);
    // Today's plan is the first row, the recommended candidate is marked.
    const candidates = page.getByTestId('plans-tier-pro').getByTestId('plans-candidates');
    expect(await candidates.locator('tbody tr').first().textContent()).toMatch(/^today/);
    expect(await candidates.locator('tbody tr.recommended').getAttribute('data-price')).toBe(String(pro.recommended!.price_usd));
    await page.screenshot({ path: join(artifacts, 'plans.png'), fullPage: true });
  });

  it('shows money in one format, and on a feature page draws an unpriced model as unpriced and says why there are no sessions', async () => {
    await page.goto(`${server.url}/?period=month`);
    const table = page.getByTestId('feature-table');
    await table.locator('a').first().waitFor(slow);
    // cost, per successful task, per active user, revenue: every amount in dollars and cents (three significant digits under a cent).
    const money = await table.locator('tbody tr').evaluateAll((rows) => rows.flatMap((row) => [...row.querySelectorAll('td.number')].slice(1, 5).map((cell) => cell.textContent ?? '')));
    expect(money.length).toBeGreaterThan(0);
    for (const amount of money) expect(amount).toMatch(/^(—|−?\$(\d{1,3}(,\d{3})*\.\d{2}|0\.00\d{3,}))$/);

    // The demo's intent-classifier sends a few calls to acme-intent-ft-v3, which no catalog prices; it tags no sessions.
    const byModel = await api<{ rows: Array<{ model: string; unpriced_calls: number; cost_usd: number | null }> }>(`/v1/report?by=model&where=${encodeURIComponent('feature=intent-classifier')}`);
    const unpriced = byModel.rows.filter((row) => row.unpriced_calls > 0);
    expect(unpriced.map((row) => [row.model, row.cost_usd])).toEqual([['acme-intent-ft-v3', null]]);
    await page.goto(`${server.url}/feature/intent-classifier`);
    const notice = page.getByTestId('unpriced-models');
    await notice.waitFor(slow);
    const named = notice.locator('[data-model="acme-intent-ft-v3"]');
    expect(await named.getAttribute('data-unpriced-calls')).toBe(String(unpriced[0]!.unpriced_calls));
    expect(await named.textContent()).toContain(`acme-intent-ft-v3 — unpriced: ${unpriced[0]!.unpriced_calls.toLocaleString('en-US')} calls, cost unknown (not $0)`);
    expect(await notice.textContent()).toContain('unitcost reprice');
    const empty = page.getByTestId('sessions-empty');
    await empty.waitFor(slow);
    expect(await empty.textContent()).toContain('No session_id tags recorded for intent-classifier');
    expect(await empty.textContent()).toContain('x-unitcost-session');
    // Three charts drawn (model, tier, users); the sessions card holds the explanation instead of an empty plot.
    await expect.poll(() => page.locator('canvas').count(), slow).toBe(3);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, 'feature-unpriced.png'), fullPage: true });
  });

  it("shows the what-if's batch delay risk, user-facing messages only, and completes model names from the catalog", async () => {
    interface Lever {
      kind: string;
      risk: { calls_delayed: number };
    }
    const response = await fetch(`${server.url}/v1/simulate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ scenario: { name: 'what-if', levers: [{ price_change: { batch: { feature: 'doc-summarizer', discount: 0.5 } } }] } }),
    });
    const batched = (await response.json()) as { levers: Lever[]; total: { baseline: { unpriced_calls: number } } };
    const delayed = batched.levers[0]!.risk.calls_delayed;
    expect(delayed).toBeGreaterThan(0);
    await page.goto(`${server.url}/what-if?feature=doc-summarizer&batch_discount=0.5`);
    const outcome = page.getByTestId('what-if-lever-outcomes').locator('tr[data-kind="price_change"]');
    await outcome.waitFor(slow);
    expect(await outcome.getAttribute('data-calls-delayed')).toBe(String(delayed));
    expect(await outcome.textContent()).toContain(`${delayed.toLocaleString('en-US')} calls delayed up to 24 h (batch API)`);
    expect(await page.getByTestId('what-if-delayed').getAttribute('data-calls-delayed')).toBe(String(delayed));
    // The simulator's notes for JSON readers (field names, commands) are not shown; the page says it in its words.
    const shownText = (await page.getByTestId('what-if-result').textContent()) ?? '';
    expect(shownText).not.toContain('cost_input_usd');
    expect(shownText).not.toContain('unitcost report');
    expect(shownText).toContain(`${batched.total.baseline.unpriced_calls.toLocaleString('en-US')} calls are of models with no price`);
    await page.screenshot({ path: join(artifacts, 'what-if-batch.png'), fullPage: true });

    // Model names complete from the catalog.
    await expect.poll(() => page.locator('#what-if-models option[value="openai/gpt-4o-mini"]').count(), slow).toBe(1);
    // A model no catalog knows: one sentence naming the field as the form does, no scenario internals.
    await page.locator('input[name="route_to"]').fill('acme/not-a-model');
    await page.locator('input[name="route_share_value"]').fill('0.5');
    const problem = page.getByTestId('what-if-problem');
    await expect.poll(() => problem.textContent(), slow).toBe('Target model: no model named “acme/not-a-model” in the price catalog. Pick one from the list as you type (provider/model, e.g. openai/gpt-4o-mini).');
    // A share typed past its range: the form's label, not levers[0].route.share.
    await page.locator('input[name="route_to"]').fill('openai/gpt-4o-mini');
    await page.locator('input[name="route_share_value"]').fill('1.5');
    await expect.poll(() => problem.textContent(), slow).toBe('Share of calls routed must be between 0 and 1.');
  });

  it('shows the reconciliation page: the env var to set without an admin key, then the bill against what was recorded', async () => {
    const saved = { key: process.env.OPENAI_ADMIN_KEY, base: process.env.UNITCOST_OPENAI_ADMIN_BASE_URL };
    delete process.env.OPENAI_ADMIN_KEY;
    delete process.env.UNITCOST_OPENAI_ADMIN_BASE_URL;
    // The demo's doc-summarizer runs on OpenAI; February is whole in its 60 days. The fake bill adds one call in 21 and 10% off from the 15th.
    const recorded = await services.readStore((store) => store.recordedByProviderDay({ provider: 'openai', range: { fromMs: Date.parse('2026-02-01T00:00:00Z'), toMs: Date.parse('2026-03-01T00:00:00Z') } }));
    expect(recorded.length).toBeGreaterThan(0);
    const admin = await startFakeAdminApi({ adminKey: 'sk-admin-dashboard', buckets: openaiAdminBuckets(recorded, { discountFrom: '2026-02-15', discountPercent: 10n }), rateLimitFirst: false });
    try {
      await page.goto(`${server.url}/reconcile?provider=openai&month=2026-02`);
      const noKey = page.getByTestId('reconcile-no-key');
      await noKey.waitFor(slow);
      expect(await noKey.getAttribute('data-key-env')).toBe('OPENAI_ADMIN_KEY');
      expect(await noKey.textContent()).toContain('set OPENAI_ADMIN_KEY to an organization admin key in the environment of unitcost serve');
      expect(await noKey.textContent()).toContain('unitcost reconcile openai usage.json cost.json --month 2026-02');
      await page.screenshot({ path: join(artifacts, 'reconcile-no-key.png'), fullPage: true });

      process.env.OPENAI_ADMIN_KEY = 'sk-admin-dashboard';
      process.env.UNITCOST_OPENAI_ADMIN_BASE_URL = admin.url;
      await page.reload();
      const totals = page.getByTestId('reconcile-totals');
      await totals.waitFor(slow);
      // The API's answer, kept by the server: asking for it again does not pull again.
      const pulled = admin.requests.length;
      const expected = await api<Reconciliation>('/v1/reconcile?provider=openai&month=2026-02');
      expect(admin.requests.length).toBe(pulled);
      expect([await totals.getAttribute('data-untracked'), await totals.getAttribute('data-billed'), await totals.getAttribute('data-coverage')]).toEqual([
        expected.totals.untracked_usd,
        expected.totals.billed_usd,
        String(expected.totals.coverage),
      ]);
      expect(expected.totals.coverage).toBeCloseTo(20 / 21, 3);
      expect(await page.getByTestId('reconcile-coverage').locator('strong').textContent()).toBe(`${(expected.totals.coverage! * 100).toFixed(1)}%`);
      expect(await page.getByTestId('reconcile-untracked').locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-model')))).toEqual(expected.untracked_by_model.map((row) => row.model));
      // The missing discount, with the config line to copy.
      const mismatch = expected.price_mismatches[0]!;
      expect(mismatch.from_day).toBe('2026-02-15');
      expect(await page.getByTestId('reconcile-config-line').first().textContent()).toBe(
        `discounts:\n  - { provider: openai, percent: ${mismatch.suggestion.discounts![0]!.percent}, effective_from: 2026-02-15 }`,
      );
      // The per-day table is there, collapsed.
      const daysTable = page.getByTestId('reconcile-days');
      expect(await daysTable.getAttribute('open')).toBeNull();
      expect(await daysTable.locator('tbody tr').count()).toBe(expected.rows.length);
      await page.screenshot({ path: join(artifacts, 'reconcile.png'), fullPage: true });
    } finally {
      await admin.close();
      for (const [name, value] of [['OPENAI_ADMIN_KEY', saved.key], ['UNITCOST_OPENAI_ADMIN_BASE_URL', saved.base]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
