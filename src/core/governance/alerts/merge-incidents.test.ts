import { describe, expect, it } from 'vitest';
import type { AlertMute } from './alert-mute.js';
import type { FiredAlert } from './fired-alert.js';
import type { Incident } from './incident.js';
import { mergeIncidents, type MergeInput } from './merge-incidents.js';

function alert(overrides: Partial<FiredAlert> = {}): FiredAlert {
  return {
    key: 'anomaly:day:feature=support-faq:2026-08-12',
    rule: 'feature-spend',
    kind: 'spend_anomaly',
    severity: 'warning',
    scope: { feature: 'support-faq' },
    grain: 'day',
    windowStart: '2026-08-12T00:00:00.000Z',
    title: 'support-faq spent $8,020 on 2026-08-12, usually $2,000',
    value: 8020,
    threshold: 2000,
    ...overrides,
  };
}

// Runs evaluations in a row over the state each leaves, as delivery does, and returns every merge.
function evaluations(rounds: FiredAlert[][], options: { mutes?: AlertMute[]; resolveAfterMissed?: number } = {}) {
  let open: Incident[] = [];
  let next = 0;
  return rounds.map((fired, index) => {
    const input: MergeInput = {
      open,
      fired,
      mutes: options.mutes ?? [],
      now: new Date(Date.UTC(2026, 7, 12, 10 + index)).toISOString(),
      newId: () => `inc_${(next += 1)}`,
      resolveAfterMissed: options.resolveAfterMissed ?? 1,
    };
    const merge = mergeIncidents(input);
    const byId = new Map(open.map((incident) => [incident.id, incident]));
    for (const incident of merge.changed) byId.set(incident.id, incident);
    open = [...byId.values()].filter((incident) => incident.status === 'open');
    return merge;
  });
}

describe('mergeIncidents', () => {
  it('opens an incident for a new key and notifies once, however many evaluations fire it again', () => {
    const merges = evaluations([[alert()], [alert({ value: 8500 })], [alert({ value: 9000 })]]);
    expect(merges.map((merge) => merge.notifications.map((notification) => notification.event))).toEqual([['opened'], [], []]);
    expect(merges.map((merge) => merge.changed.map((incident) => incident.id))).toEqual([['inc_1'], ['inc_1'], ['inc_1']]);
    // The incident keeps the latest figures and counts the evaluations that saw it.
    expect(merges[2]!.changed[0]).toMatchObject({ status: 'open', evaluations: 3, openedAt: '2026-08-12T10:00:00.000Z', lastSeenAt: '2026-08-12T12:00:00.000Z', alert: { value: 9000 } });
  });

  it('resolves an incident at the first evaluation that no longer fires its key, and notifies the resolution', () => {
    const merges = evaluations([[alert()], []]);
    expect(merges[1]!.changed).toEqual([expect.objectContaining({ id: 'inc_1', status: 'resolved', resolvedAt: '2026-08-12T11:00:00.000Z' })]);
    expect(merges[1]!.notifications.map((notification) => [notification.event, notification.incident.id])).toEqual([['resolved', 'inc_1']]);
  });

  it('waits for as many missed evaluations as configured before resolving, and a firing in between resets the count', () => {
    const merges = evaluations([[alert()], [], [alert()], [], []], { resolveAfterMissed: 2 });
    expect(merges.map((merge) => merge.changed.map((incident) => [incident.status, incident.missedEvaluations]))).toEqual([
      [['open', 0]],
      [['open', 1]],
      [['open', 0]],
      [['open', 1]],
      [['resolved', 2]],
    ]);
    expect(merges.flatMap((merge) => merge.notifications.map((notification) => notification.event))).toEqual(['opened', 'resolved']);
  });

  it('opens a new incident when a resolved key fires again: a new episode', () => {
    const merges = evaluations([[alert()], [], [alert()]]);
    expect(merges[2]!.notifications.map((notification) => [notification.event, notification.incident.id])).toEqual([['opened', 'inc_2']]);
  });

  it('keeps one incident per key when an evaluation names a key twice, with the more severe reading', () => {
    const [merge] = evaluations([[alert(), alert({ severity: 'critical', value: 9000 })]]);
    expect(merge!.changed).toHaveLength(1);
    expect(merge!.changed[0]!.alert).toMatchObject({ severity: 'critical', value: 9000 });
  });

  it('opens a muted incident without notifying it, nor its resolution, and lets others through', () => {
    const mute: AlertMute = { id: 'mut_1', rule: null, scope: { feature: 'support-faq' }, until: '2026-08-13T00:00:00.000Z', reason: null, createdAt: '2026-08-12T09:00:00.000Z', createdBy: null };
    const other = alert({ key: 'anomaly:day:feature=search:2026-08-12', scope: { feature: 'search' } });
    const merges = evaluations([[alert(), other], []], { mutes: [mute] });
    expect(merges[0]!.changed.map((incident) => [incident.key, incident.muted])).toEqual([
      [alert().key, true],
      [other.key, false],
    ]);
    expect(merges.flatMap((merge) => merge.notifications.map((notification) => `${notification.event} ${notification.incident.alert.scope.feature}`))).toEqual(['opened search', 'resolved search']);
  });

  it('no longer mutes once the mute has expired, and matches a mute by rule', () => {
    const expired: AlertMute = { id: 'mut_1', rule: 'feature-spend', scope: null, until: '2026-08-12T09:00:00.000Z', reason: null, createdAt: '2026-08-11T09:00:00.000Z', createdBy: null };
    expect(evaluations([[alert()]], { mutes: [expired] })[0]!.notifications).toHaveLength(1);
    const byRule = { ...expired, until: '2026-08-20T00:00:00.000Z' };
    expect(evaluations([[alert()]], { mutes: [byRule] })[0]!.notifications).toHaveLength(0);
    expect(evaluations([[alert({ rule: 'another-rule' })]], { mutes: [byRule] })[0]!.notifications).toHaveLength(1);
  });
});
