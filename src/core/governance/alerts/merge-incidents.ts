import { muteCovers, type AlertMute } from './alert-mute.js';
import type { FiredAlert } from './fired-alert.js';
import type { Incident } from './incident.js';
import type { IncidentEvent } from './webhook-config.js';

/** What one evaluation changes: incidents to write, and the events to notify (once each). */
export interface IncidentMerge {
  /** Every incident whose row changes: new ones, updated ones, resolved ones. */
  changed: Incident[];
  /** One per incident opened (not muted) or resolved (that was notified when it opened). */
  notifications: Array<{ event: IncidentEvent; incident: Incident }>;
}

/** What merging needs besides the evaluation: the state so far, the clock, and how new incidents are named. */
export interface MergeInput {
  /** The incidents open before this evaluation. */
  open: Incident[];
  /** What this evaluation fired. */
  fired: FiredAlert[];
  mutes: AlertMute[];
  /** The evaluation's instant, ISO. */
  now: string;
  /** A new incident's id (the caller owns randomness). */
  newId: (alert: FiredAlert) => string;
  /** Evaluations in a row a key must be absent before its incident resolves (1: the first that misses it). */
  resolveAfterMissed: number;
}

/**
 * Turns one evaluation into incident changes. A key not open yet opens an incident and notifies once; a key
 * already open updates it (latest figures, no notification); an open key this evaluation did not fire counts a
 * miss, and resolves once it has missed resolveAfterMissed evaluations in a row. A key that fires again after
 * its incident resolved opens a new one: it is a new episode.
 */
export function mergeIncidents(input: MergeInput): IncidentMerge {
  const nowMs = Date.parse(input.now);
  const openByKey = new Map(input.open.map((incident) => [incident.key, incident]));
  const firedByKey = new Map<string, FiredAlert>();
  // One condition, one incident: should an evaluation name a key twice, the more severe reading wins.
  for (const alert of input.fired) {
    const earlier = firedByKey.get(alert.key);
    if (!earlier || severityRank(alert.severity) > severityRank(earlier.severity)) firedByKey.set(alert.key, alert);
  }
  const changed: Incident[] = [];
  const notifications: IncidentMerge['notifications'] = [];
  for (const [key, alert] of firedByKey) {
    const open = openByKey.get(key);
    if (open) {
      changed.push({ ...open, alert, lastSeenAt: input.now, evaluations: open.evaluations + 1, missedEvaluations: 0 });
      continue;
    }
    const muted = input.mutes.some((mute) => muteCovers(mute, alert, nowMs));
    const incident: Incident = {
      id: input.newId(alert),
      key,
      status: 'open',
      alert,
      openedAt: input.now,
      lastSeenAt: input.now,
      resolvedAt: null,
      evaluations: 1,
      missedEvaluations: 0,
      acknowledgedAt: null,
      acknowledgedBy: null,
      muted,
    };
    changed.push(incident);
    if (!muted) notifications.push({ event: 'opened', incident });
  }
  for (const open of input.open) {
    if (firedByKey.has(open.key)) continue;
    const missed = open.missedEvaluations + 1;
    if (missed < input.resolveAfterMissed) {
      changed.push({ ...open, missedEvaluations: missed });
      continue;
    }
    const resolved: Incident = { ...open, status: 'resolved', missedEvaluations: missed, resolvedAt: input.now };
    changed.push(resolved);
    if (!open.muted) notifications.push({ event: 'resolved', incident: resolved });
  }
  return { changed, notifications };
}

function severityRank(severity: FiredAlert['severity']): number {
  return severity === 'critical' ? 2 : severity === 'warning' ? 1 : 0;
}
