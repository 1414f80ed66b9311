import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayUsageEvent } from '../../core/gateway/gateway-event.js';
import { SecretKey } from '../../core/gateway/secret-key.js';
import { EventRecorder } from './event-recorder.js';
import { forwardDelivery } from './forward-delivery.js';

interface Received {
  authorization: string | undefined;
  contentType: string | undefined;
  lines: unknown[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

// A stand-in for `unitcost serve` that answers each POST /v1/events with the next status of a script.
async function eventsServer(statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (part: Buffer) => (text += part.toString('utf8')));
    request.on('end', () => {
      const lines = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
      received.push({ authorization: request.headers.authorization, contentType: request.headers['content-type'], lines });
      const status = statuses.shift() ?? 200;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(status === 200 ? { received: lines.length, accepted: lines.length, rejected: 0, results: lines.map((_line, index) => ({ index, status: 'accepted' })) } : { error: { code: 'internal', message: 'busy' } }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const event: GatewayUsageEvent = { id: 'gw_1', timestamp: '2026-03-02T14:05:11Z', provider: 'openai', model: 'gpt-4.1', input_tokens: 10, output_tokens: 2 };

describe('forwardDelivery', () => {
  it('posts events as NDJSON with the ingest key, and sends the same batch again after a 503', async () => {
    const { url, received } = await eventsServer([503, 200]);
    const problems: string[] = [];
    const recorder = new EventRecorder(forwardDelivery(url, { apiKey: new SecretKey('uc_ingest_key'), onProblem: (message) => problems.push(message) }), { retryBaseMs: 1, onProblem: (message) => problems.push(message) });
    recorder.record(event);
    await recorder.close();
    expect(received).toHaveLength(2);
    expect(received[1]).toEqual({ authorization: 'Bearer uc_ingest_key', contentType: 'application/x-ndjson', lines: [event] });
    expect(received[0]!.lines).toEqual(received[1]!.lines);
    expect(recorder.counters()).toMatchObject({ delivered: 1, retries: 1, dropped: 0 });
    expect(problems).toEqual([]);
  });

  it('does not retry a batch the server refuses as unauthorized', async () => {
    const { url } = await eventsServer([401]);
    const delivery = forwardDelivery(url, { onProblem: () => {} });
    expect(await delivery([event])).toEqual({ delivered: false, retryable: false, reason: `${url}/v1/events refused the batch with HTTP 401` });
  });

  it('retries when the server cannot be reached', async () => {
    const delivery = forwardDelivery('http://127.0.0.1:9', { onProblem: () => {} });
    expect(await delivery([event])).toMatchObject({ delivered: false, retryable: true, reason: expect.stringContaining('cannot reach http://127.0.0.1:9/v1/events') });
  });
});
