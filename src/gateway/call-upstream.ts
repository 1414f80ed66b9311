import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** The request the gateway sends upstream. */
export interface UpstreamRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborting it destroys the connection, whether the answer has begun or not. */
  signal: AbortSignal;
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
const agentOptions = { keepAlive: true, scheduling: 'lifo' } as const;
const httpAgent = new HttpAgent(agentOptions);
const httpsAgent = new HttpsAgent(agentOptions);

/**
 * Sends one request upstream over a kept-alive connection and resolves with the answer's status and
 * headers. The gateway asks for no compression (it forwards no accept-encoding), but an upstream that
 * compresses anyway is decoded here, as fetch would have.
 */
export function callUpstream(url: string, request: UpstreamRequest): Promise<UpstreamAnswer> {
  const secure = url.startsWith('https:');
  return new Promise<UpstreamAnswer>((resolve, reject) => {
    const outgoing = (secure ? httpsRequest : httpRequest)(url, {
      method: request.method,
      headers: request.headers,
      agent: secure ? httpsAgent : httpAgent,
      signal: request.signal,
    });
    // on, not once: an error after the answer began (an abort, a reset) would otherwise be thrown; the body's reader sees it.
    outgoing.on('error', reject);
    outgoing.once('response', (incoming: IncomingMessage) => resolve(answerOf(incoming)));
    // With the body passed to end(), the headers and the body leave in one write.
    outgoing.end(request.body);
  });
}

function answerOf(incoming: IncomingMessage): UpstreamAnswer {
  // A reset before the body is read must not surface as an uncaught error; the reader sees it in any case.
  incoming.on('error', () => {});
  const body = decoded(incoming);
  return {
    status: incoming.statusCode ?? 502,
    headers: incoming.headers,
    text: async () => {
      const chunks: Buffer[] = [];
      // The iterator rejects on a reset or an abort, and on a connection closed before the body's end.
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    },
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
