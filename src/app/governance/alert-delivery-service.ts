import { randomBytes } from 'node:crypto';
import type { SignedWebhook } from '../../config/webhook-secrets.js';
import { muteRequestSchema, type AlertMute } from '../../core/governance/alerts/alert-mute.js';
import type { FiredAlert } from '../../core/governance/alerts/fired-alert.js';
import { incidentJson, type IncidentJson } from '../../core/governance/alerts/incident-json.js';
import type { Incident } from '../../core/governance/alerts/incident.js';
import { mergeIncidents } from '../../core/governance/alerts/merge-incidents.js';
import { webhookWants } from '../../core/governance/alerts/webhook-config.js';
import { webhookPayload } from '../../core/governance/alerts/webhook-payload.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { AlertStateStore, OutboxCounts, OutboxEntry } from '../../store/alert-state-store.js';
import type { Store } from '../../store/store.js';
import { parseInstant } from '../parse-instant.js';
import { SerialQueue } from '../serial-queue.js';
import { WebhookDispatcher, type DeliveryCounters, type DispatcherOptions } from './webhook-dispatcher.js';

/** What one evaluation did to the incidents. */
export interface MergeSummary {
  at: string;
  fired: number;
  opened: string[];
  updated: string[];
  resolved: string[];
  /** Webhook notifications queued (each sent once, retried until it is taken). */
  queued: number;
}

/** GET /v1/alerts/incidents' answer. */
export interface IncidentsJson {
  incidents: IncidentJson[];
  mutes: MuteJson[];
  outbox: OutboxCounts;
  /** The latest evaluation merged here since start (null before the first): when, how many alerts fired, or why it failed. */
  last_evaluation: { at: string; fired: number; error: string | null } | null;
}

/** A mute as JSON. */
export interface MuteJson {
  id: string;
  rule: string | null;
  scope: Record<string, string> | null;
  until: string;
  reason: string | null;
  created_at: string;
  created_by: string | null;
  active: boolean;
}

/** How delivery is set up: the webhooks, when to resolve, the clocks, and the dispatcher's options. */
export interface AlertDeliveryOptions {
  webhooks: SignedWebhook[];
  resolveAfterMissed: number;
  /** The evaluation's clock (the app's): incident times and mute expiry. */
  now: () => Date;
  /** Where the dashboard is, for the link in the Slack text. */
  dashboardUrl?: string;
  dispatcher?: DispatcherOptions;
}

/** What the server's routes call: list, acknowledge, mute. */
export type IncidentServices = Pick<AlertDelivery, 'incidents' | 'acknowledge' | 'addMute' | 'deleteMute'>;

const listLimit = 500;

/**
 * Alert delivery over one store: merges each evaluation's fired alerts into incidents, queues one
 * notification per incident and webhook in the same transaction, and lets the dispatcher send them in the
 * background. Acknowledging and muting are here too, for the API and the dashboard.
 */
export class AlertDelivery {
  readonly dispatcher: WebhookDispatcher;
  private readonly queue = new SerialQueue();
  private lastEvaluation: IncidentsJson['last_evaluation'] = null;

  private constructor(
    private readonly state: AlertStateStore & { close(): void },
    private readonly options: AlertDeliveryOptions,
  ) {
    this.dispatcher = new WebhookDispatcher((work) => this.queue.run(() => work(this.state)), options.webhooks, options.dispatcher ?? {});
  }

  /** Opens delivery over the store's alert state, and sends what the outbox still holds from before. */
  static async open(store: Store, options: AlertDeliveryOptions): Promise<AlertDelivery> {
    const delivery = new AlertDelivery(await store.openAlertState(), options);
    delivery.dispatcher.kick();
    return delivery;
  }

  /** Merges one evaluation's alerts into the incidents and queues their notifications; sending starts at once, in the background. */
  async merge(fired: FiredAlert[]): Promise<MergeSummary> {
    const summary = await this.queue.run(async () => {
      const at = this.options.now().toISOString();
      const [open, mutes] = await Promise.all([this.state.openIncidents(), this.state.mutes()]);
      const merged = mergeIncidents({ open, fired, mutes, now: at, newId: () => `inc_${randomBytes(6).toString('hex')}`, resolveAfterMissed: this.options.resolveAfterMissed });
      const queuedAt = (this.options.dispatcher?.clock ?? (() => new Date()))().toISOString();
      const queued: OutboxEntry[] = [];
      for (const notification of merged.notifications) {
        const body = JSON.stringify(webhookPayload(notification.event, notification.incident, this.options.dashboardUrl));
        for (const webhook of this.options.webhooks) {
          if (!webhookWants(webhook, notification.event, notification.incident.alert.severity)) continue;
          queued.push({ webhook: webhook.name, incidentId: notification.incident.id, event: notification.event, body, createdAt: queuedAt, attempts: 0, nextAttemptAt: queuedAt, deliveredAt: null, lastError: null });
        }
      }
      await this.state.saveMerge(merged.changed, queued);
      const wasOpen = new Set(open.map((incident) => incident.id));
      const ids = (keep: (incident: Incident) => boolean) => merged.changed.filter(keep).map((incident) => incident.id);
      // Seen now: opened by this evaluation, or open before and fired again (one that missed it is neither until it resolves).
      const seen = (incident: Incident) => incident.status === 'open' && incident.lastSeenAt === at;
      return {
        at,
        fired: fired.length,
        opened: ids((incident) => seen(incident) && !wasOpen.has(incident.id)),
        updated: ids((incident) => seen(incident) && wasOpen.has(incident.id)),
        resolved: ids((incident) => incident.status === 'resolved'),
        queued: queued.length,
      };
    });
    this.lastEvaluation = { at: summary.at, fired: summary.fired, error: null };
    if (summary.queued > 0) this.dispatcher.kick();
    return summary;
  }

  /** Records an evaluation that failed before it could be merged, so that GET /v1/alerts/incidents says why nothing changes. */
  evaluationFailed(error: unknown): void {
    this.lastEvaluation = { at: this.options.now().toISOString(), fired: 0, error: error instanceof Error ? error.message : String(error) };
  }

  /** Incidents (open ones by default), the mutes, and the outbox's counts. */
  async incidents(status: 'open' | 'resolved' | 'all' = 'open'): Promise<IncidentsJson> {
    return this.queue.run(async () => {
      const incidents = await this.state.incidents(status === 'all' ? { limit: listLimit } : { status, limit: listLimit });
      const mutes = await this.state.mutes();
      return { incidents: incidents.map(incidentJson), mutes: mutes.map((mute) => this.muteJson(mute)), outbox: await this.state.outboxCounts(), last_evaluation: this.lastEvaluation };
    });
  }

  /** One incident's state and its deliveries, for tests and support. */
  async incident(id: string): Promise<{ incident: Incident; deliveries: OutboxEntry[] } | null> {
    return this.queue.run(async () => {
      const incident = await this.state.incident(id);
      return incident ? { incident, deliveries: await this.state.deliveries(id) } : null;
    });
  }

  /** Acknowledges an incident: someone is on it. */
  async acknowledge(id: string, by: string): Promise<IncidentJson> {
    const incident = await this.queue.run(() => this.state.acknowledge(id, by, this.options.now().toISOString()));
    if (!incident) throw new UnitcostError('not_found', `no incident ${id}; GET /v1/alerts/incidents?status=all lists them`, { field: 'id' });
    return incidentJson(incident);
  }

  /** Mutes a rule, a scope or a rule on a scope until a time: their new incidents open without notifying. */
  async addMute(body: unknown, by: string | null): Promise<MuteJson> {
    const parsed = muteRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
      throw new UnitcostError('invalid_argument', `${field}: ${issue.message}`, { field });
    }
    const until = parseInstant(parsed.data.until, 'until');
    const now = this.options.now();
    if (until.getTime() <= now.getTime()) throw new UnitcostError('invalid_argument', `until: ${parsed.data.until} is already past; a mute ends in the future`, { field: 'until' });
    const mute: AlertMute = {
      id: `mut_${randomBytes(6).toString('hex')}`,
      rule: parsed.data.rule ?? null,
      scope: parsed.data.scope ?? null,
      until: until.toISOString(),
      reason: parsed.data.reason ?? null,
      createdAt: now.toISOString(),
      createdBy: by,
    };
    await this.queue.run(() => this.state.addMute(mute));
    return this.muteJson(mute);
  }

  /** Ends a mute early. */
  async deleteMute(id: string): Promise<{ id: string; deleted: true }> {
    if (!(await this.queue.run(() => this.state.deleteMute(id)))) throw new UnitcostError('not_found', `no mute ${id}; GET /v1/alerts/incidents lists them`, { field: 'id' });
    return { id, deleted: true };
  }

  /** Deliveries since start. */
  get counters(): DeliveryCounters {
    return { ...this.dispatcher.counters };
  }

  /** Stops sending (what is not delivered stays in the outbox) and closes the state's connection. */
  async close(): Promise<void> {
    await this.dispatcher.stop();
    await this.queue.drain();
    this.state.close();
  }

  private muteJson(mute: AlertMute): MuteJson {
    return {
      id: mute.id,
      rule: mute.rule,
      scope: mute.scope,
      until: mute.until,
      reason: mute.reason,
      created_at: mute.createdAt,
      created_by: mute.createdBy,
      active: Date.parse(mute.until) > this.options.now().getTime(),
    };
  }
}
