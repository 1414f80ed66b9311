import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import type { IncidentsJson } from '../app/governance/alert-delivery-service.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import type { FiredAlert } from '../core/governance/alerts/fired-alert.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * The alerts page in Debian's chromium (one launch), over a server whose stand-in evaluator fires one spend
 * alert with its cause: the page shows the incident as the API lists it, and its buttons acknowledge and mute.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const chromiumPath = process.env.UNITCOST_CHROMIUM ?? '/usr/bin/chromium';
const slow = { timeout: 30_000 };
const pico = 10n ** 12n;

const spike: FiredAlert = {
  key: 'anomaly:day:feature=support-faq:2026-08-12',
  rule: 'feature-spend',
  kind: 'spend_anomaly',
  severity: 'critical',
  scope: { feature: 'support-faq' },
  grain: 'day',
  windowStart: '2026-08-12T00:00:00.000Z',
  title: 'support-faq spent $8,020 on 2026-08-12, usually $2,000',
  value: 8020,
  threshold: 2000,
  score: 9.2,
  cause: {
    baselinePicodollars: 2000n * pico,
    currentPicodollars: 8020n * pico,
    contributions: [
      { driver: 'output_tokens_per_call', deltaPicodollars: 5060n * pico, before: 310, after: 961 },
      { driver: 'calls', deltaPicodollars: 960n * pico, before: 1000, after: 1160 },
    ],
    summary: 'support-faq: output tokens per call ×3.1 since 2026-08-12 explains 84% of +$6,020',
  },
};

describe.skipIf(!existsSync(chromiumPath))('the alerts page in headless Chromium', { timeout: 180_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-alerts-page-'));
  let server: RunningServer;
  let services: ServerServices;
  let browser: Browser;

  beforeAll(async () => {
    const webRoot = join(directory, 'web');
    await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: webRoot, emptyOutDir: true } });
    const app = createApp({ now: () => new Date('2026-08-12T18:00:00Z'), directory: '/nonexistent-config-dir' });
    ({ services } = await openServerServices(app, { db: join(directory, 'store.duckdb'), alerts: { evaluate: async () => [spike], quietMs: 10, minIntervalMs: 0 } }));
    server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent', dashboardRoot: webRoot });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await services?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const incidents = async (): Promise<IncidentsJson> => (await (await fetch(`${server.url}/v1/alerts/incidents`)).json()) as IncidentsJson;

  it('lists the open incident with its cause and contributions, and acknowledges and mutes it', async () => {
    await expect.poll(async () => (await incidents()).incidents.length, slow).toBe(1);
    const [incident] = (await incidents()).incidents;
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await page.goto(`${server.url}/alerts`);
    const card = page.locator(`[data-incident="${incident!.id}"]`);
    await expect.poll(() => card.count(), slow).toBe(1);
    expect(await card.locator('[data-testid="cause"]').textContent()).toBe(incident!.alert.cause!.summary);
    expect(await card.locator('[data-driver]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-driver')))).toEqual(['output_tokens_per_call', 'calls']);
    expect(await card.locator('[data-driver="output_tokens_per_call"] td').last().textContent()).toMatch(/^\+\$5,060(\.00)?$/);
    expect(await page.locator('nav a.active').textContent()).toBe('Alerts');

    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => card.getAttribute('data-acknowledged'), slow).toBe('yes');
    expect((await incidents()).incidents[0]).toMatchObject({ id: incident!.id, acknowledged_by: 'local' });

    await card.getByRole('button', { name: 'Mute this rule here for a day' }).click();
    await expect.poll(() => page.locator('[data-mute]').count(), slow).toBe(1);
    expect((await incidents()).mutes).toEqual([expect.objectContaining({ rule: 'feature-spend', scope: { feature: 'support-faq' }, active: true })]);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts', 'alerts.png'), fullPage: true });

    await page.getByRole('button', { name: 'Unmute' }).click();
    await expect.poll(() => page.locator('[data-mute]').count(), slow).toBe(0);
    expect((await incidents()).mutes).toEqual([]);
  });
});
