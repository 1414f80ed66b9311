import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../core/governance/alerts/incident.js';
import type { AlertStateStore, OutboxEntry } from './alert-state-store.js';

/*
 * What every backend of alert state owes delivery, as one suite (like store-contract.ts): a backend's test
 * file calls describeAlertStateContract with a function that opens fresh, empty state.
 */

/** An open incident for tests; overrides replace fields. */
export function incidentRow(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc_1',
    key: 'budget_point:support-daily:team=support:2026-12-02:0.8',
    status: 'open',
    alert: {
      key: 'budget_point:support-daily:team=support:2026-12-02:0.8',
      rule: 'support-daily',
      kind: 'budget_point',
      severity: 'warning',
      scope: { team: 'support' },
      grain: 'day',
      windowStart: '2026-12-02T00:00:00.000Z',
      title: 'support-daily (team=support): $41 spent of $50 this day, past 80%',
      value: 0.82,
      threshold: 0.8,
    },
    openedAt: '2026-12-02T10:00:00.000Z',
    lastSeenAt: '2026-12-02T10:00:00.000Z',
    resolvedAt: null,
    evaluations: 1,
    missedEvaluations: 0,
    acknowledgedAt: null,
    acknowledgedBy: null,
    muted: false,
    ...overrides,
  };
}

function outboxRow(overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  return { webhook: 'ops', incidentId: 'inc_1', event: 'opened', body: '{"event":"opened"}', createdAt: '2026-12-02T10:00:00.000Z', attempts: 0, nextAttemptAt: '2026-12-02T10:00:00.000Z', deliveredAt: null, lastError: null, ...overrides };
}

/** Runs the alert state contract against a backend; open must return new, empty state, and close release it. */
export function describeAlertStateContract(name: string, open: () => Promise<{ state: AlertStateStore; close: () => Promise<void> }>): void {
  describe(`${name} alert state contract`, () => {
    let state: AlertStateStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ state, close } = await open());
    });
    afterEach(async () => {
      await close();
    });

    it('keeps incidents as written, and replaces one written again under its id', async () => {
      await state.saveMerge([incidentRow(), incidentRow({ id: 'inc_2', key: 'other', openedAt: '2026-12-02T11:00:00.000Z' })], []);
      await state.saveMerge([incidentRow({ evaluations: 2, lastSeenAt: '2026-12-02T11:00:00.000Z' })], []);
      expect(await state.openIncidents()).toEqual([incidentRow({ evaluations: 2, lastSeenAt: '2026-12-02T11:00:00.000Z' }), incidentRow({ id: 'inc_2', key: 'other', openedAt: '2026-12-02T11:00:00.000Z' })]);
      await state.saveMerge([incidentRow({ id: 'inc_2', key: 'other', status: 'resolved', resolvedAt: '2026-12-02T12:00:00.000Z', openedAt: '2026-12-02T11:00:00.000Z' })], []);
      expect((await state.openIncidents()).map((incident) => incident.id)).toEqual(['inc_1']);
      expect((await state.incidents({ status: 'resolved', limit: 10 })).map((incident) => incident.id)).toEqual(['inc_2']);
      // Newest first.
      expect((await state.incidents({ limit: 10 })).map((incident) => incident.id)).toEqual(['inc_2', 'inc_1']);
      expect(await state.incident('inc_nope')).toBeNull();
    });

    it('keeps the first acknowledgement', async () => {
      await state.saveMerge([incidentRow()], []);
      expect(await state.acknowledge('inc_1', 'on-call', '2026-12-02T10:05:00.000Z')).toMatchObject({ acknowledgedBy: 'on-call', acknowledgedAt: '2026-12-02T10:05:00.000Z' });
      expect(await state.acknowledge('inc_1', 'someone-else', '2026-12-02T10:09:00.000Z')).toMatchObject({ acknowledgedBy: 'on-call', acknowledgedAt: '2026-12-02T10:05:00.000Z' });
      expect(await state.acknowledge('inc_nope', 'on-call', '2026-12-02T10:05:00.000Z')).toBeNull();
    });

    it('adds, lists and deletes mutes', async () => {
      const mute = { id: 'mut_1', rule: null, scope: { feature: 'search' }, until: '2026-12-09T00:00:00.000Z', reason: 'launch', createdAt: '2026-12-02T10:00:00.000Z', createdBy: 'on-call' };
      await state.addMute(mute);
      await state.addMute({ ...mute, id: 'mut_2', rule: 'feature-spend', scope: null, reason: null, createdBy: null, createdAt: '2026-12-02T11:00:00.000Z' });
      expect(await state.mutes()).toEqual([mute, { ...mute, id: 'mut_2', rule: 'feature-spend', scope: null, reason: null, createdBy: null, createdAt: '2026-12-02T11:00:00.000Z' }]);
      expect(await state.deleteMute('mut_1')).toBe(true);
      expect(await state.deleteMute('mut_1')).toBe(false);
      expect((await state.mutes()).map((kept) => kept.id)).toEqual(['mut_2']);
    });

    it('queues a notification once, hands out only the due ones, and records attempts until delivered', async () => {
      await state.saveMerge([incidentRow()], [outboxRow(), outboxRow({ webhook: 'finance', nextAttemptAt: '2026-12-02T10:30:00.000Z' })]);
      // The same notification queued again (a later evaluation) changes nothing.
      await state.saveMerge([], [outboxRow({ body: 'changed' })]);
      expect((await state.dueDeliveries('2026-12-02T10:00:00.000Z', 10)).map((entry) => [entry.webhook, entry.body])).toEqual([['ops', '{"event":"opened"}']]);
      expect(await state.nextDeliveryAt()).toBe('2026-12-02T10:00:00.000Z');
      await state.recordAttempt(outboxRow(), { delivered: false, at: '2026-12-02T10:00:01.000Z', error: 'the receiver answered 503', nextAttemptAt: '2026-12-02T10:00:11.000Z' });
      expect(await state.dueDeliveries('2026-12-02T10:00:05.000Z', 10)).toEqual([]);
      expect(await state.nextDeliveryAt()).toBe('2026-12-02T10:00:11.000Z');
      await state.recordAttempt(outboxRow(), { delivered: true, at: '2026-12-02T10:00:12.000Z' });
      await state.recordAttempt(outboxRow({ webhook: 'finance' }), { delivered: false, at: '2026-12-02T10:30:01.000Z', error: 'no answer', nextAttemptAt: null });
      // In the order they were queued, then by webhook name.
      expect(await state.deliveries('inc_1')).toEqual([
        outboxRow({ webhook: 'finance', attempts: 1, nextAttemptAt: null, lastError: 'no answer' }),
        outboxRow({ attempts: 2, nextAttemptAt: null, deliveredAt: '2026-12-02T10:00:12.000Z' }),
      ]);
      expect(await state.outboxCounts()).toEqual({ pending: 0, delivered: 1, abandoned: 1 });
      expect(await state.nextDeliveryAt()).toBeNull();
    });
  });
}
