import { describe, expect, it } from 'vitest';
import { computeCost, convertUsage, createApp, formatPicodollarsExact } from './index.js';

describe('the library entry point', () => {
  it('prices a provider response the way the README shows', () => {
    const { catalog } = createApp({ directory: '/nonexistent' });
    const answer = catalog.priceAt('claude-opus-4-7', Date.parse('2026-11-01T12:00:00Z'));
    if (!answer.priced) throw new Error(answer.reason);
    const usage = convertUsage('anthropic', { input_tokens: 300, cache_read_input_tokens: 2000, output_tokens: 400 });
    const cost = computeCost(usage, answer.price.card);
    // 300 × $5/M + 2,000 × $0.50/M + 400 × $25/M
    expect(formatPicodollarsExact(cost.total)).toBe('0.0125');
  });
});

describe('the library entry point, over a store', () => {
  it('fills a DuckDB file with demo traffic and reports the same cost total as the CLI would', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { openStore, fillStoreWithDemo, runReport, reportJson } = await import('./index.js');
    const app = createApp({ directory: '/nonexistent', now: () => new Date('2026-03-20T12:00:00Z') });
    const db = join(mkdtempSync(join(tmpdir(), 'unitcost-lib-')), 'lib.duckdb');
    const store = await openStore(app, { db });
    let filled;
    try {
      filled = await fillStoreWithDemo(app, store, { events: 2_000, days: 10, seed: 3, endMs: Date.parse('2026-03-20T00:00:00Z') });
    } finally {
      await store.close();
    }
    const report = reportJson(await runReport(app, { db })) as { totals: { calls: number; cost_usd: number } };
    expect(report.totals.calls).toBe(filled.usageEvents);
    expect(report.totals.cost_usd).toBeGreaterThan(0);
  });
});

describe('the library entry point, simulating', () => {
  it('replays the stored calls under a scenario given as an object, as unitcost simulate does', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { openStore, fillStoreWithDemo, simulate } = await import('./index.js');
    const app = createApp({ directory: '/nonexistent', now: () => new Date('2026-03-20T12:00:00Z') });
    const db = join(mkdtempSync(join(tmpdir(), 'unitcost-lib-sim-')), 'lib.duckdb');
    const store = await openStore(app, { db });
    try {
      await fillStoreWithDemo(app, store, { events: 2_000, days: 10, seed: 3, endMs: Date.parse('2026-03-20T00:00:00Z') });
    } finally {
      await store.close();
    }
    const result = await simulate(app, { db, scenario: { name: 'library', value: { levers: [{ output_cap: { feature: 'coding-agent', max_tokens: 100 } }] } } });
    expect(result.total.scenario.cost_usd!).toBeLessThan(result.total.baseline.cost_usd!);
    expect(result.levers[0]!.risk.calls_truncated).toBeGreaterThan(0);
  });
});

describe('the library entry point, optimizing', () => {
  // Two optimize runs of ~9 s each (every lever replayed, then the plans designed): 30 s is too tight on 2 shared cores.
  it('ranks the levers with the stated defaults, and an overrides object replaces them', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { openStore, fillStoreWithDemo, optimize, optimizeDefaults } = await import('./index.js');
    const app = createApp({ directory: '/nonexistent', now: () => new Date('2026-03-20T12:00:00Z') });
    const db = join(mkdtempSync(join(tmpdir(), 'unitcost-lib-opt-')), 'lib.duckdb');
    const store = await openStore(app, { db });
    try {
      await fillStoreWithDemo(app, store, { events: 2_000, days: 10, seed: 3, endMs: Date.parse('2026-03-20T00:00:00Z') });
    } finally {
      await store.close();
    }
    const stated = await optimize(app, { db });
    expect(stated.defaults.route!.share).toBe(optimizeDefaults.route.share);
    const kinds = stated.ranked.map((entry) => entry.kind);
    expect(kinds).toEqual(expect.arrayContaining(['route', 'fine_tune', 'self_host']));
    const savings = stated.ranked.map((entry) => entry.savings_usd_per_month);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    const mine = await optimize(app, { db, overrides: { route: { share: 0.1 } } });
    expect(mine.defaults.route!.share).toBe(0.1);
    const routeSavings = (result: typeof stated) => result.ranked.find((entry) => entry.kind === 'route')!.savings_usd_per_month;
    expect(routeSavings(mine)).toBeLessThan(routeSavings(stated));
  }, 90_000);
});
