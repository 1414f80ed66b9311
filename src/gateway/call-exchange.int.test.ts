import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeCallRequest, writeAnswer, type CallAnswer, type CallRequest } from './call-exchange.js';
import { nodeClientConnection } from './client-connection.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

// A server on loopback whose every request goes to `handle`, as the gateway's proxied routes do.
async function serve(handle: (incoming: IncomingMessage, outgoing: ServerResponse) => void): Promise<string> {
  server = createServer(handle);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// Sends raw header lines, so that a header can be repeated and its case chosen.
function send(url: string, headers: Array<[string, string]>, body: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    // A list of raw headers gets no Host of Node's own, which HTTP/1.1 requires.
    const raw = [['Host', new URL(url).host], ...headers].flat();
    const outgoing = request(`${url}/v1/chat/completions`, { method: 'POST', headers: raw as unknown as Record<string, string> }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('a call read from node:http and answered to it', () => {
  it('reads the headers in place, as Fetch would (any case, repeats joined, nothing from the prototype), and the body once', async () => {
    let seen: { feature: string | null; tags: string | null; hasKey: boolean; constructorHeader: boolean; listed: string[]; body: string } | undefined;
    const url = await serve((incoming, outgoing) => {
      const call: CallRequest = nodeCallRequest(incoming, nodeClientConnection(incoming, outgoing));
      const listed: string[] = [];
      call.headers.forEach((value, name) => listed.push(`${name}=${value}`));
      void call.text().then((body) => {
        seen = { feature: call.headers.get('X-Unitcost-Feature'), tags: call.headers.get('x-extra'), hasKey: call.headers.has('Authorization'), constructorHeader: call.headers.has('constructor'), listed, body };
        writeAnswer({ status: 204, headers: {}, body: null }, outgoing);
      });
    });
    const body = JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'héllo' }] });
    await send(url, [['X-Unitcost-Feature', 'support'], ['x-extra', 'a'], ['x-extra', 'b'], ['Authorization', 'Bearer sk-test'], ['Content-Type', 'application/json']], body);
    expect(seen).toMatchObject({ feature: 'support', tags: 'a, b', hasKey: true, constructorHeader: false, body });
    expect(seen!.listed).toContain('x-unitcost-feature=support');
    expect(seen!.listed).toContain('x-extra=a, b');
  });

  it('answers a whole body with its Content-Length, not chunked, and a list header as its repeats', async () => {
    const url = await serve((incoming, outgoing) => {
      writeAnswer({ status: 200, headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }, body: '{"ok":"é"}' }, outgoing);
    });
    const answer = await send(url, [], '{}');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('{"ok":"é"}');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength('{"ok":"é"}')));
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });

  it('streams a body as it comes, its head before the first event, and cancels the stream when the client leaves', async () => {
    let pull: ((chunk: string) => void) | undefined;
    let cancelled!: () => void;
    const cancelledNow = new Promise<void>((resolve) => (cancelled = resolve));
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        pull = (chunk) => controller.enqueue(encoder.encode(chunk));
      },
      cancel() {
        cancelled();
      },
    });
    const url = await serve((incoming, outgoing) => {
      const answer: CallAnswer = { status: 200, headers: { 'content-type': 'text/event-stream' }, body: stream };
      writeAnswer(answer, outgoing);
    });
    const first = await new Promise<{ headers: IncomingMessage['headers']; chunk: string; leave: () => void }>((resolve, reject) => {
      const outgoing = request(`${url}/v1/chat/completions`, { method: 'POST' }, (answer) => {
        // The head came before any event was written.
        pull!('data: {"n":1}\n\n');
        answer.once('data', (chunk: Buffer) => resolve({ headers: answer.headers, chunk: chunk.toString('utf8'), leave: () => outgoing.destroy() }));
      });
      outgoing.on('error', () => {});
      outgoing.on('error', reject);
      outgoing.end('{}');
    });
    expect(first.headers['transfer-encoding']).toBe('chunked');
    expect(first.chunk).toBe('data: {"n":1}\n\n');
    first.leave();
    await cancelledNow;
  });
});
