import { describe, expect, it } from 'vitest';
import type { FiredAlert } from '../core/governance/alerts/fired-alert.js';
import { alertFromStoredText, storedAlertText } from './stored-alert.js';

describe('stored alerts', () => {
  it('reads back the alert it kept, picodollars exact past the range of a double', () => {
    const alert: FiredAlert = {
      key: 'anomaly:day:feature=support-faq:2026-08-12',
      rule: 'feature-spend',
      kind: 'spend_anomaly',
      severity: 'critical',
      scope: { feature: 'support-faq' },
      grain: 'day',
      windowStart: '2026-08-12T00:00:00.000Z',
      title: 'support-faq spent $8,020',
      value: 8020,
      threshold: 2000,
      score: 7.5,
      cause: {
        baselinePicodollars: 2_000_000_000_000_000n,
        currentPicodollars: 8_020_000_000_000_001n,
        contributions: [
          { driver: 'model_mix', deltaPicodollars: 6_019_999_999_999_999n, before: 0.1, after: 0.7, detail: 'claude-opus-4-7' },
          { driver: 'calls', deltaPicodollars: 2n },
        ],
        summary: 'support-faq: routing to claude-opus-4-7 explains 100% of +$6,020',
      },
    };
    expect(alertFromStoredText(storedAlertText(alert))).toEqual(alert);
    const { cause: _cause, ...plain } = alert;
    expect(alertFromStoredText(storedAlertText(plain))).toEqual(plain);
  });
});
