import type { callStatuses } from '../core/events/usage-event.js';
import { gatewayRefusal, type GatewayRefusal } from '../core/gateway/gateway-refusal.js';
import type { NormalizedUsage } from '../core/usage/normalized-usage.js';
import type { StreamObserver } from './provider-adapter.js';
import { SseSplitter } from './sse-splitter.js';

/** How a relayed stream ended, for its usage event. */
export interface RelayOutcome {
  status: (typeof callStatuses)[number];
  usage: NormalizedUsage;
  /** True when the upstream's usage never came and `usage` counts what passed by. */
  estimated: boolean;
  /** When the first content event arrived, on the relay's clock. */
  firstTokenAtMs: number | undefined;
  upstreamId: string | undefined;
}

/** What a relay needs: the upstream body, how to read it, and its time limits. */
export interface RelayOptions {
  upstream: ReadableStream<Uint8Array>;
  observer: StreamObserver;
  /** A stream silent this long is cut and recorded as a timeout. */
  idleTimeoutMs: number;
  /** After the client leaves, how long to keep reading for the upstream's usage. */
  drainAfterAbortMs: number;
  /** The upstream's name, for the error the client sees when the stream fails. */
  upstreamName: string;
  /** Encodes a failure as an event of the client's API. */
  errorEvent(refusal: GatewayRefusal): string;
  /** Stops the upstream request, once nothing more is to be read. */
  abortUpstream(): void;
  now(): number;
  /** Hears each upstream event passed on to the client (not the gateway's own error events), e.g. for the response cache. */
  onForward?: ((raw: string) => void) | undefined;
  onEnd(outcome: RelayOutcome): void;
  /**
   * A last SSE comment for the client, asked for after onEnd (so it may carry what onEnd worked out, such as
   * the call's cost). SSE readers skip comment lines, so the SDKs see nothing; a client reading raw events can.
   */
  closingComment?: (() => string | undefined) | undefined;
}

type Raced<T> = { kind: 'read'; result: T } | { kind: 'failed' } | { kind: 'timeout' } | { kind: 'woken' };

/**
 * Passes an upstream SSE stream to the client event by event while its observer reads the usage. When the
 * client hangs up, the relay keeps reading for a bounded time, so that the usage the upstream sends last
 * (and bills in any case) is still recorded; past that, it records what it saw, flagged as an estimate.
 */
export function relayStream(options: RelayOptions): ReadableStream<Uint8Array> {
  const { observer } = options;
  const reader = options.upstream.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const splitter = new SseSplitter();
  let clientGoneAtMs: number | undefined;
  let wake: () => void = () => {};
  let firstTokenAtMs: number | undefined;

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string): void => {
        if (clientGoneAtMs !== undefined) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          // The client's side closed between the check and the write; the relay reads on as if it had left.
        }
      };
      const pass = (text: string): void => {
        for (const event of splitter.push(text)) {
          const seen = observer.observe(event);
          if (seen.token && firstTokenAtMs === undefined) firstTokenAtMs = options.now();
          if (!seen.forward) continue;
          send(event.raw);
          options.onForward?.(event.raw);
        }
      };
      void pump(pass, send).then((status) => {
        const exact = observer.usage();
        options.onEnd({
          status,
          usage: exact ?? observer.estimate(),
          estimated: exact === null,
          firstTokenAtMs,
          upstreamId: observer.upstreamId,
        });
        if (clientGoneAtMs === undefined) {
          const comment = options.closingComment?.();
          if (comment !== undefined) send(`: ${comment}\n\n`);
          try {
            controller.close();
          } catch {
            // Already closed by a cancel that raced the end.
          }
        }
      });
    },
    cancel() {
      clientGoneAtMs = options.now();
      wake();
    },
  });

  async function pump(pass: (text: string) => void, send: (text: string) => void): Promise<RelayOutcome['status']> {
    let pendingRead: ReturnType<typeof reader.read> | undefined;
    const stop = (): void => {
      options.abortUpstream();
      reader.cancel().catch(() => {});
    };
    try {
      for (;;) {
        if (clientGoneAtMs !== undefined && observer.complete) {
          stop();
          return 'cancelled';
        }
        pendingRead ??= reader.read();
        const waitMs = clientGoneAtMs === undefined ? options.idleTimeoutMs : Math.max(0, clientGoneAtMs + options.drainAfterAbortMs - options.now());
        const raced = await race(pendingRead, waitMs);
        if (raced.kind === 'woken') continue;
        if (raced.kind === 'failed') return failed();
        if (raced.kind === 'timeout') {
          stop();
          if (clientGoneAtMs !== undefined) return 'cancelled';
          send(options.errorEvent(gatewayRefusal('upstream_timeout', 'upstream', `${options.upstreamName} sent nothing for ${options.idleTimeoutMs} ms; the stream was cut`)));
          return 'timeout';
        }
        pendingRead = undefined;
        const { done, value } = raced.result;
        if (done) {
          pass(decoder.decode());
          for (const event of splitter.finish()) {
            observer.observe(event);
            send(event.raw);
            options.onForward?.(event.raw);
          }
          if (clientGoneAtMs !== undefined) return 'cancelled';
          return observer.failed ? 'error' : 'ok';
        }
        pass(decoder.decode(value, { stream: true }));
      }
    } catch {
      return failed();
    }

    // The upstream reset the connection mid-stream, or the observer met something it could not read.
    function failed(): RelayOutcome['status'] {
      if (clientGoneAtMs !== undefined) return 'cancelled';
      send(options.errorEvent(gatewayRefusal('upstream_unreachable', 'upstream', `${options.upstreamName} broke off the stream`)));
      return 'error';
    }
  }

  // Waits for the read, the time limit, or the client leaving (which changes the time limit), whichever is first.
  function race<T>(read: Promise<T>, waitMs: number): Promise<Raced<T>> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      // A read that fails after the race is over must not surface as an unhandled rejection.
      read.then(
        (result): Raced<T> => ({ kind: 'read', result }),
        (): Raced<T> => ({ kind: 'failed' }),
      ),
      new Promise<Raced<T>>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timeout' }), waitMs);
      }),
      new Promise<Raced<T>>((resolve) => {
        wake = () => resolve({ kind: 'woken' });
      }),
    ]).finally(() => {
      clearTimeout(timer);
      wake = () => {};
    });
  }
}
