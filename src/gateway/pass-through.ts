import type { GatewayServices } from '../app/gateway/gateway-services.js';
import type { GatewayUpstream } from '../config/gateway-config.js';
import { gatewayRefusal } from '../core/gateway/gateway-refusal.js';
import { resolveProvider } from '../core/gateway/resolve-provider.js';
import { parseJson, stringField } from './json-fields.js';
import type { ProviderAdapter } from './provider-adapter.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './upstream-headers.js';

/**
 * Passes a call that bills nothing (listing models, counting tokens) to an upstream of the API and returns
 * its answer as it is: the SDKs call these too, and they must work through the gateway unchanged.
 * `path` is appended to the provider's base_url; the upstream is the one that serves the body's model,
 * or, without one, the first of the API.
 */
export async function passThrough(request: Request, options: { services: GatewayServices; adapter: ProviderAdapter; path: string }): Promise<Response> {
  const { services, adapter } = options;
  const refuse = (refusal: ReturnType<typeof gatewayRefusal>): Response => Response.json(adapter.errorBody(refusal), { status: refusal.status });
  const body = request.method === 'GET' ? undefined : await request.text();
  const model = body === undefined ? undefined : stringField(parseJson(body), 'model');
  let upstream: GatewayUpstream | undefined;
  if (model !== undefined) {
    const choice = resolveProvider(services.config.upstreams, adapter.api, model, request.headers.get('x-unitcost-provider') ?? undefined);
    if (!choice.ok) return refuse(gatewayRefusal('unknown_provider', 'routing', choice.message));
    upstream = choice.provider as GatewayUpstream;
  } else {
    upstream = services.config.upstreams.find((candidate) => candidate.api === adapter.api);
    if (upstream === undefined) return refuse(gatewayRefusal('unknown_provider', 'routing', `no provider in gateway.providers speaks the ${adapter.api} API`));
  }
  try {
    const response = await fetch(`${upstream.base_url}${options.path}${new URL(request.url).search}`, {
      method: request.method,
      headers: upstreamRequestHeaders(request.headers, adapter, upstream.key),
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(services.config.timeouts.upstream_ms)]),
    });
    return new Response(response.body, { status: response.status, headers: clientResponseHeaders(response.headers) });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return refuse(gatewayRefusal('upstream_timeout', 'upstream', `${upstream.name} did not answer within ${services.config.timeouts.upstream_ms} ms`));
    }
    return refuse(gatewayRefusal('upstream_unreachable', 'upstream', `cannot reach ${upstream.name} at ${upstream.base_url}`));
  }
}
