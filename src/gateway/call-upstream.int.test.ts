import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { callUpstream } from './call-upstream.js';

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

  it('decodes an answer the upstream compressed unasked', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      response.end(gzipSync('{"ok":true}'));
    });
    const answer = await callUpstream(url, { method: 'POST', headers: {}, body: '{}', signal: new AbortController().signal });
    expect(await answer.text()).toBe('{"ok":true}');
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

  it('rejects when aborted before the answer', async () => {
    const url = await serve(() => {});
    const abort = new AbortController();
    const pending = callUpstream(url, { method: 'POST', headers: {}, body: '{}', signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
