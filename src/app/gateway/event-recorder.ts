import type { GatewayUsageEvent } from '../../core/gateway/gateway-event.js';

/** What one delivery attempt did: delivered, or why not and whether trying again may help. */
export type DeliveryOutcome = { delivered: true } | { delivered: false; retryable: boolean; reason: string };

/** Sends a batch of events to where they are kept: the store, or a unitcost server. */
export type Deliver = (events: GatewayUsageEvent[]) => Promise<DeliveryOutcome>;

/** What the recorder has done since start, for the gateway's health answer. */
export interface RecorderCounters {
  recorded: number;
  delivered: number;
  retries: number;
  /** Events given up on: the queue was full, or delivery failed for good. */
  dropped: number;
  /** Events waiting to be delivered now. */
  queued: number;
}

/** How the recorder batches and retries. */
export interface RecorderOptions {
  /** Events per delivery. Default 1,000. */
  batchSize?: number;
  /** Events held at most; beyond it the oldest are dropped, so a dead store cannot exhaust memory. Default 100,000. */
  maxQueue?: number;
  /** Attempts per batch before it is dropped. Default 8. */
  maxAttempts?: number;
  /** The first retry's delay, doubled each time up to 30 s, with jitter. Default 250 ms. */
  retryBaseMs?: number;
  /** Told of every loss and refusal: never the events' content. */
  onProblem(message: string): void;
}

const maxRetryDelayMs = 30_000;

/**
 * Keeps the store off the request path: record() only queues, and one background loop delivers what has
 * gathered in batches, retrying with backoff. Events recorded in the same tick go out together, which the
 * store's group commit then writes in one transaction. close() delivers what is queued before it resolves.
 */
export class EventRecorder {
  private queue: GatewayUsageEvent[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly counts = { recorded: 0, delivered: 0, retries: 0, dropped: 0 };
  private readonly batchSize: number;
  private readonly maxQueue: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(
    private readonly deliver: Deliver,
    private readonly options: RecorderOptions,
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 1000);
    this.maxQueue = Math.max(1, options.maxQueue ?? 100_000);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.retryBaseMs = options.retryBaseMs ?? 250;
  }

  /** Queues an event and returns at once; delivery happens in the background. */
  record(event: GatewayUsageEvent): void {
    if (this.closed) {
      this.options.onProblem(`an event was recorded after the recorder closed and is lost (${event.model})`);
      return;
    }
    this.counts.recorded += 1;
    this.queue.push(event);
    if (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.counts.dropped += 1;
      this.options.onProblem(`the event queue is full (${this.maxQueue}): the oldest event was dropped`);
    }
    if (this.draining === undefined) {
      // setImmediate: the events of this tick join one batch.
      this.draining = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
    }
  }

  /** Resolves once every event queued so far is delivered or given up on. */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  /** Refuses new events and delivers the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** What has been recorded, delivered, retried and dropped since start. */
  counters(): RecorderCounters {
    return { ...this.counts, queued: this.queue.length };
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.batchSize);
        await this.deliverWithRetries(batch);
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async deliverWithRetries(batch: GatewayUsageEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      let outcome: DeliveryOutcome;
      try {
        outcome = await this.deliver(batch);
      } catch (error) {
        outcome = { delivered: false, retryable: true, reason: error instanceof Error ? error.message : String(error) };
      }
      if (outcome.delivered) {
        this.counts.delivered += batch.length;
        return;
      }
      if (!outcome.retryable || attempt >= this.maxAttempts) {
        this.counts.dropped += batch.length;
        this.options.onProblem(`${batch.length} events were not recorded after ${attempt} attempt(s): ${outcome.reason}`);
        return;
      }
      this.counts.retries += 1;
      // Full jitter, so that several gateways retrying a recovering server do not arrive together.
      const ceiling = Math.min(maxRetryDelayMs, this.retryBaseMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
    }
  }
}
