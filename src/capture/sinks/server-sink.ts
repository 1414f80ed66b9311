import { CaptureError, report, warnCaptureProblem, type CapturedEvent, type UsageSink } from '../capture-options.js';

/** Where a server sink sends events, and how hard it tries. */
export interface ServerSinkOptions {
  /** The unitcost server, e.g. http://127.0.0.1:4317; events go to `${url}/v1/events`. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>` when the server requires a key with the ingest scope. */
  apiKey?: string;
  /** Events per request; a full batch is sent at once, without waiting for the interval. Default 500. */
  batchSize?: number;
  /** How long an event may wait for its batch to fill before it is sent anyway. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Events held at most; beyond it the oldest are dropped, so a dead server cannot exhaust memory. Default 10,000. */
  maxQueue?: number;
  /** Attempts after the first for a batch that failed on the network or with 408, 429 or 5xx. Default 5. */
  maxRetries?: number;
  /** The first retry's delay; each next one doubles it, with jitter, up to 30 s. Default 250 ms. */
  retryBaseMs?: number;
  /** A request that takes longer is abandoned and counts as a network failure. Default 10,000 ms. */
  requestTimeoutMs?: number;
  /**
   * Told about every delivery problem: refused events, a batch given up on, events dropped from a full
   * queue. Never the events' content nor the key. Defaults to a process warning, so losses are not silent.
   */
  onError?: (error: unknown) => void;
}

// The statuses worth sending the same batch again for: the server was busy, down or slow.
const retryableStatuses = new Set([408, 429, 500, 502, 503, 504]);
const maxRetryDelayMs = 30_000;

type SendOutcome = { kind: 'done' } | { kind: 'too-large' } | { kind: 'retry'; reason: string; retryAfterMs?: number | undefined };

interface BatchAnswer {
  rejected?: number;
  results?: Array<{ index?: number; status?: string; errors?: Array<{ field?: string; message?: string }> }>;
}

/**
 * A sink that sends events to a running unitcost server in NDJSON batches, asynchronously: write() only
 * serializes and queues. Failed batches are retried with exponential backoff and jitter; events the server
 * refuses as invalid are reported, not retried, since they would be refused again. The queue is bounded,
 * the timers never keep a process alive, and what is queued is sent when the process is about to exit
 * (`beforeExit`; call close() yourself before process.exit() or on a signal).
 */
export function serverSink(options: ServerSinkOptions): UsageSink {
  const endpoint = `${options.url.replace(/\/+$/, '')}/v1/events`;
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const maxQueue = Math.max(1, options.maxQueue ?? 10_000);
  const maxRetries = Math.max(0, options.maxRetries ?? 5);
  const retryBaseMs = options.retryBaseMs ?? 250;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const onError = options.onError ?? warnCaptureProblem;
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  // Serialized at write time: the event then no longer shares objects (such as the raw usage) with the caller.
  let queue: string[] = [];
  let head = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;
  let closed = false;

  const queued = (): number => queue.length - head;

  function write(event: CapturedEvent): void {
    if (closed) {
      report({ onError }, new CaptureError('server sink is closed: an event written after close() was dropped'));
      return;
    }
    queue.push(JSON.stringify(event));
    if (queued() > maxQueue) {
      head += 1;
      dropped += 1;
      compact();
    }
    if (queued() >= batchSize) scheduleSend(0);
    else if (timer === undefined) scheduleSend(flushIntervalMs);
  }

  function scheduleSend(delayMs: number): void {
    if (sending !== undefined) return;
    if (timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      void drain(false);
    }, delayMs);
    timer.unref();
  }

  function takeBatch(): string[] {
    const batch = queue.slice(head, head + batchSize);
    head += batch.length;
    compact();
    return batch;
  }

  // Drops the taken or dropped prefix once it dominates, so the array stays under about twice maxQueue
  // even while a dead server keeps one batch retrying and new events push out old ones.
  function compact(): void {
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  }

  // Sends batches, one request at a time, until the queue is empty; events written meanwhile join the next batch.
  function drain(flushing: boolean): Promise<void> {
    if (sending !== undefined) return sending;
    sending = (async () => {
      try {
        while (queued() > 0) {
          reportDropped();
          await sendWithRetries(takeBatch(), flushing);
        }
        reportDropped();
      } catch (error) {
        report({ onError }, error);
      } finally {
        sending = undefined;
      }
    })();
    return sending;
  }

  function reportDropped(): void {
    if (dropped === 0) return;
    report({ onError }, new CaptureError(`server sink queue was full (${maxQueue} events): dropped the ${dropped} oldest`));
    dropped = 0;
  }

  async function sendWithRetries(batch: string[], flushing: boolean): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await sendOnce(batch);
      if (outcome.kind === 'done') return;
      if (outcome.kind === 'too-large') {
        // The server's record or byte limit is below our batch size: halves fit sooner or later.
        const half = Math.ceil(batch.length / 2);
        await sendWithRetries(batch.slice(0, half), flushing);
        await sendWithRetries(batch.slice(half), flushing);
        return;
      }
      if (attempt >= maxRetries) {
        report({ onError }, new CaptureError(`server sink gave up on ${batch.length} events after ${attempt + 1} attempts: ${outcome.reason}`));
        return;
      }
      // Jittered, so that retries from many processes spread out instead of hitting a recovering server together.
      const ceiling = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** attempt);
      const delay = Math.max(outcome.retryAfterMs ?? 0, ceiling / 2 + Math.random() * (ceiling / 2));
      await sleep(Math.min(delay, maxRetryDelayMs), flushing || closed);
    }
  }

  async function sendOnce(batch: string[]): Promise<SendOutcome> {
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers, body: `${batch.join('\n')}\n`, signal: AbortSignal.timeout(requestTimeoutMs) });
    } catch (error) {
      return { kind: 'retry', reason: `network error: ${describeNetworkError(error)}` };
    }
    if (response.ok) {
      // A batch with some refused events is answered 200 (the others are stored): its refusals are in the body.
      const answer = await readAnswer(response);
      if (answer?.rejected) reportRefused(answer, batch.length);
      return { kind: 'done' };
    }
    if (retryableStatuses.has(response.status)) {
      await response.body?.cancel();
      return { kind: 'retry', reason: `HTTP ${response.status}`, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    }
    if (response.status === 413 && batch.length > 1) {
      await response.body?.cancel();
      return { kind: 'too-large' };
    }
    const answer = await readAnswer(response);
    if (!reportRefused(answer, batch.length)) {
      report({ onError }, new CaptureError(`unitcost server refused a batch of ${batch.length} events with HTTP ${response.status}; not retried`));
    }
    return { kind: 'done' };
  }

  /** Reports the events an answer says were refused (they would be refused again, so they are not retried); false when it names none. */
  function reportRefused(answer: BatchAnswer | undefined, sent: number): boolean {
    const rejected = (answer?.results ?? []).filter((result) => result.status === 'rejected');
    if (rejected.length === 0) return false;
    const reasons = rejected
      .slice(0, 5)
      .map((result) => `#${result.index ?? '?'} ${(result.errors ?? []).map((error) => `${error.field ?? ''} ${error.message ?? ''}`.trim()).join('; ')}`)
      .join(' | ');
    report({ onError }, new CaptureError(`unitcost server refused ${rejected.length} of ${sent} events: ${reasons}`));
    return true;
  }

  async function flush(): Promise<void> {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    // A batch already in flight may leave events behind it that this flush must send too.
    while (sending !== undefined || queued() > 0) await drain(true);
    reportDropped();
  }

  const onBeforeExit = (): void => {
    if (queued() > 0) void flush();
  };
  process.on('beforeExit', onBeforeExit);

  return {
    write,
    flush,
    async close() {
      if (closed) return;
      closed = true;
      process.off('beforeExit', onBeforeExit);
      await flush();
    },
  };
}

// Retry-After in seconds (dates are rare from an API and are ignored).
function retryAfterMs(header: string | null): number | undefined {
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

async function readAnswer(response: Response): Promise<BatchAnswer | undefined> {
  try {
    return (await response.json()) as BatchAnswer;
  } catch {
    return undefined;
  }
}

// undici's "fetch failed" hides the reason in `cause`; its message (ECONNREFUSED, a timeout) is what helps.
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(milliseconds: number, keepAlive: boolean): Promise<void> {
  return new Promise((resolve) => {
    const timeout = setTimeout(resolve, milliseconds);
    // While flushing at exit, the retry wait itself must keep the process alive, or the retry never runs.
    if (!keepAlive) timeout.unref();
  });
}
