import { Agent, request } from 'node:http';

/*
 * The gateway benchmark's load generator, over node:http keep-alive connections. Open loop: sends are
 * scheduled by the clock at a fixed rate whatever the answers do, and each latency is counted from the
 * moment the request was due, so that a slow server's queueing shows in the figures instead of slowing
 * the load down (no coordinated omission). Closed loop: a fixed number of clients, each sending its next
 * request when its last is answered, for throughput at saturation.
 */

/** Where to send POST /v1/chat/completions, and the headers that route it there. */
export interface Target {
  name: string;
  /** The base URL, without /v1. */
  url: string;
  headers: Record<string, string>;
}

/** What one load run measured. */
export interface LoadRun {
  /** Requests whose answer was a 200 with a whole completion (or stream). */
  ok: number;
  /** Everything else: other statuses, cut connections, timeouts. */
  failed: number;
  /** Up to five failures, described. */
  failures: string[];
  /** Requests answered at all (any status): each of them is a call the gateway should have recorded. */
  answered: number;
  /** Milliseconds, ascending: from when each request was due to its last byte (open loop) or from its send (closed loop). */
  latencies: Float64Array;
  /** Streams only, milliseconds, ascending: from when each was due to its first content chunk. */
  firstContent: Float64Array;
  /** The measured window, seconds. */
  seconds: number;
  /** Closed loop only: the 200s answered within the window, for throughput. */
  okInWindow?: number;
}

/** Percentiles of an ascending sample, in its unit. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

// A failure that never comes back must not hang the run.
const requestTimeoutMs = 30_000;
const maxSockets = 256;

/** Sends `rate` requests a second, scheduled by the clock, for `seconds`; resolves once every one is answered. */
export async function runOpenLoop(target: Target, body: Buffer, options: { rate: number; seconds: number; stream: boolean }): Promise<LoadRun> {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const tally = newTally(total);
  const pending: Array<Promise<boolean>> = [];
  const startedAt = performance.now() + 1;
  let index = 0;
  await new Promise<void>((resolve) => {
    // Timers fire late by up to a millisecond: each wake-up sends every request already due, each timed
    // from when it was due, so the lateness counts against whoever is measured, the same for all targets.
    const tick = (): void => {
      const now = performance.now();
      while (index < total && startedAt + index * interval <= now) {
        pending.push(exchange(agent, target, body, options.stream, startedAt + index * interval, tally));
        index += 1;
      }
      if (index >= total) resolve();
      else setTimeout(tick, Math.max(0, startedAt + index * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  return finish(tally, options.seconds);
}

/** Keeps `clients` requests in flight for `seconds`; counts those answered within the window. */
export async function runClosedLoop(target: Target, body: Buffer, options: { clients: number; seconds: number }): Promise<LoadRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients, maxFreeSockets: options.clients });
  const tally = newTally(1024);
  const startedAt = performance.now();
  const deadline = startedAt + options.seconds * 1000;
  let okInWindow = 0;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (performance.now() < deadline) {
        const ok = await exchange(agent, target, body, false, performance.now(), tally);
        // Answers that come in after the window are calls made (and recorded) but not throughput.
        if (ok && performance.now() <= deadline) okInWindow += 1;
      }
    }),
  );
  agent.destroy();
  return { ...finish(tally, options.seconds), okInWindow };
}

/** p50, p90, p99 and max of an ascending sample. */
export function percentilesOf(sorted: Float64Array): Percentiles {
  const at = (q: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]! };
}

interface Tally {
  ok: number;
  failed: number;
  answered: number;
  failures: string[];
  latencies: Float64Array;
  latencyCount: number;
  firstContent: Float64Array;
  firstContentCount: number;
}

function newTally(capacity: number): Tally {
  return { ok: 0, failed: 0, answered: 0, failures: [], latencies: new Float64Array(capacity), latencyCount: 0, firstContent: new Float64Array(capacity), firstContentCount: 0 };
}

function finish(tally: Tally, seconds: number): LoadRun {
  return {
    ok: tally.ok,
    failed: tally.failed,
    failures: tally.failures,
    answered: tally.answered,
    latencies: tally.latencies.slice(0, tally.latencyCount).sort(),
    firstContent: tally.firstContent.slice(0, tally.firstContentCount).sort(),
    seconds,
  };
}

function push(sample: 'latencies' | 'firstContent', tally: Tally, value: number): void {
  const count = sample === 'latencies' ? tally.latencyCount : tally.firstContentCount;
  if (count === tally[sample].length) {
    const grown = new Float64Array(count * 2);
    grown.set(tally[sample]);
    tally[sample] = grown;
  }
  tally[sample][count] = value;
  if (sample === 'latencies') tally.latencyCount += 1;
  else tally.firstContentCount += 1;
}

function fail(tally: Tally, description: string): void {
  tally.failed += 1;
  if (tally.failures.length < 5) tally.failures.push(description);
}

// A content delta with at least one character; the first chunk's `"content":""` (the role) does not match.
const contentDelta = /"content":"[^"]/;

/** One POST /v1/chat/completions, read to its end; never rejects, failures go to the tally. */
function exchange(agent: Agent, target: Target, body: Buffer, stream: boolean, dueAt: number, tally: Tally): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok = false): void => {
      settled = true;
      resolve(ok);
    };
    const outgoing = request(
      `${target.url}/v1/chat/completions`,
      { method: 'POST', agent, headers: { ...target.headers, 'content-type': 'application/json', 'content-length': String(body.length) } },
      (response) => {
        tally.answered += 1;
        let text = '';
        let sawContent = false;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          if (stream && !sawContent && contentDelta.test(text)) {
            sawContent = true;
            push('firstContent', tally, performance.now() - dueAt);
          }
        });
        response.on('end', () => {
          const complete = stream ? sawContent && text.includes('data: [DONE]') : text.includes('"chat.completion"');
          if (response.statusCode === 200 && complete) {
            tally.ok += 1;
            push('latencies', tally, performance.now() - dueAt);
            settle(true);
          } else {
            fail(tally, `${target.name}: ${response.statusCode} ${text.slice(0, 300)}`);
            settle();
          }
        });
        response.on('error', (error) => {
          if (settled) return;
          fail(tally, `${target.name}: response cut: ${error.message}`);
          settle();
        });
      },
    );
    outgoing.setTimeout(requestTimeoutMs, () => outgoing.destroy(new Error(`no answer in ${requestTimeoutMs / 1000} s`)));
    outgoing.on('error', (error) => {
      if (settled) return;
      fail(tally, `${target.name}: ${error.message}`);
      settle();
    });
    outgoing.end(body);
  });
}
