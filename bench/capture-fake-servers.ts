import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeProvider } from '../src/testing/fake-provider-server.js';

/*
 * Run by capture-wrapper.bench.ts as a child process, so that serving does not share the event loop of
 * the client being timed: the fake provider, and a stand-in for POST /v1/events that accepts and counts
 * every batch the server sink sends. Prints {"provider": url, "events": url} once both listen; GET
 * /count on the events server answers how many events it has received.
 */
const provider = await startFakeProvider();
// The fake keeps every request for tests to inspect; a benchmark's hundred thousand must not pile up.
setInterval(() => provider.requests.splice(0), 1000).unref();
let received = 0;
const events = createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received }));
    return;
  }
  let lines = 0;
  request.on('data', (part: Buffer) => {
    for (const byte of part) if (byte === 10) lines += 1;
  });
  request.on('end', () => {
    received += lines;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received: lines, accepted: lines, rejected: 0, unpriced: 0, results: [] }));
  });
});
await new Promise<void>((resolve) => events.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ provider: provider.url, events: `http://127.0.0.1:${(events.address() as AddressInfo).port}` }));
process.on('SIGTERM', () => process.exit(0));
