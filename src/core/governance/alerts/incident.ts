import type { FiredAlert } from './fired-alert.js';

/**
 * One episode of one alert condition: opened by the first evaluation that fires its key, updated by the
 * ones after, resolved once the key stops firing. A webhook is told of an incident, not of an evaluation.
 */
export interface Incident {
  /** inc_… : how the API and the dashboard name it. */
  id: string;
  /** The FiredAlert key it tracks; at most one open incident per key. */
  key: string;
  status: 'open' | 'resolved';
  /** The alert as the latest evaluation that fired it saw it (figures and cause move while it is open). */
  alert: FiredAlert;
  /** ISO timestamps of the evaluations that opened it, last saw it firing, and resolved it. */
  openedAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  /** Evaluations that fired it; evaluations in a row that did not (reset when it fires again). */
  evaluations: number;
  missedEvaluations: number;
  /** Who acknowledged it (the key's name, or "local" without keys) and when; acknowledging silences nothing, it says someone is on it. */
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** Opened under a mute: nobody was notified of it, so nobody is notified of its resolution either. */
  muted: boolean;
}
