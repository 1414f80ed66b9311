/** Who a cached answer belongs to: never shared across upstreams, client keys or teams. */
export interface CacheTenant {
  upstream: string;
  /** The client's key as it sent it (or a digest of it); empty when it sent none. */
  credential: string;
  team: string | undefined;
}

// Fields that say who asks, not what is asked: two requests that differ only in them get the same answer.
// `stream` is part of the key as its own flag, so that `stream: false` and no `stream` are one request.
const fieldsThatDoNotChangeTheAnswer = new Set(['user', 'metadata', 'stream', 'safety_identifier', 'prompt_cache_key']);

/**
 * The exact cache key of a request: the tenant, the route, whether it streams, and the body (after routing
 * and output caps, before the gateway asks a stream for its usage) with its keys sorted at every depth
 * and without the fields that do not change the answer, so that key order and tagging do not split the
 * cache. A streamed answer is never replayed to a request that did not stream, or the reverse: they differ
 * on the wire. The caller digests the key before holding it.
 */
export function responseCacheKey(tenant: CacheTenant, endpoint: string, body: Record<string, unknown>, streamed: boolean): string {
  const request: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    // Without a stream, stream_options mean nothing; with one, the client's own say whether it sees a usage chunk.
    if (fieldsThatDoNotChangeTheAnswer.has(field) || (field === 'stream_options' && !streamed)) continue;
    request[field] = value;
  }
  return canonicalJson([tenant.upstream, tenant.credential, tenant.team ?? null, endpoint, streamed, request]);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
