import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { buildGatewayEvent, type GatewayCall } from '../core/gateway/gateway-event.js';
import { normalizedUsage } from '../core/usage/normalized-usage.js';
import { usd } from '../../web/src/format.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * The gateway and budgets pages in Debian's chromium (playwright-core), one browser for both, against the built
 * dashboard served by a real server over a store of gateway-shaped calls and three weeks of spend. Each figure
 * the page draws is compared with the API's, through the dashboard's one money format.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const chromiumPath = process.env.UNITCOST_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(root, 'test-artifacts');
const now = new Date('2026-03-18T15:00:00Z');
const dayMs = 86_400_000;
const slow = { timeout: 60_000 };

let sequence = 0;
function gatewayCall(overrides: Partial<GatewayCall> & { input: number; output: number; hour: number }) {
  const { input, output, hour, ...rest } = overrides;
  sequence += 1;
  return buildGatewayEvent({
    id: `gw-${sequence}`,
    startedAtMs: Date.parse('2026-03-17T00:00:00Z') + hour * 3_600_000,
    provider: 'openai',
    model: 'gpt-4.1-mini',
    usage: input + output === 0 ? null : normalizedUsage({ inputTotal: input, outputTotal: output }),
    estimated: false,
    status: 'ok',
    latencyMs: 120,
    tags: { feature: 'support', team: 'support' },
    upstream: 'openai',
    endpoint: '/v1/chat/completions',
    ...rest,
  });
}

// Three weeks of application spend before the gateway, weekdays busier than weekends: the budgets' history.
function dailyTraffic(): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (let day = 0; day < 21; day += 1) {
    const dayStart = Date.parse('2026-02-25T00:00:00Z') + day * dayMs;
    const weekday = new Date(dayStart).getUTCDay();
    const calls = weekday === 0 || weekday === 6 ? 2 : 6;
    for (let index = 0; index < calls; index += 1) {
      const team = index % 3 === 0 ? 'search' : 'support';
      events.push({ id: `app-${day}-${index}`, timestamp: new Date(dayStart + (9 + index) * 3_600_000).toISOString(), provider: 'openai', model: 'gpt-4.1', input_tokens: 40_000, output_tokens: 8_000, feature: team === 'support' ? 'support' : 'search', team });
    }
  }
  return events;
}

describe.skipIf(!existsSync(chromiumPath))('the gateway and budgets pages in headless Chromium', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let services: ServerServices;
  let empty: { server: RunningServer; services: ServerServices };
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-dashboard-governance-'));
    const webRoot = join(directory, 'web');
    await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: webRoot, emptyOutDir: true } });
    writeFileSync(
      join(directory, 'unitcost.config.json'),
      JSON.stringify({
        gateway: {
          policies: {
            output_caps: [{ when: { feature: 'support' }, max_output_tokens: 400 }],
            routes: [{ when: { feature: 'support' }, to: { model: 'gpt-4.1-mini' } }],
          },
        },
        budgets: [
          { name: 'all-monthly', period: 'month', limit_usd: 20, mode: 'soft', alert_at: [0.5, 0.8, 1] },
          { name: 'team-weekly', per: 'team', period: 'week', limit_usd: 2, mode: 'hard' },
        ],
      }),
    );
    const app = createApp({ directory, now: () => now });
    ({ services } = await openServerServices(app, { db: join(directory, 'store.duckdb') }));
    const traffic = dailyTraffic();
    expect((await services.ingestBatch(traffic.map((value, index) => ({ index, value })), 'api')).accepted).toBe(traffic.length);
    const gateway = [
      ...[1, 2, 3, 4].map((hour) => gatewayCall({ input: 3000, output: 400, hour, routedFrom: 'gpt-4.1', outputCap: { action: 'clamped', field: 'max_tokens', limit: 400, requested: 1200 } })),
      gatewayCall({ input: 0, output: 0, hour: 5, status: 'error', refusal: { reason: 'budget_exceeded', budget: 'team-weekly' } }),
    ];
    expect((await services.ingestBatch(gateway.map((value, index) => ({ index, value })), 'gateway')).accepted).toBe(gateway.length);
    server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent', dashboardRoot: webRoot });

    // A server with no config and no calls: the pages' empty states.
    const emptyDirectory = mkdtempSync(join(tmpdir(), 'unitcost-dashboard-empty-'));
    const opened = await openServerServices(createApp({ directory: emptyDirectory, now: () => now }), { db: join(emptyDirectory, 'store.duckdb') });
    empty = { services: opened.services, server: await startServer({ services: opened.services, host: '127.0.0.1', port: 0, logLevel: 'silent', dashboardRoot: webRoot }) };

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
    await empty?.server.close();
    await empty?.services.close();
  });

  const api = async <T,>(base: string, path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

  it('draws a burn-down per budget and scope with the API\'s spend, forecast, breach day and alert points, in the one money format', async () => {
    interface Scope {
      value: string | null;
      spent_usd: number;
      forecast: { end_usd: number };
      breach: { day: string } | null;
      burn_down: { spent: unknown[]; forecast: unknown[]; alert_points: Array<{ at: number; reached_on: string | null }> };
    }
    const status = await api<{ budgets: Array<{ name: string; scopes: Scope[] }> }>(server.url, '/v1/budgets?burn_down=true');
    const expected = status.budgets.flatMap((budget) =>
      budget.scopes.map((scope) => [
        budget.name,
        scope.value ?? '',
        String(scope.spent_usd),
        String(scope.forecast.end_usd),
        scope.breach?.day ?? '',
        String(scope.burn_down.spent.length),
        String(scope.burn_down.forecast.length),
        scope.burn_down.alert_points.filter((point) => point.reached_on !== null).map((point) => `${point.at}@${point.reached_on}`).join(' '),
        usd(scope.spent_usd),
      ]),
    );
    // The monthly budget over all spend, and the weekly one for each team that spent.
    expect(expected.map((row) => row.slice(0, 2))).toEqual([
      ['all-monthly', ''],
      ['team-weekly', 'support'],
      ['team-weekly', 'search'],
    ]);
    // The figures are worth checking: a breach is projected or past, and an alert point was reached.
    expect(expected.some((row) => row[4] !== '')).toBe(true);
    expect(expected.some((row) => row[7] !== '')).toBe(true);

    await page.goto(`${server.url}/budgets`);
    const shown = () =>
      page.locator('[data-budget][data-spent]').evaluateAll((cards) =>
        cards.map((card) => [
          card.getAttribute('data-budget'),
          card.getAttribute('data-scope'),
          card.getAttribute('data-spent'),
          card.getAttribute('data-forecast-end'),
          card.getAttribute('data-breach'),
          card.getAttribute('data-days'),
          card.getAttribute('data-forecast-days'),
          card.getAttribute('data-alerts'),
          card.querySelector('[data-testid="budget-spent"]')?.textContent ?? null,
        ]),
      );
    await expect.poll(shown, slow).toEqual(expected);
    await expect.poll(() => page.locator('.budget-card canvas').count(), slow).toBe(expected.length);
    await expect.poll(() => page.locator('.budget-card .badge.hard').count()).toBe(2);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, 'budgets.png'), fullPage: true });

    // Without budgets, the page shows the YAML to add one.
    await page.goto(`${empty.server.url}/budgets`);
    await expect.poll(() => page.getByTestId('budgets-empty').textContent(), slow).toContain('limit_usd: 2000');
  });

  it("shows each gateway lever's measured saving and calls beside each policy's what-if estimate, as the API gives them", async () => {
    interface Lever {
      lever: string;
      calls: number;
      saved: { usd: number } | null;
      basis: string;
      what_if: Array<{ policy: string; savings_usd: number | null }>;
    }
    const effects = await api<{ levers: Lever[] }>(server.url, '/v1/gateway/effects');
    const expected = effects.levers.map((lever) => [lever.lever, String(lever.calls), lever.saved === null ? '' : String(lever.saved.usd), lever.basis]);
    const route = effects.levers.find((lever) => lever.lever === 'route')!;
    expect(route.calls).toBe(4);
    expect(route.saved!.usd).toBeGreaterThan(0);
    const estimates = effects.levers.flatMap((lever) => lever.what_if.map((estimate) => [estimate.policy, estimate.savings_usd === null ? '' : String(estimate.savings_usd)]));
    expect(estimates.map(([policy]) => policy)).toEqual(['gateway.policies.routes[0]', 'gateway.policies.output_caps[0]']);

    await page.goto(`${server.url}/gateway`);
    const rows = page.getByTestId('gateway-levers').locator('tbody tr');
    await expect
      .poll(() => rows.evaluateAll((cells) => cells.map((row) => [row.getAttribute('data-lever'), row.getAttribute('data-calls'), row.getAttribute('data-saved'), row.getAttribute('data-basis')])), slow)
      .toEqual(expected);
    const shownEstimates = await page.locator('.what-if-line').evaluateAll((lines) => lines.map((line) => [line.getAttribute('data-policy'), line.getAttribute('data-savings')]));
    expect(shownEstimates.sort()).toEqual([...estimates].sort());
    expect(await page.locator('tr[data-lever="route"] td.number span').textContent()).toBe(usd(route.saved!.usd));
    expect(await page.locator('[data-reason="budget_exceeded"]').getAttribute('data-calls')).toBe('1');
    await expect.poll(() => page.locator('canvas').count(), slow).toBe(1);
    expect(await page.getByTestId('gateway-policies').locator('li').count()).toBe(2 + 2);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, 'gateway.png'), fullPage: true });

    // A window without gateway calls explains how to send some.
    await page.goto(`${empty.server.url}/gateway`);
    await expect.poll(() => page.getByTestId('gateway-empty').textContent(), slow).toContain("baseURL: 'http://127.0.0.1:8788/v1'");
  });
});
