import type { IncomingHttpHeaders } from 'node:http';
import type { SecretKey } from '../core/gateway/secret-key.js';
import type { RequestHeaders } from './call-exchange.js';
import type { ProviderAdapter } from './provider-adapter.js';

// Hop-by-hop headers belong to one connection, not the request. accept-encoding is not passed on: the gateway
// decodes what it reads (for usage and the cache), so the client's would be answered with bytes already decoded.
const notForwarded = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'accept-encoding']);

// The gateway has decoded the body and may re-chunk it, so the upstream's framing headers no longer describe it.
const notReturned = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * The headers of the request to the upstream: the client's, without the gateway's own x-unitcost-* tags
 * and, when the config supplies a key, without the client's key, which the configured one replaces. A plain
 * record, which node:http sends as it is (a Headers was built and then copied into one on every call).
 */
export function upstreamRequestHeaders(incoming: RequestHeaders, adapter: ProviderAdapter, key: SecretKey | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  incoming.forEach((value, name) => {
    if (notForwarded.has(name) || name.startsWith('x-unitcost-')) return;
    if (key !== undefined && adapter.keyHeaders.includes(name)) return;
    headers[name] = value;
  });
  if (key !== undefined) adapter.setKey(headers, key.reveal());
  return headers;
}

/** The headers of the upstream's answer that still hold for the body the gateway sends on. */
export function clientResponseHeaders(upstream: Headers): Headers {
  const headers = new Headers();
  upstream.forEach((value, name) => {
    if (!notReturned.has(name)) headers.append(name, value);
  });
  return headers;
}

/** The same headers as a plain record, the form node:http writes without converting (set-cookie stays a list). */
export function clientResponseHeaderRecord(upstream: IncomingHttpHeaders): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value !== undefined && !notReturned.has(name)) headers[name] = value;
  }
  return headers;
}
