import { firedAlertJson, type FiredAlertJson } from './fired-alert-json.js';
import { incidentJson, type IncidentJson } from './incident-json.js';
import type { Incident } from './incident.js';
import type { IncidentEvent } from './webhook-config.js';

/**
 * The JSON body POSTed to a webhook. `text` makes it a valid Slack (and Mattermost, Discord-with-/slack)
 * incoming-webhook message as is; the rest is for receivers that act on it.
 */
export interface WebhookPayload {
  /** Always "unitcost.incident", so a receiver shared with other senders can tell ours apart. */
  type: 'unitcost.incident';
  event: IncidentEvent;
  /** `${incident id}:${event}`: the same for every attempt of one notification; also the Idempotency-Key header. */
  idempotency_key: string;
  text: string;
  incident: Omit<IncidentJson, 'alert'>;
  alert: Omit<FiredAlertJson, 'cause'>;
  cause: FiredAlertJson['cause'];
}

/** The idempotency key of one notification: one per incident and event, whatever the retries. */
export function notificationKey(incidentId: string, event: IncidentEvent): string {
  return `${incidentId}:${event}`;
}

/** The payload of one notification, built once when it is queued, so every retry sends the same bytes. */
export function webhookPayload(event: IncidentEvent, incident: Incident, dashboardUrl?: string): WebhookPayload {
  const { alert: _alert, ...incidentFields } = incidentJson(incident);
  const { cause, ...alertFields } = firedAlertJson(incident.alert);
  return {
    type: 'unitcost.incident',
    event,
    idempotency_key: notificationKey(incident.id, event),
    text: slackText(event, incident, dashboardUrl),
    incident: incidentFields,
    alert: alertFields,
    cause,
  };
}

/** One Slack line: what is wrong, why, and where to look. */
export function slackText(event: IncidentEvent, incident: Incident, dashboardUrl?: string): string {
  const alert = incident.alert;
  const link = dashboardUrl === undefined ? '' : ` <${dashboardUrl.replace(/\/$/, '')}/alerts|open in unitcost>`;
  if (event === 'resolved') return `:white_check_mark: Resolved: ${alert.title} (incident ${incident.id}, open since ${incident.openedAt})${link}`;
  const icon = alert.severity === 'critical' ? ':rotating_light:' : alert.severity === 'warning' ? ':warning:' : ':information_source:';
  const cause = alert.cause ? `\n${alert.cause.summary}` : '';
  return `${icon} [${alert.severity}] ${alert.title}${cause} (incident ${incident.id})${link}`;
}
