import type { Logger } from 'pino';
import type { GatewayServices } from '../app/gateway/gateway-services.js';
import type { GatewayUpstream } from '../config/gateway-config.js';
import { unitVector } from '../core/gateway/cosine-similarity.js';
import type { SemanticCacheRule } from '../core/gateway/gateway-config.js';
import { buildGatewayEvent } from '../core/gateway/gateway-event.js';
import type { GatewayTags } from '../core/gateway/gateway-tags.js';
import { resolveProvider } from '../core/gateway/resolve-provider.js';
import type { NormalizedUsage } from '../core/usage/normalized-usage.js';
import { callUpstream } from './call-upstream.js';
import { fieldOf, parseJson } from './json-fields.js';
import { openaiAdapter } from './openai-adapter.js';
import type { RequestHeaders } from './call-exchange.js';

/** One prompt to embed for a semantic cache lookup, and the call it serves. */
export interface EmbeddingRequest {
  embedding: SemanticCacheRule['embedding'];
  text: string;
  /** The tags of the call the lookup serves, which the embedding call is recorded under. */
  tags: GatewayTags;
  /** The client's request headers, whose OpenAI key is passed through when the embedding provider names no api_key_env. */
  headers: RequestHeaders;
  logger: Logger;
}

const embeddingsEndpoint = openaiAdapter.endpoints.find((endpoint) => endpoint.route === '/v1/embeddings')!;

/**
 * Embeds a prompt through the configured OpenAI-compatible upstream (its /embeddings) and records that call as
 * a usage event of its own, tagged as the call it serves and marked `semantic_cache_embedding`: it is billed,
 * and its cost is what the semantic cache costs. Resolves to the unit vector, or undefined when the embedding
 * could not be had in `timeout_ms` (no key, an error, a timeout, an unreadable answer): the lookup is then a
 * miss, never a failed call. The log says why, never the prompt.
 */
export async function requestEmbedding(services: GatewayServices, request: EmbeddingRequest): Promise<Float32Array | undefined> {
  const { embedding, logger } = request;
  const failed = (reason: string, detail: Record<string, unknown> = {}): undefined => {
    logger.warn({ embedding_model: embedding.model, reason, ...detail }, 'semantic cache lookup skipped: no embedding, the call goes upstream as a miss');
    return undefined;
  };
  const choice = resolveProvider(services.config.upstreams, 'openai', embedding.model, embedding.provider);
  if (!choice.ok) return failed('no_provider', { message: choice.message });
  const upstream = choice.provider as GatewayUpstream;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (upstream.key !== undefined) headers.authorization = `Bearer ${upstream.key.reveal()}`;
  else if (upstream.api_key_env !== undefined) return failed('missing_key', { upstream: upstream.name, api_key_env: upstream.api_key_env });
  else {
    // Passed through as the client sent it; an Anthropic client's x-api-key is no key for an OpenAI-compatible upstream.
    const passed = openaiAdapter.keyHeaders.find((name) => request.headers.has(name));
    if (passed === undefined) return failed('missing_key', { upstream: upstream.name });
    headers[passed] = request.headers.get(passed)!;
  }

  const startedAtMs = services.now();
  const started = performance.now();
  const body = JSON.stringify({ model: embedding.model, input: request.text, encoding_format: 'float', ...(embedding.dimensions === undefined ? {} : { dimensions: embedding.dimensions }) });
  // The signal bounds the whole call, body included: aborting it destroys the connection.
  const signal = AbortSignal.timeout(embedding.timeout_ms);
  let status = 0;
  let answer: string | undefined;
  let outcome: 'ok' | 'error' | 'timeout' = 'ok';
  try {
    const response = await callUpstream(`${upstream.base_url}${embeddingsEndpoint.upstreamPath}`, { method: 'POST', headers, body, signal });
    status = response.status;
    answer = await response.text();
    if (status < 200 || status >= 300) outcome = 'error';
  } catch {
    outcome = signal.aborted ? 'timeout' : 'error';
  }
  const parsed = answer === undefined ? undefined : parseJson(answer);
  const usage = outcome === 'ok' ? readUsage(() => embeddingsEndpoint.responseUsage(parsed)) : null;
  // The step tag belongs to the call the lookup serves; the embedding is not a step of its own.
  const { step: _step, ...tags } = request.tags;
  const event = buildGatewayEvent({
    id: services.newCallId(),
    startedAtMs,
    provider: upstream.price_as ?? upstream.name,
    model: embedding.model,
    usage,
    estimated: outcome === 'ok' && usage === null,
    status: outcome,
    latencyMs: performance.now() - started,
    tags,
    upstream: upstream.name,
    endpoint: embeddingsEndpoint.route,
    upstreamStatus: status === 0 ? undefined : status,
    semanticCacheEmbedding: true,
  });
  services.record(event);
  settleOnBudgets(services, tags, event);
  if (outcome === 'timeout') return failed('timeout', { upstream: upstream.name, timeout_ms: embedding.timeout_ms });
  if (outcome === 'error') return failed('upstream_error', { upstream: upstream.name, upstream_status: status === 0 ? undefined : status });
  const vector = readVector(parsed);
  if (vector === undefined) return failed('unreadable_answer', { upstream: upstream.name });
  return vector;
}

// The embedding's cost counts on the budgets of the call it serves, as the store will count it after a restart.
function settleOnBudgets(services: GatewayServices, tags: GatewayTags, event: Parameters<GatewayServices['priceOf']>[0]): void {
  if (services.budgets.empty) return;
  const cost = services.priceOf(event);
  if (cost === null || cost === 0) return;
  // A budget already past its hard limit refuses even a reservation of nothing; it refuses the next calls anyway.
  const held = services.budgets.reserve(tags, 0, services.now());
  if (held.ok) services.budgets.settle(held.reservation, cost);
}

function readVector(parsed: unknown): Float32Array | undefined {
  const data = fieldOf(parsed, 'data');
  const values = Array.isArray(data) ? fieldOf(data[0], 'embedding') : undefined;
  return Array.isArray(values) ? unitVector(values as number[]) : undefined;
}

function readUsage(read: () => NormalizedUsage): NormalizedUsage | null {
  try {
    return read();
  } catch {
    return null;
  }
}
