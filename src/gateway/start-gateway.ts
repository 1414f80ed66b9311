import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { pino, type DestinationStream, type Level } from 'pino';
import type { GatewayServices } from '../app/gateway/gateway-services.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { createGateway, createProxyListener } from './create-gateway.js';
import { InFlightCalls } from './in-flight-calls.js';

// The gateway's own process sets V8 up for it before it starts (gateway-command.ts), through this entry point.
export { disablePretenuring } from './disable-pretenuring.js';

/** How to start the gateway. */
export interface StartGatewayOptions {
  services: GatewayServices;
  host: string;
  /** 0 picks a free port, as tests do. */
  port: number;
  logLevel?: Level | 'silent';
  /** Where logs go; standard output by default. */
  logDestination?: DestinationStream;
}

/** A listening gateway. */
export interface RunningGateway {
  /** e.g. http://127.0.0.1:8788 */
  url: string;
  port: number;
  /** Stops accepting connections and resolves once the calls in flight are answered; the services stay open. */
  close(): Promise<void>;
}

// Long enough to write an answer already computed; short enough not to hold a shutdown.
const closeGraceMs = 500;

/** Listens on host:port with the gateway app. */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  // The log never receives headers or bodies; the redaction guards against a future field that would.
  const logger = pino(
    {
      level: options.logLevel ?? 'info',
      base: null,
      redact: { paths: ['authorization', 'headers.authorization', 'headers["x-api-key"]', 'key', 'apiKey'], censor: '[redacted]' },
    },
    options.logDestination,
  );
  const calls = new InFlightCalls();
  const app = createGateway({ services: options.services, logger, calls });
  // The proxied routes first, straight from node:http; the Hono app for everything else.
  const proxied = createProxyListener({ services: options.services, logger, calls });
  const rest = getRequestListener(app.fetch, { hostname: options.host });
  const server = await new Promise<Server>((resolve, reject) => {
    const candidate = createServer((incoming, outgoing) => {
      if (!proxied(incoming, outgoing)) void rest(incoming, outgoing);
    });
    candidate.listen(options.port, options.host);
    candidate.once('listening', () => {
      // Keep-alive sockets would hold close() open for their idle timeout; calls in flight still finish.
      candidate.keepAliveTimeout = 5_000;
      resolve(candidate);
    });
    candidate.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UnitcostError('invalid_argument', `port ${options.port} on ${options.host} is in use: stop what holds it or pass --port`, { field: '--port' }, { cause: error })
          : error,
      );
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    port: address.port,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeIdleConnections();
      // Calls in flight finish and are recorded. Their answers then take a moment to be written, and each
      // connection that goes idle is closed; what is left after the grace carries nothing more.
      await calls.idle();
      const sweep = setInterval(() => server.closeIdleConnections(), 20);
      const cut = setTimeout(() => server.closeAllConnections(), closeGraceMs);
      try {
        await closed;
      } finally {
        clearInterval(sweep);
        clearTimeout(cut);
      }
    },
  };
}
