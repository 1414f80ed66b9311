import type { SignedWebhook } from '../../config/webhook-secrets.js';
import { defaultRetryPolicy, nextAttemptDelayMs, type RetryPolicy } from '../../core/governance/alerts/webhook-retry.js';
import type { AlertStateStore, OutboxEntry } from '../../store/alert-state-store.js';
import { webhookSignature } from './webhook-signature.js';

/** Runs alert-state work one call at a time (its connection runs one transaction at a time). */
export type StateAccess = <T>(work: (state: AlertStateStore) => Promise<T>) => Promise<T>;

/** What the dispatcher has done since it started, for /metrics and tests. */
export interface DeliveryCounters {
  delivered: number;
  failedAttempts: number;
  abandoned: number;
}

/** How the dispatcher runs: its clock, its retries, its HTTP client and timeout. */
export interface DispatcherOptions {
  /** The wall clock: retries are real waits, whatever clock the app's reports use. */
  clock?: () => Date;
  retry?: RetryPolicy;
  fetch?: typeof fetch;
  /** A receiver that takes longer than this failed; its retry comes later. */
  timeoutMs?: number;
}

// A batch per pass: a backlog after an outage drains in order without holding one connection for long.
const batchSize = 20;

/**
 * Sends the outbox's due notifications to their webhooks, in the background: signed, with an idempotency
 * key, retried with backoff on any failure (network error, timeout, non-2xx). It reads and marks entries
 * through the alert state, whose rows were written with their incident, so a restart resumes where it
 * stopped: a notification is sent at least once, and the Idempotency-Key lets a receiver drop a repeat.
 * The HTTP calls run outside every queue: a slow receiver holds up neither ingest nor reads.
 */
export class WebhookDispatcher {
  readonly counters: DeliveryCounters = { delivered: 0, failedAttempts: 0, abandoned: 0 };
  private readonly byName: Map<string, SignedWebhook>;
  private readonly clock: () => Date;
  private readonly retry: RetryPolicy;
  private readonly post: typeof fetch;
  private readonly timeoutMs: number;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly state: StateAccess,
    webhooks: SignedWebhook[],
    options: DispatcherOptions = {},
  ) {
    this.byName = new Map(webhooks.map((webhook) => [webhook.name, webhook]));
    this.clock = options.clock ?? (() => new Date());
    this.retry = options.retry ?? defaultRetryPolicy;
    this.post = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Delivers what is due now, then sleeps until the next retry is due. Cheap to call often: passes never overlap. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass()
      .catch(() => {
        // The store is closing, or a transient DuckDB error: the entries stay due and the next kick takes them.
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          void this.sleepUntilNextDue();
        }
      });
  }

  /** Resolves once no pass is running (the outbox may still hold entries waiting for their retry). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops sending: the entries not yet delivered stay in the outbox for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.settled();
  }

  private async pass(): Promise<void> {
    for (;;) {
      const due = await this.state((state) => state.dueDeliveries(this.clock().toISOString(), batchSize));
      if (due.length === 0 || this.stopped) return;
      for (const entry of due) {
        if (this.stopped) return;
        await this.deliver(entry);
      }
    }
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const error = await this.send(entry);
    const at = this.clock();
    if (error === null) {
      this.counters.delivered += 1;
      await this.state((state) => state.recordAttempt(entry, { delivered: true, at: at.toISOString() }));
      return;
    }
    this.counters.failedAttempts += 1;
    const delay = nextAttemptDelayMs(entry.attempts + 1, this.retry);
    if (delay === null) this.counters.abandoned += 1;
    const nextAttemptAt = delay === null ? null : new Date(at.getTime() + delay).toISOString();
    await this.state((state) => state.recordAttempt(entry, { delivered: false, at: at.toISOString(), error, nextAttemptAt }));
  }

  // null when the receiver took it (2xx); otherwise why not, in words for the outbox (never the body or the secret).
  private async send(entry: OutboxEntry): Promise<string | null> {
    const webhook = this.byName.get(entry.webhook);
    if (!webhook) return `no webhook named "${entry.webhook}" in the config any more`;
    if (!webhook.secret) return `${webhook.secret_env} is not set: notifications are never sent unsigned`;
    const timestamp = String(Math.floor(this.clock().getTime() / 1000));
    try {
      const response = await this.post(webhook.url, {
        method: 'POST',
        body: entry.body,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'unitcost-webhooks',
          'Idempotency-Key': `${entry.incidentId}:${entry.event}`,
          'X-Unitcost-Event': `incident.${entry.event}`,
          'X-Unitcost-Webhook': webhook.name,
          'X-Unitcost-Timestamp': timestamp,
          'X-Unitcost-Signature': webhookSignature(webhook.secret.reveal(), timestamp, entry.body),
        },
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
      // Read the answer to free the socket; its content does not matter.
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? null : `the receiver answered ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return `${(error as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'the request failed'}${cause ? ` (${cause})` : ''}`;
    }
  }

  private async sleepUntilNextDue(): Promise<void> {
    if (this.stopped) return;
    const next = await this.state((state) => state.nextDeliveryAt()).catch(() => null);
    if (next === null || this.stopped || this.running) return;
    const wait = Math.max(0, Date.parse(next) - this.clock().getTime());
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, wait);
    // A waiting retry never keeps the process alive on its own.
    this.timer.unref();
  }
}
