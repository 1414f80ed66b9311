import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSimulationScenario } from '../config/simulation-scenario-file.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import type { TimeRange } from '../store/event-writer.js';
import type { Store } from '../store/store.js';
import { createApp } from './create-app.js';
import { fillStoreWithDemo } from './demo-service.js';
import { newBaselineCache, simulateOnStore } from './simulate-service.js';

/*
 * The window simulate replays by default runs from the first stored day to the day after the last: it holds every
 * stored call, so the pricing groups read to find it are the window's too, and the calls are not grouped twice
 * (a scan of every call: 0.1–0.3 s at 10M). A window given on the command line still has its own groups.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-window-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
let store: DuckdbStore;

beforeAll(async () => {
  store = await DuckdbStore.open(join(directory, 'demo.duckdb'));
  await fillStoreWithDemo(app, store, { events: 3_000, days: 10, endMs, seed: 3 });
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

// The store, and the ranges its pricing groups were asked for.
function counted(): { store: Store; ranges: TimeRange[] } {
  const ranges: TimeRange[] = [];
  const pricingGroups = (range: TimeRange) => {
    ranges.push(range);
    return store.pricingGroups(range);
  };
  return { store: new Proxy(store, { get: (target, name) => (name === 'pricingGroups' ? pricingGroups : Reflect.get(target, name)) }) as Store, ranges };
}

const scenario = () => loadSimulationScenario({ value: { name: 'test', levers: [{ output_cap: { feature: 'doc-summarizer', max_tokens: 200 } }] }, name: 'scenario' });

describe('simulate: the pricing groups of its window', () => {
  it('reads the stored calls once when the window is the stored one, with the result of a window given the same days', async () => {
    const stored = counted();
    const byDefault = await simulateOnStore(app, stored.store, scenario(), { baseline: newBaselineCache() });
    expect(stored.ranges).toEqual([{}]);

    const given = counted();
    const from = new Date(`${byDefault.window.from}T00:00:00Z`);
    const to = new Date(`${byDefault.window.to}T00:00:00Z`);
    const byDates = await simulateOnStore(app, given.store, scenario(), { from, to, baseline: newBaselineCache() });
    expect(given.ranges).toEqual([{ fromMs: from.getTime(), toMs: to.getTime() }]);
    expect(byDates).toEqual(byDefault);
  }, 60_000);
});
