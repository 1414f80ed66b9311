import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../core/demo/seeded-random.js';
import type { FiredAlert } from '../../core/governance/alerts/fired-alert.js';
import { DuckdbStore } from '../../store/duckdb/duckdb-store.js';
import { createApp, type App } from '../create-app.js';
import { ingestFiles } from '../ingest-service.js';
import { evaluateAlerts } from './evaluate-alerts.js';

/*
 * Eight weeks of seeded traffic (2026-06-22 to 2026-08-16), written through the ingest path so that every
 * call is priced by the catalog, with one incident per cause and a weekend dip that is not an incident:
 *   search       traffic ×4 on Wednesday 2026-07-29 only              → calls
 *   translate    its model's price doubles from 2026-08-03 (dated)    → price
 *   chat         80% of calls routed to a 5× pricier model from 08-07 → model_mix
 *   summarize    prompts 2.5× longer from 2026-08-10                  → input_tokens_per_call
 *   support-faq  outputs 3× longer from 2026-08-12                    → output_tokens_per_call
 *   everything   at 40% over the weekend of 2026-07-25/26             → nothing
 * Weekends are quiet (half of a weekday) throughout, and every call's tokens jitter by ±10%.
 */
const dayMs = 86_400_000;
const firstDay = Date.parse('2026-06-22T00:00:00Z');
const days = 56;
const features = ['search', 'translate', 'chat', 'summarize', 'support-faq'] as const;

function callsOf(feature: (typeof features)[number], dayStart: number, random: SeededRandom): string[] {
  const day = new Date(dayStart).toISOString().slice(0, 10);
  const weekday = (new Date(dayStart).getUTCDay() + 6) % 7;
  let perHour = weekday < 5 ? 4 : 2;
  if (day === '2026-07-25' || day === '2026-07-26') perHour = 1;
  if (feature === 'search' && day === '2026-07-29') perHour *= 4;
  const lines: string[] = [];
  for (let hour = 0; hour < 24; hour += 1) {
    for (let index = 0; index < perHour; index += 1) {
      const jitter = () => 0.9 + 0.2 * random.next();
      let input = 4000;
      let output = 400;
      let model = feature === 'translate' ? 'acme-tr' : 'acme-small';
      if (feature === 'summarize' && day >= '2026-08-10') input *= 2.5;
      if (feature === 'support-faq' && day >= '2026-08-12') output *= 3;
      if (feature === 'chat' && day >= '2026-08-07' && index % 5 !== 0) model = 'acme-large';
      lines.push(
        JSON.stringify({
          timestamp: new Date(dayStart + hour * 3_600_000 + index * 60_000).toISOString(),
          provider: 'acme',
          model,
          input_tokens: Math.round(input * jitter()),
          output_tokens: Math.round(output * jitter()),
          feature,
          team: feature === 'chat' || feature === 'support-faq' ? 'support' : 'platform',
        }),
      );
    }
  }
  return lines;
}

const config = {
  models: [
    { id: 'acme-small', provider: 'acme', prices: { input: 2, output: 8 } },
    { id: 'acme-large', provider: 'acme', prices: { input: 10, output: 40 } },
    { id: 'acme-tr', provider: 'acme', prices: [{ input: 2, output: 8 }, { input: 4, output: 16, effective_from: '2026-08-03' }] },
  ],
  alerts: [
    { name: 'feature-daily', kind: 'spend_anomaly', per: 'feature', grain: 'day', min_increase_usd: 0.5 },
    { name: 'search-hourly', kind: 'spend_anomaly', per: 'feature', equals: 'search', grain: 'hour', min_increase_usd: 0.05, severity: 'critical' },
  ],
  budgets: [{ name: 'support-weekly', per: 'team', equals: 'support', period: 'week', limit_usd: 9, mode: 'soft', alert_at: [0.5, 1] }],
};

let directory: string;
let store: DuckdbStore;
let app: App;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'unitcost-alerts-'));
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify(config));
  const random = new SeededRandom(13);
  const lines: string[] = [];
  for (let day = 0; day < days; day += 1) for (const feature of features) lines.push(...callsOf(feature, firstDay + day * dayMs, random));
  writeFileSync(join(directory, 'events.jsonl'), `${lines.join('\n')}\n`);
  app = createApp({ directory, environment: {}, now: () => new Date('2026-08-17T00:00:00Z') });
  store = await DuckdbStore.open(join(directory, 'store.duckdb'), { threads: 1 });
  const result = await ingestFiles(app, store, [join(directory, 'events.jsonl')]);
  expect(result.totals).toMatchObject({ rejected: 0, unpriced: 0 });
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(directory, { recursive: true, force: true });
});

// Evaluated as cron would, at the end of every day from 2026-07-20 to 2026-08-16.
async function everyEvening(): Promise<Array<{ day: string; alerts: FiredAlert[] }>> {
  const evenings: Array<{ day: string; alerts: FiredAlert[] }> = [];
  for (let nowMs = Date.parse('2026-07-21T00:00:00Z') - 1; nowMs < Date.parse('2026-08-17T00:00:00Z'); nowMs += dayMs) {
    evenings.push({ day: new Date(nowMs).toISOString().slice(0, 10), alerts: await evaluateAlerts(app, store, nowMs) });
  }
  return evenings;
}

describe('evaluateAlerts over seeded traffic', () => {
  let evenings: Array<{ day: string; alerts: FiredAlert[] }>;
  beforeAll(async () => {
    evenings = await everyEvening();
  }, 120_000);

  it('alerts each incident once, naming its cause, and says nothing of the quiet weekend or the dip', () => {
    const anomalies = new Map<string, FiredAlert>();
    for (const evening of evenings) for (const alert of evening.alerts) if (alert.rule === 'feature-daily' && !anomalies.has(alert.key)) anomalies.set(alert.key, alert);
    const byFeature = [...anomalies.values()].map((alert) => [alert.scope.feature, alert.cause!.contributions.find((part) => part.deltaPicodollars === maxDelta(alert))!.driver, alert.key]);
    expect(byFeature.sort()).toEqual([
      ['chat', 'model_mix', 'anomaly:feature-daily:daily:feature=chat:2026-08-07'],
      ['search', 'calls', 'anomaly:feature-daily:daily:feature=search:2026-07-29'],
      ['summarize', 'input_tokens_per_call', 'anomaly:feature-daily:daily:feature=summarize:2026-08-10'],
      ['support-faq', 'output_tokens_per_call', 'anomaly:feature-daily:daily:feature=support-faq:2026-08-12'],
      ['translate', 'price', 'anomaly:feature-daily:daily:feature=translate:2026-08-03'],
    ]);
    // Delivery opens an incident per key and resolves it at the first evaluation without it: each key fires on consecutive evenings only.
    for (const key of anomalies.keys()) {
      const fired = evenings.map((evening, index) => (evening.alerts.some((alert) => alert.key === key) ? index : -1)).filter((index) => index >= 0);
      expect({ key, gaps: fired.length - 1 - (fired.at(-1)! - fired[0]!) }).toEqual({ key, gaps: 0 });
    }
    const dipDays = ['2026-07-25', '2026-07-26', '2026-08-01', '2026-08-02'];
    expect(evenings.filter((evening) => dipDays.includes(evening.day)).flatMap((evening) => evening.alerts.filter((alert) => alert.kind === 'spend_anomaly'))).toEqual([]);
  });

  it('alerts the spike hour by hour as one episode, from its first hour, read from the raw events', () => {
    const hourly = evenings.flatMap((evening) => evening.alerts.filter((alert) => alert.rule === 'search-hourly'));
    expect([...new Set(hourly.map((alert) => alert.key))]).toEqual(['anomaly:search-hourly:hourly:feature=search:2026-07-29T00:00Z']);
    expect(hourly[0]).toMatchObject({ severity: 'critical', grain: 'hour', windowStart: '2026-07-29T23:00:00.000Z' });
    expect(hourly[0]!.cause!.summary).toMatch(/^search: calls ×4\.0 since 2026-07-29T00:00Z explains 100% of \+\$0\.\d\d$/);
  });

  it('decomposes each change exactly, and names the top contributor in words', () => {
    const alerts = evenings.flatMap((evening) => evening.alerts).filter((alert) => alert.kind === 'spend_anomaly');
    expect(alerts.length).toBeGreaterThan(5);
    for (const alert of alerts) {
      const cause = alert.cause!;
      expect(cause.contributions.reduce((sum, part) => sum + part.deltaPicodollars, 0n)).toBe(cause.currentPicodollars - cause.baselinePicodollars);
    }
    const faq = alerts.find((alert) => alert.scope.feature === 'support-faq')!;
    expect(faq.cause!.summary).toMatch(/^support-faq: output tokens per call ×(2\.9|3\.0|3\.1) since 2026-08-12 explains (\d+)% of \+\$\d+\.\d\d$/);
    expect(Number(/explains (\d+)%/.exec(faq.cause!.summary)![1])).toBeGreaterThan(80);
    const chat = alerts.find((alert) => alert.scope.feature === 'chat')!;
    expect(chat.cause!.summary).toContain('routing to acme-large');
  });

  it('forecasts the breach of a budget before it happens, then alerts the point passed', () => {
    // The support team spends about $2.16 a weekday and $1.08 a weekend day: $9 goes on the Friday of a normal week.
    const monday = evenings.find((evening) => evening.day === '2026-07-20')!;
    const projected = monday.alerts.find((alert) => alert.kind === 'budget_projected_breach');
    expect(projected).toMatchObject({ key: 'budget_projected_breach:support-weekly:team=support:2026-07-20', severity: 'warning', scope: { team: 'support' } });
    expect(projected!.title).toMatch(/projected to reach its \$9\.00 limit on 2026-07-2[3-4]/);
    const reached = evenings.find((evening) => evening.alerts.some((alert) => alert.key === 'budget_point:support-weekly:team=support:2026-07-20:1'));
    expect(reached!.day > '2026-07-20').toBe(true);
  });
});

function maxDelta(alert: FiredAlert): bigint {
  return alert.cause!.contributions.reduce((best, part) => (part.deltaPicodollars > best ? part.deltaPicodollars : best), -(10n ** 30n));
}
