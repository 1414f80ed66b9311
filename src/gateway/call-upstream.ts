import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { brotliDecompressSync, createBrotliDecompress, createGunzip, createInflate, gunzipSync, inflateSync, type Gunzip } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';

/** The request the gateway sends upstream. */
export interface UpstreamRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborting it destroys the connection, whether the answer has begun or not. */
  signal?: AbortSignal | undefined;
  /** The same without an AbortSignal: the proxy path's, where a signal and its listeners per call cost more than the abort itself. */
  abort?: UpstreamAbort | undefined;
}

/** Stops one upstream call: before it is sent, while waiting for the answer, or while its body is read. */
export class UpstreamAbort {
  private destroy: ((error: Error) => void) | undefined;
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.destroy?.(abortError());
  }

  /** Called by callUpstream with what destroys its request. */
  bind(destroy: (error: Error) => void): void {
    this.destroy = destroy;
  }
}

function abortError(): Error {
  return Object.assign(new Error('the upstream call was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** The upstream's answer once its headers have arrived; its body is read once, whole or as a stream. */
export interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body; rejects if the connection breaks or the call is aborted before its end. */
  text(): Promise<string>;
  /** The body as it arrives, for a relay. */
  stream(): ReadableStream<Uint8Array>;
}

// Kept-alive connections per upstream, through undici's dispatcher: its HTTP/1.1 client is the one made for a
// proxy's outgoing side. node:http's agent and ClientRequest (and the IncomingMessage stream of each answer)
// were ~25% of the gateway's serving thread at 1,000 calls/s; a minimal proxy spent 18% less CPU a call
// through undici's dispatch than through node:http (BENCHMARKS.md, "Gateway"). fetch, undici's too, is not
// used: its WHATWG Request, Headers and body streams cost ~0.2 ms a call for nothing the gateway reads.
//
// An idle connection is dropped after `idleSocketMs`, or a second before the upstream's announced `Keep-Alive:
// timeout=N`, whichever is sooner: a call sent on a connection as the upstream closes it fails with a reset,
// an error of zero tokens and a 502 for a call the upstream never saw. The gateway times its calls itself
// (timeouts.upstream_ms, the stream's idle timeout), so undici's own header and body timeouts are off.
const idleSocketMs = 4_000;
const dispatcher = new Agent({
  keepAliveTimeout: idleSocketMs,
  keepAliveMaxTimeout: idleSocketMs,
  keepAliveTimeoutThreshold: 1_000,
  headersTimeout: 0,
  bodyTimeout: 0,
});

/**
 * Sends one request upstream over a kept-alive connection and resolves with the answer's status and
 * headers. The gateway asks for no compression (it forwards no accept-encoding), but an upstream that
 * compresses anyway is decoded here, as fetch would have.
 */
export function callUpstream(url: string, request: UpstreamRequest): Promise<UpstreamAnswer> {
  const target = targetOf(url);
  return new Promise<UpstreamAnswer>((resolve, reject) => {
    if (request.abort?.aborted === true || request.signal?.aborted === true) return reject(abortError());
    let headers = request.headers;
    // As node:http did with a URL's credentials: basic authorization, unless the request carries its own.
    if (target.authorization !== undefined && headers.authorization === undefined) {
      headers = Object.assign({}, headers);
      headers.authorization = target.authorization;
    }
    const call = new UpstreamCall(resolve, reject, request.signal);
    request.abort?.bind((error) => call.abort(error));
    try {
      dispatcher.dispatch({ origin: target.origin, path: target.path, method: request.method as Dispatcher.HttpMethod, headers, body: request.body ?? null }, call);
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/**
 * One call's handler, an object with its methods on its class: closures made per call (as node:http's
 * listeners were) kept each call alive past the young generation's collection (BENCHMARKS.md, "Gateway").
 * Until its answer's body is asked for, the chunks that arrive are kept; then they go to the reader as
 * they come: `text()` once whole, `stream()` with backpressure (the connection pauses while the reader lags).
 */
class UpstreamCall implements Dispatcher.DispatchHandler, UpstreamAnswer {
  status = 0;
  headers: IncomingHttpHeaders = {};
  private controller: Dispatcher.DispatchController | undefined;
  private pendingAbort: Error | undefined;
  private started = false;
  private ended = false;
  private failure: Error | undefined;
  private chunks: Buffer[] = [];
  private textWaiter: { resolve(text: string): void; reject(error: Error): void } | undefined;
  private sink: ReadableStreamDefaultController<Uint8Array> | undefined;
  private decoder: Gunzip | undefined;
  private readonly onSignal: (() => void) | undefined;

  constructor(
    private readonly resolveAnswer: (answer: UpstreamAnswer) => void,
    private readonly rejectAnswer: (error: Error) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (signal !== undefined) {
      this.onSignal = () => this.abort(abortError());
      signal.addEventListener('abort', this.onSignal, { once: true });
    }
  }

  abort(error: Error): void {
    if (this.controller === undefined) {
      // Not yet on a connection: undici aborts it as soon as it is, and the caller hears now.
      this.pendingAbort ??= error;
      this.fail(error);
      return;
    }
    this.controller.abort(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort !== undefined) controller.abort(this.pendingAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // An informational answer (100 Continue) comes before the real one.
    if (statusCode < 200 || this.started) return;
    this.started = true;
    this.status = statusCode;
    this.headers = headers;
    this.resolveAnswer(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.decoder !== undefined) {
      if (!this.decoder.write(chunk)) controller.pause();
    } else if (this.sink !== undefined) {
      this.sink.enqueue(chunk);
      if ((this.sink.desiredSize ?? 0) <= 0) controller.pause();
    } else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.ended = true;
    this.release();
    if (this.decoder !== undefined) this.decoder.end();
    else if (this.sink !== undefined) this.sink.close();
    else if (this.textWaiter !== undefined) this.deliverText(this.textWaiter);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  private fail(error: Error): void {
    if (this.failure !== undefined || this.ended) return;
    this.failure = error;
    this.release();
    if (!this.started) return this.rejectAnswer(error);
    if (this.decoder !== undefined) this.decoder.destroy(error);
    else if (this.sink !== undefined) this.sink.error(error);
    else this.textWaiter?.reject(error);
  }

  private release(): void {
    if (this.onSignal !== undefined) this.signal?.removeEventListener('abort', this.onSignal);
  }

  text(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      if (this.ended) return this.deliverText({ resolve, reject });
      this.textWaiter = { resolve, reject };
    });
  }

  private deliverText(waiter: { resolve(text: string): void; reject(error: Error): void }): void {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    try {
      waiter.resolve(decodeWhole(body, this.encoding()).toString('utf8'));
    } catch (error) {
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  stream(): ReadableStream<Uint8Array> {
    const encoding = this.encoding();
    if (encoding !== undefined) return this.decodedStream(encoding);
    return new ReadableStream<Uint8Array>({
      start: (sink) => {
        for (const chunk of this.chunks) sink.enqueue(chunk);
        this.chunks = [];
        if (this.failure !== undefined) sink.error(this.failure);
        else if (this.ended) sink.close();
        else this.sink = sink;
      },
      pull: () => this.controller?.resume(),
      // The reader gave up (the relay's drain is over): nothing more is enqueued, and the connection is cut.
      cancel: () => {
        this.sink = undefined;
        this.abort(abortError());
      },
    });
  }

  // A compressed stream, which no upstream sends unasked in practice: the chunks go through zlib's stream.
  private decodedStream(encoding: string): ReadableStream<Uint8Array> {
    const decoder = (encoding === 'br' ? createBrotliDecompress() : encoding === 'deflate' ? createInflate() : createGunzip()) as Gunzip;
    decoder.on('drain', () => this.controller?.resume());
    for (const chunk of this.chunks) decoder.write(chunk);
    this.chunks = [];
    if (this.failure !== undefined) decoder.destroy(this.failure);
    else if (this.ended) decoder.end();
    else this.decoder = decoder;
    const stream = Readable.toWeb(decoder) as ReadableStream<Uint8Array>;
    return stream;
  }

  private encoding(): string | undefined {
    const value = this.headers['content-encoding'];
    const encoding = (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase();
    if (encoding === 'gzip' || encoding === 'x-gzip') return 'gzip';
    if (encoding === 'deflate' || encoding === 'br') return encoding;
    return undefined;
  }
}

function decodeWhole(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === undefined) return body;
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  return brotliDecompressSync(body);
}

// An upstream's URL is parsed once, not per call: the same few base URLs and routes carry every call.
interface UpstreamTarget {
  origin: string;
  path: string;
  authorization: string | undefined;
}

const targets = new Map<string, UpstreamTarget>();

function targetOf(url: string): UpstreamTarget {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    const credentials = parsed.username === '' ? undefined : `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    target = {
      origin: parsed.origin,
      path: `${parsed.pathname}${parsed.search}`,
      authorization: credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`,
    };
    // Bounded: the URLs come from the config, but a misused caller must not grow this without end.
    if (targets.size < 1_000) targets.set(url, target);
  }
  return target;
}
