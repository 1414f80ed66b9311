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

describe.skipIf(!existsSync(chromiumPath))('the dashboard in headless Chromium', () => {
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
    await expect.poll(kpiFigures, { timeout: 10_000 }).toEqual(expectedFigures(weekly.overall.checks));
    expect(weekly.overall.checks.length).toBe(5);
    // Every chart drawn before the screenshot.
    await expect.poll(() => page.locator('canvas').count()).toBe(6);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });

    await page.selectOption('select[name="period"]', 'month');
    const monthly = await api<{ overall: { checks: Check[] } }>('/v1/kpis?period=month');
    expect(expectedFigures(monthly.overall.checks)).not.toEqual(expectedFigures(weekly.overall.checks));
    await expect.poll(kpiFigures).toEqual(expectedFigures(monthly.overall.checks));
    expect(new URL(page.url()).searchParams.get('period')).toBe('month');

    // A team filter changes the totals to the API's figures for that team.
    const totals = page.getByTestId('totals');
    const allCost = await totals.getAttribute('data-cost');
    const teams = await page.locator('select[name="team"] option').evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value).filter((value) => value !== ''));
    expect(teams.length).toBeGreaterThan(1);
    await page.selectOption('select[name="team"]', teams[0]!);
    const teamReport = await api<{ totals: { cost_usd: number } }>(`/v1/report?by=feature&where=${encodeURIComponent(`team=${teams[0]}`)}`);
    await expect.poll(() => totals.getAttribute('data-cost')).toBe(String(teamReport.totals.cost_usd));
    expect(String(teamReport.totals.cost_usd)).not.toBe(allCost);
    expect(new URL(page.url()).searchParams.get('team')).toBe(teams[0]);
    await page.screenshot({ path: join(artifacts, 'overview-filtered.png'), fullPage: true });
  });

  it('opens the page of a feature from the overview, with its users and sessions', async () => {
    await page.goto(`${server.url}/?period=month`);
    const link = page.getByTestId('feature-table').locator('a').first();
    await link.waitFor();
    const feature = (await link.textContent())!;
    await link.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/feature/${encodeURIComponent(feature)}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(feature);
    await expect.poll(() => page.locator('canvas').count(), { timeout: 10_000 }).toBe(4);
    await expect.poll(() => page.getByTestId('users-at-loss').textContent()).toMatch(/\d+ of \d+/);
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
    await expect.poll(() => perCall.getAttribute('data-value'), { timeout: 5_000 }).toBe(String(doubled.per_call_usd));
    expect(doubled.per_call_usd).toBeGreaterThan(expected.per_call_usd);
    // The inputs are in the address, so the view can be shared.
    expect(new URL(page.url()).searchParams.get('output')).toBe('1600');
  });

  it('shows the simulator is not available yet on the what-if page, without inventing a result', async () => {
    await page.goto(`${server.url}/what-if?route_to_budget=0.3`);
    await page.locator('input[name="prompt_cache_hit_rate"]').fill('0.8');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await expect.poll(() => page.getByTestId('what-if-unavailable').textContent()).toContain('simulator is not built yet');
    expect(new URL(page.url()).searchParams.get('prompt_cache_hit_rate')).toBe('0.8');
    await page.screenshot({ path: join(artifacts, 'what-if.png'), fullPage: true });
  });
});
