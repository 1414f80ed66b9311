import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import { statementOver, type StatementStore } from '../app/governance/statement-service.js';
import type { ServerServices } from '../app/server-types.js';
import { buildGatewayEvent, type GatewayCall } from '../core/gateway/gateway-event.js';
import { normalizedUsage } from '../core/usage/normalized-usage.js';
import { exactPicodollars, type StatementJson } from '../core/governance/statements/statement-json.js';
import { usd } from '../../web/src/format.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * The gateway, budgets and statements pages in Debian's chromium (playwright-core), one browser for all, against the built
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

describe.skipIf(!existsSync(chromiumPath))('the gateway, budgets and statements pages in headless Chromium', { timeout: 180_000 }, () => {
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
    // February closed for chargeback (as the CLI does, on the store), then a late call without a team lands in it:
    // the statements page shows the closed period, changed since, and the adjustment the next chargeback carries.
    await services.readStore((store) => statementOver(app, store as unknown as StatementStore, { period: '2026-02', by: 'team', mode: 'chargeback' }));
    const late = [{ id: 'late-february', timestamp: '2026-02-27T12:00:00Z', provider: 'openai', model: 'gpt-4.1', input_tokens: 40_000, output_tokens: 8_000, feature: 'support' }];
    expect((await services.ingestBatch(late.map((value, index) => ({ index, value })), 'api')).accepted).toBe(1);
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

  it("draws the statement's lines, closed period and pending adjustment as the API gives them, and links the printable page, the CSV and the FOCUS file", async () => {
    const statement = await api<StatementJson>(server.url, '/v1/statements?period=2026-03&by=team');
    const expectedLines = statement.lines.map((line) => [line.group, line.direct.exact, line.shared.exact, line.total.exact, usd(line.direct.usd), usd(line.shared.usd), usd(line.total.usd)]);
    expect(expectedLines.map(([group]) => group)).toEqual(['search', 'support']);
    // The late call in closed February: an adjustment per team, pending for the next chargeback.
    expect(statement.closed_periods).toEqual([expect.objectContaining({ statement_id: 'team-2026-02', changed_since_close: true })]);
    const expectedAdjustments = statement.adjustments.map((line) => [line.statement_id, line.group, line.total.exact]);
    expect(expectedAdjustments.map(([id, group]) => `${id}/${group}`).sort()).toEqual(['team-2026-02/search', 'team-2026-02/support']);

    await page.goto(`${server.url}/statements?period=2026-03&by=team`);
    const lines = page.getByTestId('statement-lines').locator('tbody tr[data-group]');
    await expect
      .poll(
        () =>
          lines.evaluateAll((rows) =>
            rows.map((row) => {
              const cells = [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '');
              return [row.getAttribute('data-group'), row.getAttribute('data-direct'), row.getAttribute('data-shared'), row.getAttribute('data-total'), cells[2], cells[3], cells[4]];
            }),
          ),
        slow,
      )
      .toEqual(expectedLines);
    expect(await page.getByTestId('statement').getAttribute('data-total')).toBe(statement.total.exact);
    expect(await page.getByTestId('statement-total').locator('td').nth(4).textContent()).toBe(usd(statement.total.usd));
    expect(await page.getByTestId('statement-adjustments').locator('tr[data-adjusts]').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-adjusts'), row.getAttribute('data-group'), row.getAttribute('data-total')]))).toEqual(
      expectedAdjustments,
    );
    expect(await page.getByTestId('statement-closed').locator('li[data-statement="team-2026-02"]').getAttribute('data-changed')).toBe('true');

    // The printable page and the CSV answer as linked.
    const printable = await fetch(new URL((await page.getByTestId('statement-printable').getAttribute('href'))!, server.url));
    expect(printable.status).toBe(200);
    expect(await printable.text()).toContain('Showback statement — 2026-03 by team');
    const csvLink = await fetch(new URL((await page.getByTestId('statement-csv').getAttribute('href'))!, server.url));
    expect(csvLink.headers.get('content-disposition')).toBe('attachment; filename=statement-team-2026-03-showback.csv');

    // The FOCUS file of the same period: the link answers with the file as an attachment, and the browser saves it under that name.
    const focusHref = (await page.getByTestId('focus-download').getAttribute('href'))!;
    expect(focusHref).toBe('/v1/export/focus?from=2026-03-01&to=2026-04-01&format=csv');
    const focus = await fetch(new URL(focusHref, server.url));
    expect(focus.status).toBe(200);
    expect(focus.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(focus.headers.get('content-disposition')).toBe('attachment; filename=focus-2026-03-01-2026-04-01.csv');
    expect(focus.headers.get('x-unitcost-billed-picodollars')).toBe(exactPicodollars(statement.total.exact).toString());
    await focus.arrayBuffer();
    await page.locator('select[name="focus-format"]').selectOption('parquet');
    const [download] = await Promise.all([page.waitForEvent('download', slow), page.getByTestId('focus-download').click()]);
    expect(download.suggestedFilename()).toBe('focus-2026-03-01-2026-04-01.parquet');
    await page.screenshot({ path: join(artifacts, 'statements.png'), fullPage: true });

    // An ISO week instead of a month: the week holding the month's first day, and the FOCUS link follows it.
    await page.locator('select[name="kind"]').selectOption('week');
    await expect.poll(() => page.locator('input[name="period"]').inputValue(), slow).toBe('2026-W09');
    await expect.poll(() => page.getByTestId('focus-download').getAttribute('href'), slow).toMatch(/from=2026-02-23&to=2026-03-02/);

    // The chargeback statement of the closed period, one click away, frozen: without the late call.
    await page.getByTestId('statement-closed').locator('li[data-statement="team-2026-02"] a').click();
    const frozen = await api<StatementJson>(server.url, '/v1/statements?period=2026-02&by=team&mode=chargeback');
    await expect.poll(() => page.getByTestId('statement').getAttribute('data-mode'), slow).toBe('chargeback');
    expect(await page.getByTestId('statement').getAttribute('data-total')).toBe(frozen.total.exact);
    expect(await page.getByTestId('statement-due').textContent()).toContain(usd(frozen.due.usd));

    // Without calls in the period, the page explains the statements: config and closing with the CLI; the default period is last month.
    await page.goto(`${empty.server.url}/statements`);
    await expect.poll(() => page.getByTestId('statements-empty').textContent(), slow).toContain('statements:');
    expect(await page.getByTestId('statements-empty').textContent()).toContain('--mode chargeback');
    const today = new Date();
    expect(await page.locator('input[name="period"]').inputValue()).toBe(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1)).toISOString().slice(0, 7));

    // Once the server wants a key, a plain link cannot send it: the page fetches the file with the tab's key and saves that.
    // (Last: the empty server keeps its key from here on.)
    const { key } = await empty.services.keys.create('statements-page', 'read');
    expect((await fetch(`${empty.server.url}/v1/export/focus?from=2026-02-01&to=2026-03-01`)).status).toBe(401);
    await page.goto(`${empty.server.url}/statements?period=2026-02`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.getByTestId('statements-empty').count(), slow).toBe(1);
    const [keyed] = await Promise.all([page.waitForEvent('download', slow), page.getByTestId('focus-download').click()]);
    expect(keyed.suggestedFilename()).toBe('focus-2026-02-01-2026-03-01.csv');
    expect(readFileSync((await keyed.path())!, 'utf8').split('\n')[0]).toContain('BilledCost');
  });
});
