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
  /** Events per delivery at most; as many queued send them at once, without waiting for flushAfterMs. Default 500. */
  batchSize?: number;
  /** How long the first queued event waits for others to join its delivery, in milliseconds. Default 200. */
  flushAfterMs?: number;
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
 * Keeps the store off the request path: record() only queues, and deliveries go out in the background, one
 * at a time, retrying with backoff. A delivery leaves when batchSize events are queued or flushAfterMs after
 * the first of them, whichever comes first: a DuckDB commit costs tens of milliseconds of the store's threads
 * whatever its size, so a gateway at 200 calls/s that committed every call spent more on commits than on
 * the calls. Budgets do not wait for it: the ledger counts spend in memory when the call ends. flush() and
 * close() deliver what is queued without waiting for the timer.
 */
export class EventRecorder {
  private queue: GatewayUsageEvent[] = [];
  /** The delivery under way, retries included; never more than one. */
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the oldest queued event arrived, in performance.now() milliseconds. */
  private oldestQueuedAt = 0;
  private closed = false;
  private readonly counts = { recorded: 0, delivered: 0, retries: 0, dropped: 0 };
  private readonly batchSize: number;
  private readonly flushAfterMs: number;
  private readonly maxQueue: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(
    private readonly deliver: Deliver,
    private readonly options: RecorderOptions,
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.flushAfterMs = Math.max(0, options.flushAfterMs ?? 200);
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
    if (this.queue.length === 0) this.oldestQueuedAt = performance.now();
    this.queue.push(event);
    if (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.counts.dropped += 1;
      this.options.onProblem(`the event queue is full (${this.maxQueue}): the oldest event was dropped`);
    }
    this.schedule();
  }

  /** Resolves once every event queued so far is delivered or given up on. */
  async flush(): Promise<void> {
    while (this.inFlight !== undefined || this.queue.length > 0) {
      this.start();
      await this.inFlight;
    }
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

  // Starts a delivery now if a batch is full, or sets the timer for the oldest queued event. While a delivery
  // is under way nothing starts: its end looks at the queue again.
  private schedule(): void {
    if (this.inFlight !== undefined || this.queue.length === 0) return;
    if (this.queue.length >= this.batchSize) {
      this.start();
      return;
    }
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.oldestQueuedAt + this.flushAfterMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, wait);
  }

  private start(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight !== undefined || this.queue.length === 0) return;
    // Events beyond a full batch stay queued; oldestQueuedAt still dates from before them, so they follow as soon as this delivery ends.
    const batch = this.queue.splice(0, this.batchSize);
    this.inFlight = this.deliverWithRetries(batch).finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
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
