import { firedAlertJson, type FiredAlertJson } from './fired-alert-json.js';
import type { Incident } from './incident.js';

/** An incident as GET /v1/alerts/incidents and webhooks send it; its alert as `unitcost alerts check --json` prints one. */
export interface IncidentJson {
  id: string;
  key: string;
  status: Incident['status'];
  opened_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  evaluations: number;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  muted: boolean;
  alert: FiredAlertJson;
}

/** The JSON of an incident. */
export function incidentJson(incident: Incident): IncidentJson {
  return {
    id: incident.id,
    key: incident.key,
    status: incident.status,
    opened_at: incident.openedAt,
    last_seen_at: incident.lastSeenAt,
    resolved_at: incident.resolvedAt,
    evaluations: incident.evaluations,
    acknowledged_at: incident.acknowledgedAt,
    acknowledged_by: incident.acknowledgedBy,
    muted: incident.muted,
    alert: firedAlertJson(incident.alert),
  };
}
