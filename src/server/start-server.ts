import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { pino, type DestinationStream, type Level } from 'pino';
import type { ServerServices } from '../app/server-types.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { createServer } from './create-server.js';
import { loadDashboardAssets } from './dashboard-assets.js';
import type { BatchLimits } from './read-event-body.js';
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
  /** A second port for the same routes, e.g. 4318 where OTLP exporters send by default; 0 picks a free one. */
  otlpPort?: number;
}

/** A listening server. */
export interface RunningServer {
  /** The base URL, e.g. http://127.0.0.1:8787. */
  url: string;
  host: string;
  port: number;
  metrics: ServerMetrics;
  /** The base URL of the second (OTLP) listener, when one was asked for. */
  otlpUrl?: string;
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
  const server = await listen(app.fetch, options.port, options.host);
  const otlpServer = options.otlpPort === undefined ? undefined : await listen(app.fetch, options.otlpPort, options.host, '--otlp-port').catch(async (error: unknown) => {
    await closeServer(server);
    throw error;
  });
  const address = server.address() as AddressInfo;
  return {
    url: baseUrl(address),
    ...(otlpServer ? { otlpUrl: baseUrl(otlpServer.address() as AddressInfo) } : {}),
    host: address.address,
    port: address.port,
    metrics,
    close: async () => {
      await Promise.all([closeServer(server), otlpServer ? closeServer(otlpServer) : undefined]);
    },
  };
}

function baseUrl(address: AddressInfo): string {
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, host: string, flag = '--port'): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const candidate = serve({ fetch, port, hostname: host }) as Server;
    candidate.once('listening', () => {
      // Keep-alive sockets would hold close() open for their idle timeout; requests in flight still finish.
      candidate.keepAliveTimeout = 5_000;
      resolve(candidate);
    });
    candidate.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UnitcostError('invalid_argument', `port ${port} on ${host} is in use: stop what holds it or pass ${flag}`, { field: flag }, { cause: error })
          : error,
      );
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
