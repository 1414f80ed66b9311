import type { IncomingMessage, ServerResponse } from 'node:http';
import { signalClientConnection, type ClientConnection } from './client-connection.js';

/** The request headers a proxied call reads: a Fetch `Headers` is one, and so is the Node request's own record, read in place. */
export interface RequestHeaders {
  get(name: string): string | null;
  has(name: string): boolean;
  /** Every header once, its name in lower case. */
  forEach(callback: (value: string, name: string) => void): void;
}

/** One proxied call as the gateway reads it, whichever server delivered it. */
export interface CallRequest {
  headers: RequestHeaders;
  /** The whole body; rejects when the client hung up while sending it. */
  text(): Promise<string>;
  /** Whether the client is still there. */
  client: ClientConnection;
}

/** The gateway's answer to one call, before any server turns it into bytes: a body already whole, a stream, or none. */
export interface CallAnswer {
  status: number;
  /** A plain record: set-cookie stays a list, which is how node:http writes it. */
  headers: Record<string, string | string[]>;
  body: string | ReadableStream<Uint8Array> | null;
}

/** A call from a Fetch Request: Hono's route, another runtime, a test's app.request. */
export function fetchCallRequest(request: Request, client?: ClientConnection): CallRequest {
  return { headers: request.headers, text: () => request.text(), client: client ?? signalClientConnection(request) };
}

/**
 * A call straight from node:http, with no Fetch Request built for it: its headers read from the record Node
 * has parsed (a repeated header joined by ", " as Fetch does, except those Node keeps once, such as
 * authorization and content-type, where it keeps the first), and its body read as Buffers and decoded once.
 */
export function nodeCallRequest(incoming: IncomingMessage, client: ClientConnection): CallRequest {
  const record = incoming.headers;
  const lookUp = (name: string): string | string[] | undefined => {
    const lower = name.toLowerCase();
    return Object.hasOwn(record, lower) ? record[lower] : undefined;
  };
  const headers: RequestHeaders = {
    get: (name) => valueOf(lookUp(name)),
    has: (name) => lookUp(name) !== undefined,
    forEach: (callback) => {
      for (const name in record) {
        const value = valueOf(record[name]);
        if (value !== null) callback(value, name);
      }
    },
  };
  return { headers, text: () => readBody(incoming), client };
}

// Node keeps set-cookie as a list; no client sends it, but Fetch would join it too.
function valueOf(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return typeof value === 'string' ? value : value.join(', ');
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const fail = (): void => {
      if (settled) return;
      settled = true;
      reject(new Error('the client closed the connection before its request body ended'));
    };
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', finish);
    incoming.once('error', fail);
    // A connection cut before the body's end: 'close' without 'end'.
    incoming.once('close', () => (incoming.readableEnded ? finish() : fail()));
  });
}

/** The answer as a Fetch Response, for Hono's routes. */
export function answerResponse(answer: CallAnswer): Response {
  // The Node adapter passes a record of headers to writeHead as it is, lists included; the Fetch type admits only strings.
  return new Response(answer.body, { status: answer.status, headers: answer.headers as Record<string, string> });
}

/**
 * Writes the answer to a Node response. A whole body goes with its Content-Length in one `end()`, so that
 * the head and the body leave in one write; a stream is written as it comes, its head flushed first so that
 * the client's time to first token does not wait for the first event, and cancelled if the client leaves,
 * which is how the relay hears of it.
 */
export function writeAnswer(answer: CallAnswer, outgoing: ServerResponse): void {
  const { body, headers } = answer;
  if (body === null) {
    outgoing.writeHead(answer.status, headers);
    outgoing.end();
    return;
  }
  if (typeof body === 'string') {
    headers['content-length'] = String(Buffer.byteLength(body));
    outgoing.writeHead(answer.status, headers);
    outgoing.end(body);
    return;
  }
  outgoing.writeHead(answer.status, headers);
  outgoing.flushHeaders();
  void pump(body.getReader(), outgoing);
}

async function pump(reader: ReadableStreamDefaultReader<Uint8Array>, outgoing: ServerResponse): Promise<void> {
  const cancel = (): void => void reader.cancel().catch(() => {});
  if (outgoing.destroyed) return cancel();
  // The client leaving (or the socket failing) before the end cancels the stream: the relay then drains the upstream for its usage.
  outgoing.once('close', cancel);
  outgoing.once('error', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!outgoing.write(value)) await new Promise<void>((resolve) => outgoing.once('drain', resolve).once('close', resolve));
      if (outgoing.destroyed) return;
    }
    if (!outgoing.destroyed) outgoing.end();
  } catch (error) {
    outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
  } finally {
    outgoing.off('close', cancel);
    outgoing.off('error', cancel);
  }
}
