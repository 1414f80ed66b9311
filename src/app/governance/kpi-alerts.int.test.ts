import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../core/kpi/report-periods.js';
import { createDuckdbReportReader } from '../../store/duckdb/report-duckdb-reader.js';
import { createTestReportStore, type TestReportStore } from '../../store/duckdb/report-test-store.js';
import { createApp } from '../create-app.js';
import { evaluateAlerts } from './evaluate-alerts.js';

let store: TestReportStore;

// Two weeks of chat and search hitting the prompt cache 75% of the time; today chat hits it 40%, search 74%.
beforeAll(async () => {
  store = await createTestReportStore();
  for (let day = 14; day >= 1; day -= 1) {
    const date = addDays('2026-12-02', -day);
    await store.addCalls(['chat', 'search'].map((feature) => ({ ts: `${date}T12:00:00Z`, feature, input: 1000, cacheRead: 750, costUsd: 1, responseCache: 'hit' as const })));
  }
  await store.addCalls([
    { ts: '2026-12-02T09:00:00Z', feature: 'chat', input: 1000, cacheRead: 400, costUsd: 1, responseCache: 'miss' },
    { ts: '2026-12-02T09:00:00Z', feature: 'search', input: 1000, cacheRead: 740, costUsd: 1, responseCache: 'hit' },
  ]);
});
afterAll(() => store.dispose());

function appWith(alerts: unknown[]) {
  writeFileSync(join(store.directory, 'unitcost.config.json'), JSON.stringify({ alerts }));
  return createApp({ directory: store.directory, environment: {} });
}

describe('kpi_threshold rules over the store', () => {
  const nowMs = Date.parse('2026-12-02T12:00:00Z');

  it('alerts the feature whose prompt cache hit rate dropped from its usual 75% under 50%, and not the other', async () => {
    const alerts = await evaluateAlerts(appWith([{ name: 'cache', kind: 'kpi_threshold', kpi: 'prompt_cache_hit_rate', per: 'feature', below: 0.5 }]), createDuckdbReportReader(store.database.connection), nowMs);
    expect(alerts.map((alert) => [alert.key, alert.value, alert.threshold])).toEqual([['kpi:cache:feature=chat:2026-12-02', 0.4, 0.5]]);
    expect(alerts[0]!.title).toBe('chat: prompt cache hit rate 40% today, down from 75% over the 14 days before');
  });

  it('alerts a response cache that stopped answering, by points of drop', async () => {
    const alerts = await evaluateAlerts(appWith([{ name: 'responses', kind: 'kpi_threshold', kpi: 'response_cache_hit_rate', per: 'feature', max_drop_points: 50, grain: 'day' }]), createDuckdbReportReader(store.database.connection), nowMs);
    expect(alerts.map((alert) => alert.scope)).toEqual([{ feature: 'chat' }]);
  });
});
