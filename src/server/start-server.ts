import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { pino, type DestinationStream, type Level } from 'pino';
import type { ServerServices } from '../app/server-types.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { createServer } from './create-server.js';
import { loadDashboardAssets } from './dashboard-assets.js';
import type { BatchLimits } from './read-event-batch.js';
import type { ServerMetrics } from './server-metrics.js';

/** How to start the server. */
export interface StartOptions {
  services: ServerServices;
  host: string;
  /** 0 picks a free port, as tests do. */
  port: number;
  /** The built dashboard's folder (dist/web); without an index.html there, / says how to build it. */
  dashboardRoot?: string;
  /** Request logs at info; 'silent' for none. */
  logLevel?: Level | 'silent';
  /** Where logs go; standard output by default. */
  logDestination?: DestinationStream;
  limits?: Partial<BatchLimits>;
}

/** A listening server. */
export interface RunningServer {
  /** The base URL, e.g. http://127.0.0.1:8787. */
  url: string;
  host: string;
  port: number;
  metrics: ServerMetrics;
  /** Stops accepting connections and resolves once the requests in flight are answered. */
  close(): Promise<void>;
}

const loopbackAddresses = new Set(['127.0.0.1', 'localhost', '::1']);

/** Whether a host to listen on is loopback only. */
export function isLoopbackHost(host: string): boolean {
  return loopbackAddresses.has(host) || /^127\./.test(host);
}

/** Builds the app, loads the dashboard and listens on host:port. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  // Request logs never carry headers, queries or bodies; the redaction guards against a future field that would.
  const logger = pino(
    { level: options.logLevel ?? 'info', base: null, redact: { paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'key'], censor: '[redacted]' } },
    options.logDestination,
  );
  const { app, metrics } = createServer({
    services: options.services,
    loopbackOnly: isLoopbackHost(options.host),
    logger,
    dashboard: options.dashboardRoot === undefined ? null : loadDashboardAssets(options.dashboardRoot),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const candidate = serve({ fetch: app.fetch, port: options.port, hostname: options.host }) as Server;
    candidate.once('listening', () => resolve(candidate));
    candidate.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UnitcostError('invalid_argument', `port ${options.port} on ${options.host} is in use: stop what holds it or pass --port`, { field: '--port' }, { cause: error })
          : error,
      );
    });
  });
  // Keep-alive sockets would hold close() open for their idle timeout; requests in flight still finish.
  server.keepAliveTimeout = 5_000;
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    host: address.address,
    port: address.port,
    metrics,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
