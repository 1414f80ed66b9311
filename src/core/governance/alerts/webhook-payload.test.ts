import { describe, expect, it } from 'vitest';
import type { Incident } from './incident.js';
import { webhookPayload } from './webhook-payload.js';
import { alertsDeliverySchema, webhookWants } from './webhook-config.js';

const incident: Incident = {
  id: 'inc_1a2b',
  key: 'anomaly:day:feature=support-faq:2026-08-12',
  status: 'open',
  alert: {
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
    score: 7.5,
    cause: {
      baselinePicodollars: 2_000_000_000_000_000n,
      currentPicodollars: 8_020_000_000_000_001n,
      contributions: [
        { driver: 'output_tokens_per_call', deltaPicodollars: 5_056_800_000_000_001n, before: 310, after: 961 },
        { driver: 'calls', deltaPicodollars: 963_200_000_000_000n, before: 1000, after: 1160 },
      ],
      summary: 'support-faq: output tokens per call ×3.1 since 2026-08-12 explains 84% of +$6,020',
    },
  },
  openedAt: '2026-08-12T10:00:00.000Z',
  lastSeenAt: '2026-08-12T10:00:00.000Z',
  resolvedAt: null,
  evaluations: 1,
  missedEvaluations: 0,
  acknowledgedAt: null,
  acknowledgedBy: null,
  muted: false,
};

describe('webhookPayload', () => {
  it('carries the incident, the alert and its cause with exact picodollars, and a Slack text naming the cause', () => {
    const payload = webhookPayload('opened', incident, 'http://localhost:8787/');
    expect(payload).toMatchObject({ type: 'unitcost.incident', event: 'opened', idempotency_key: 'inc_1a2b:opened', incident: { id: 'inc_1a2b', status: 'open' }, alert: { rule: 'feature-spend', severity: 'critical', score: 7.5 } });
    // The alert as `unitcost alerts check --json` prints it: exact amounts as decimal strings of dollars.
    expect(payload.cause).toMatchObject({ change_usd_exact: '6020.000000000001', summary: incident.alert.cause!.summary });
    expect(payload.cause!.contributions.map((part) => part.delta_usd_exact)).toEqual(['5056.800000000001', '963.2']);
    expect(payload.text).toBe(
      ':rotating_light: [critical] support-faq spent $8,020 on 2026-08-12, usually $2,000\nsupport-faq: output tokens per call ×3.1 since 2026-08-12 explains 84% of +$6,020 (incident inc_1a2b) <http://localhost:8787/alerts|open in unitcost>',
    );
    expect(webhookPayload('resolved', { ...incident, status: 'resolved' }).text).toMatch(/^:white_check_mark: Resolved: support-faq spent/);
  });

});

describe('webhook config', () => {
  it('sends a webhook only the events and severities it asks for', () => {
    const { webhooks } = alertsDeliverySchema.parse({ webhooks: [{ name: 'slack', url: 'https://hooks.slack.com/services/T/B/X', secret_env: 'SLACK_SIGNING', events: ['opened'], min_severity: 'critical' }] });
    const [slack] = webhooks;
    expect([webhookWants(slack!, 'opened', 'critical'), webhookWants(slack!, 'opened', 'warning'), webhookWants(slack!, 'resolved', 'critical')]).toEqual([true, false, false]);
  });

  it('refuses a URL that is not http(s), and two webhooks of one name', () => {
    for (const url of ['ftp://example.com/hook', 'file:///etc/passwd', 'javascript:alert(1)', 'example.com/hook', 'http://']) {
      const result = alertsDeliverySchema.safeParse({ webhooks: [{ name: 'a', url, secret_env: 'S' }] });
      expect(result.success, url).toBe(false);
      expect(result.error!.issues[0]).toMatchObject({ path: ['webhooks', 0, 'url'], message: 'must be an http:// or https:// URL' });
    }
    const twice = alertsDeliverySchema.safeParse({ webhooks: [{ name: 'a', url: 'http://127.0.0.1/a', secret_env: 'S' }, { name: 'a', url: 'http://127.0.0.1/b', secret_env: 'S' }] });
    expect(twice.error!.issues[0]).toMatchObject({ path: ['webhooks', 1, 'name'] });
  });
});
