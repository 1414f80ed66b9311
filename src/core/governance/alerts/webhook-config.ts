import { z } from 'zod';
import type { AlertSeverity } from './fired-alert.js';

/** What happened to an incident that a webhook can be told of. */
export const incidentEvents = ['opened', 'resolved'] as const;

/** One event of an incident's life. */
export type IncidentEvent = (typeof incidentEvents)[number];

/** Severities from least to most urgent, so that `min_severity` can compare them. */
export const alertSeverities: readonly AlertSeverity[] = ['info', 'warning', 'critical'];

// An environment variable name as shells write them: the secret itself never sits in the config file.
const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One webhook: where incidents are POSTed, signed with the key its secret_env names. */
export const webhookSchema = z
  .object({
    // Named in logs, in the outbox and in the X-Unitcost-Webhook header, so a receiver serving several knows which one called.
    name: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
    // Only http(s): a file:// or javascript: URL would never be a receiver, and anything else is a typo to catch now, not at the first incident.
    url: z.string({ error: () => 'is required: the http(s) URL incidents are POSTed to' }).refine(isHttpUrl, { message: 'must be an http:// or https:// URL' }),
    // The HMAC key is read from this environment variable at start: keys stay out of files, as the gateway's api_key_env.
    secret_env: z.string({ error: () => 'is required: the environment variable holding the HMAC signing key' }).regex(variableName, 'must be an environment variable name (letters, digits, underscores)'),
    // Resolutions are worth a message to a channel that was told of the opening; some teams want openings only.
    events: z
      .array(z.enum(incidentEvents, { error: () => `must be one of ${incidentEvents.join(', ')}` }))
      .min(1, 'must list at least one event: opened, resolved')
      .default(['opened', 'resolved']),
    // Info alerts are for the weekly review on the dashboard, not for a chat channel.
    min_severity: z.enum(['info', 'warning', 'critical'], { error: () => 'must be info, warning or critical' }).default('warning'),
  })
  .strict();

/** A validated webhook. */
export type WebhookConfig = z.output<typeof webhookSchema>;

/** The top-level `alerts_delivery:` section: webhooks, and when `unitcost serve` evaluates. */
export const alertsDeliverySchema = z
  .object({
    webhooks: z
      .array(webhookSchema)
      .default([])
      .superRefine((webhooks, context) => {
        // The outbox keys deliveries by webhook name: two of one name would share one delivery.
        const seen = new Map<string, number>();
        for (const [index, webhook] of webhooks.entries()) {
          const first = seen.get(webhook.name);
          if (first === undefined) seen.set(webhook.name, index);
          else context.addIssue({ code: 'custom', path: [index, 'name'], message: `"${webhook.name}" is already the name of webhooks[${first}]; each webhook needs its own` });
        }
      }),
    // Evaluate once ingest has been quiet this long: a burst of batches is followed by one evaluation, not one per batch.
    evaluate_after_quiet_seconds: z.number().positive('must be above 0').default(5),
    // …and at most this often, so that a steady trickle of events does not run every rule every few seconds.
    evaluate_at_most_every_seconds: z.number().min(0, 'must be 0 or more').default(60),
    // An incident resolves once its alert has been absent from this many evaluations in a row.
    resolve_after_missed_evaluations: z.number().int('must be a whole number').min(1, 'must be at least 1').default(1),
  })
  .strict();

/** The validated `alerts_delivery:` section. */
export type AlertsDeliveryConfig = z.output<typeof alertsDeliverySchema>;

/** The section's value when the config leaves it out. */
export const defaultAlertsDelivery: AlertsDeliveryConfig = { webhooks: [], evaluate_after_quiet_seconds: 5, evaluate_at_most_every_seconds: 60, resolve_after_missed_evaluations: 1 };

/** Whether a webhook wants to hear of this event for an alert of this severity. */
export function webhookWants(webhook: WebhookConfig, event: IncidentEvent, severity: AlertSeverity): boolean {
  return webhook.events.includes(event) && alertSeverities.indexOf(severity) >= alertSeverities.indexOf(webhook.min_severity);
}

function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
