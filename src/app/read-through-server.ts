import { UnitcostError } from '../core/unitcost-error.js';
import { isStoreInUse } from '../store/duckdb/duckdb-database.js';
import type { App } from './create-app.js';
import { storePath } from './open-store.js';
import { readServerDiscovery, type ServerDiscovery } from './server-discovery.js';

/** The same read as an HTTP request to the server's API, which answers with the CLI's --json. */
export interface ServerRead {
  method: 'GET' | 'POST';
  /** e.g. /v1/report */
  path: string;
  query: Array<[string, string]>;
  /** The body, and the name the user knows it by (a scenario file), which the server's messages call "request body". */
  body?: { text: string; contentType: string; name?: string };
}

/** A read answered from the store itself, or by the `unitcost serve` that holds it (its JSON, as is). */
export type StoreOrServerAnswer<T> = { from: 'store'; value: T } | { from: 'server'; json: unknown; server: ServerDiscovery };

// A server that does not answer its health check in this time is treated as not there.
const healthTimeoutMs = 2_000;

/**
 * Runs a read on the store; when a running `unitcost serve` holds the store (DuckDB lets one process open
 * the file, read-only or not), sends the same read to that server instead. A key, if the server needs one,
 * comes from $UNITCOST_API_KEY.
 */
export async function readThroughServer<T>(
  app: App,
  options: { db?: string },
  readStore: () => Promise<T>,
  // Built only when needed: reading a scenario file for the body, say, belongs to the fallback.
  request: () => ServerRead,
  fetcher: typeof fetch = fetch,
): Promise<StoreOrServerAnswer<T>> {
  try {
    return { from: 'store', value: await readStore() };
  } catch (error) {
    const server = isStoreInUse(error) ? readServerDiscovery(storePath(app, options)) : null;
    if (server === null) throw error;
    return { from: 'server', json: await askServer(app, server, request(), fetcher), server };
  }
}

async function askServer(app: App, server: ServerDiscovery, request: ServerRead, fetcher: typeof fetch): Promise<unknown> {
  const held = `the store is open in \`unitcost serve\` (pid ${server.pid}, ${server.url})`;
  try {
    const health = await fetcher(`${server.url}/healthz`, { signal: AbortSignal.timeout(healthTimeoutMs) });
    if (!health.ok) throw new Error(`status ${health.status}`);
  } catch (cause) {
    throw new UnitcostError('internal', `${held}, which does not answer: stop it, or wait until it has started`, {}, { cause });
  }
  const url = new URL(request.path, server.url);
  for (const [name, value] of request.query) url.searchParams.append(name, value);
  const headers: Record<string, string> = {};
  if (app.apiKey !== undefined) headers.authorization = `Bearer ${app.apiKey}`;
  if (request.body) headers['content-type'] = request.body.contentType;
  const response = await fetcher(url, { method: request.method, headers, ...(request.body ? { body: request.body.text } : {}) });
  const text = await response.text();
  if (response.status === 401 || response.status === 403) {
    const advice = app.apiKey === undefined ? 'set UNITCOST_API_KEY to a key with the read scope' : 'the key in UNITCOST_API_KEY was refused: use one with the read scope';
    throw new UnitcostError('unauthenticated', `${held}, which needs an API key to answer: ${advice}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new UnitcostError('internal', `${held}, whose answer to ${request.path} is not JSON (status ${response.status})`, {}, { cause });
  }
  if (!response.ok) {
    // The server's own message: it checked the same flags the CLI would have.
    const message = (json as { error?: { message?: unknown } }).error?.message;
    const named = typeof message === 'string' && request.body?.name !== undefined ? message.replaceAll('request body', request.body.name) : message;
    throw new UnitcostError(response.status >= 500 ? 'internal' : 'invalid_argument', typeof named === 'string' ? named : `${held}, which answered ${request.path} with status ${response.status}`);
  }
  return json;
}
