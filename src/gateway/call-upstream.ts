import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

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

// Kept-alive connections per upstream, reused most-recent first so that a few warm sockets carry the load.
// node:http rather than fetch: fetch's WHATWG layers (Request, Headers, streams) cost ~0.2 ms of CPU a call
// on the gateway's one event loop, for nothing the gateway uses. Idle sockets are unreferenced by the agent,
// so they never hold the process open.
//
// An idle socket is dropped after `idleSocketMs`, or a second before the upstream's announced `Keep-Alive:
// timeout=N`, whichever is sooner, as fetch did. Without a timeout the agent ignores that hint (Node 20 takes
// it only to shorten a timeout it has), keeps the socket until the upstream closes it, and a call sent on it
// as the upstream closes (the gateway's loop a few ms late at that moment) fails with ECONNRESET "socket hang
// up": an error of zero tokens and a 502 for a call the upstream never saw. The timeout only ever cuts free
// sockets: a slow answer on a busy one is not timed by it.
const idleSocketMs = 4_000;
const agentOptions = { keepAlive: true, scheduling: 'lifo', timeout: idleSocketMs } as const;
const httpAgent = new HttpAgent(agentOptions);
const httpsAgent = new HttpsAgent(agentOptions);

/**
 * Sends one request upstream over a kept-alive connection and resolves with the answer's status and
 * headers. The gateway asks for no compression (it forwards no accept-encoding), but an upstream that
 * compresses anyway is decoded here, as fetch would have.
 */
export function callUpstream(url: string, request: UpstreamRequest): Promise<UpstreamAnswer> {
  const target = targetOf(url);
  return new Promise<UpstreamAnswer>((resolve, reject) => {
    if (request.abort?.aborted) return reject(abortError());
    // A fresh literal, not `{ ...target.options, … }`: with that spread (which V8 compiles to an object clone)
    // each call's options and the headers they hold lived through two scavenges into the old generation, ~0.5
    // KB a call (`--trace-gc-nvp`, a minimal proxy around this function: 40–60 KB promoted per scavenge
    // against 3 KB, with or without allocation-site pretenuring; V8's reason not established).
    const options: RequestOptions = {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      method: request.method,
      headers: request.headers,
      agent: target.secure ? httpsAgent : httpAgent,
    };
    if (target.auth !== undefined) options.auth = target.auth;
    if (request.signal !== undefined) options.signal = request.signal;
    const outgoing: ClientRequest = (target.secure ? httpsRequest : httpRequest)(options);
    request.abort?.bind((error) => outgoing.destroy(error));
    // on, not once: an error after the answer began (an abort, a reset) would otherwise be thrown; the body's reader sees it.
    outgoing.on('error', reject);
    outgoing.once('response', (incoming: IncomingMessage) => resolve(answerOf(incoming)));
    // With the body passed to end(), the headers and the body leave in one write.
    outgoing.end(request.body);
  });
}

// An upstream's URL is parsed once, not per call: the same few base URLs and routes carry every call.
interface UpstreamTarget {
  secure: boolean;
  protocol: string;
  hostname: string;
  port: number;
  path: string;
  auth: string | undefined;
}

const targets = new Map<string, UpstreamTarget>();

function targetOf(url: string): UpstreamTarget {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    const secure = parsed.protocol === 'https:';
    target = {
      secure,
      protocol: parsed.protocol,
      // An IPv6 literal comes bracketed in a URL and bare in request options.
      hostname: parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname,
      port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
      path: `${parsed.pathname}${parsed.search}`,
      auth: parsed.username === '' ? undefined : `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`,
    };
    // Bounded: the URLs come from the config, but a misused caller must not grow this without end.
    if (targets.size < 1_000) targets.set(url, target);
  }
  return target;
}

function answerOf(incoming: IncomingMessage): UpstreamAnswer {
  // A reset before the body is read must not surface as an uncaught error; the reader sees it in any case.
  incoming.on('error', () => {});
  const body = decoded(incoming);
  return {
    status: incoming.statusCode ?? 502,
    headers: incoming.headers,
    // Events rather than an async iterator: the iterator's promise per chunk cost more than the read on the proxy path.
    text: () =>
      new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let ended = false;
        body.on('data', (chunk: Buffer) => chunks.push(chunk));
        body.once('end', () => {
          ended = true;
          resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
        });
        body.once('error', reject);
        // A reset or an abort before the body's end.
        body.once('close', () => {
          if (!ended) reject(abortError());
        });
      }),
    stream: () => Readable.toWeb(body) as ReadableStream<Uint8Array>,
  };
}

function decoded(incoming: IncomingMessage): Readable {
  const encoding = incoming.headers['content-encoding']?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (decoder === undefined) return incoming;
  incoming.once('error', (error) => decoder.destroy(error));
  incoming.once('aborted', () => decoder.destroy(new Error('aborted')));
  return incoming.pipe(decoder);
}
