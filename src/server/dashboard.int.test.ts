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
    await page.goto(`${server.url}/?period=month`);
    const link = page.getByTestId('feature-table').locator('a').first();
    await link.waitFor();
    const feature = (await link.textContent())!;
    await link.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/feature/${encodeURIComponent(feature)}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(feature);
    await expect.poll(() => page.locator('canvas').count(), slow).toBe(4);
    await expect.poll(() => page.getByTestId('users-at-loss').textContent(), slow).toMatch(/\d+ of \d+/);
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
});
