import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip, gzipSync, constants as zlibConstants } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { callUpstream, UpstreamAbort } from './call-upstream.js';

let server: Server | undefined;

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

describe('callUpstream', () => {
  it('sends the method, headers and body, and reads the status, headers and body', async () => {
    const url = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        response.writeHead(201, { 'content-type': 'application/json', 'x-seen': `${request.method} ${request.headers['x-test']} ${request.headers['content-length']}` });
        response.end(JSON.stringify({ echoed: body }));
      });
    });
    const answer = await callUpstream(`${url}/v1/echo`, { method: 'POST', headers: { 'x-test': 'yes' }, body: '{"a":1}', signal: new AbortController().signal });
    expect(answer.status).toBe(201);
    expect(answer.headers['x-seen']).toBe('POST yes 7');
    expect(JSON.parse(await answer.text())).toEqual({ echoed: '{"a":1}' });
  });

  it('sends the user and password of an upstream URL as basic authorization, and its query with the path', async () => {
    const url = await serve((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`${request.url} ${request.headers.authorization}`);
    });
    const withCredentials = url.replace('http://', 'http://proxy%20user:s%3Acret@');
    const answer = await callUpstream(`${withCredentials}/v1/chat/completions?api-version=2024-10-21`, { method: 'POST', headers: {}, body: '{}' });
    expect(await answer.text()).toBe(`/v1/chat/completions?api-version=2024-10-21 Basic ${Buffer.from('proxy user:s:cret').toString('base64')}`);
  });

  it('decodes an answer the upstream compressed unasked', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      response.end(gzipSync('{"ok":true}'));
    });
    const answer = await callUpstream(url, { method: 'POST', headers: {}, body: '{}', signal: new AbortController().signal });
    expect(await answer.text()).toBe('{"ok":true}');
  });

  it('decodes a compressed stream event by event as it arrives', async () => {
    let sendRest: () => void = () => {};
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(response);
      gzip.write('data: {"n":1}\n\n');
      gzip.flush(zlibConstants.Z_SYNC_FLUSH);
      sendRest = () => gzip.end('data: {"n":2}\n\n');
    });
    const answer = await callUpstream(url, { method: 'POST', headers: {}, body: '{}' });
    const reader = answer.stream().getReader();
    const decoder = new TextDecoder();
    // The first event is read before the upstream has sent the second: decoded as it comes, not at the end.
    expect(decoder.decode((await reader.read()).value)).toBe('data: {"n":1}\n\n');
    sendRest();
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) rest += decoder.decode(part.value);
    expect(rest).toBe('data: {"n":2}\n\n');
  });

  it('gives a stream asked for late the chunks that came before, then the rest as they come', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
      setTimeout(() => response.end('data: second\n\n'), 60);
    });
    const answer = await callUpstream(url, { method: 'POST', headers: {}, body: '{}' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const reader = answer.stream().getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) text += decoder.decode(part.value);
    expect(text).toBe('data: first\n\ndata: second\n\n');
  });

  it('rejects the body read when the gateway aborts the call while the answer arrives', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
    });
    const abort = new UpstreamAbort();
    const answer = await callUpstream(url, { method: 'POST', headers: {}, body: '{}', abort });
    const body = answer.text();
    abort.abort();
    await expect(body).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects the body read when the upstream resets the connection mid-answer', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const answer = await callUpstream(url, { method: 'POST', headers: {}, body: '{}', signal: new AbortController().signal });
    await expect(answer.text()).rejects.toThrow();
  });

  it('rejects with the socket error code when nothing listens', async () => {
    const url = await serve(() => {});
    const closedUrl = url;
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(callUpstream(closedUrl, { method: 'POST', headers: {}, body: '{}', signal: new AbortController().signal })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('drops an idle connection before the keep-alive timeout the upstream announced, so no call goes out on one the upstream is closing', async () => {
    // The upstream announces `Keep-Alive: timeout=2` and, like a server closing an idle connection just as a
    // request reaches it, drops any connection on its second request. The agent must have let go of the
    // connection a second before the announced timeout, and open a new one for the call after the pause.
    let connections = 0;
    const url = await serve((request, response) => {
      const socket = request.socket as typeof request.socket & { requests?: number };
      socket.requests = (socket.requests ?? 0) + 1;
      if (socket.requests > 1) return socket.destroy();
      request.resume();
      request.on('end', () => response.end('{"ok":true}'));
    });
    server!.keepAliveTimeout = 2_000;
    server!.on('connection', () => (connections += 1));
    const first = await callUpstream(url, { method: 'POST', headers: {}, body: '{}' });
    expect(await first.text()).toBe('{"ok":true}');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const second = await callUpstream(url, { method: 'POST', headers: {}, body: '{}' });
    expect(second.status).toBe(200);
    expect(await second.text()).toBe('{"ok":true}');
    expect(connections).toBe(2);
  });

  it('rejects when aborted before the answer', async () => {
    const url = await serve(() => {});
    const abort = new AbortController();
    const pending = callUpstream(url, { method: 'POST', headers: {}, body: '{}', signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
