import type { z } from 'zod';
import type { callStatuses, usageEventSchema } from '../events/usage-event.js';
import type { NormalizedUsage } from '../usage/normalized-usage.js';
import type { OutputCapAction } from './apply-output-cap.js';
import type { GatewayTags } from './gateway-tags.js';

/** A usage event as the gateway writes it: a record of docs/events.md, with token counts, never raw usage. */
export type GatewayUsageEvent = z.input<typeof usageEventSchema>;

/** What the gateway knows of one upstream call once it has ended. */
export interface GatewayCall {
  /** The gateway's own id for the call, so that a re-sent event is a duplicate and not a second call. */
  id: string;
  /** When the request reached the gateway, in epoch milliseconds. */
  startedAtMs: number;
  /** The catalog provider the call is priced as. */
  provider: string;
  model: string;
  /** What the upstream billed; null when it said nothing (a refused or failed call), recorded as zero tokens. */
  usage: NormalizedUsage | null;
  /** True when the usage is the gateway's count of what it saw, not the upstream's own figures. */
  estimated: boolean;
  status: (typeof callStatuses)[number];
  latencyMs: number;
  /** For streams: until the first content token reached the gateway. */
  timeToFirstTokenMs?: number | undefined;
  tags: GatewayTags;
  /** The configured upstream that served it (its name in gateway.providers), and the route called. */
  upstream: string;
  endpoint: string;
  /** The upstream's HTTP status, when it answered. */
  upstreamStatus?: number | undefined;
  /** The upstream's id for the response (chatcmpl-…, msg_…), to find the call in the provider's logs. */
  upstreamId?: string | undefined;
  /** The model the client asked for, when a routing rule sent the call to `model` instead. */
  routedFrom?: string | undefined;
  /** Why the gateway refused the call itself, and the budget that did, for reports of what the levers refused. */
  refusal?: { reason: string; budget?: string | undefined; sessionLimit?: 'calls' | 'usd' | undefined } | undefined;
  /** The soft budgets the call went past. */
  softBudgetsExceeded?: string[] | undefined;
  /** What an output cap did to the request, so that reports can count the calls each lever touched. */
  outputCap?: OutputCapAction | undefined;
  /** For a call of a feature with a response cache: whether the cache answered. Undefined for calls no cache looked up. */
  responseCache?: 'hit' | 'miss' | undefined;
  /** For a hit: which cache answered, and for the semantic one the cosine similarity of the two prompts. */
  responseCacheKind?: 'exact' | 'semantic' | undefined;
  semanticSimilarity?: number | undefined;
  /** True for the embedding call a semantic cache lookup made: its cost is what that lever costs. */
  semanticCacheEmbedding?: boolean | undefined;
  /** For a call a cascade made: which attempt it was, under which rule, and why the first one escalated. */
  cascade?: { attempt: 'first' | 'escalated'; rule: number; escalationModel?: string | undefined; reason?: string | undefined; detail?: string | undefined } | undefined;
}

/**
 * Turns a finished upstream call into its usage event. Counts are written per billing class from the
 * converted usage, so the event carries exactly what the converters read, and the flags a report needs
 * to tell a measured call from an estimated one travel in `attributes`.
 */
export function buildGatewayEvent(call: GatewayCall): GatewayUsageEvent {
  const usage = call.usage;
  const attributes: Record<string, string | number | boolean> = { gateway_upstream: call.upstream, gateway_endpoint: call.endpoint };
  if (call.upstreamStatus !== undefined) attributes.upstream_status = call.upstreamStatus;
  if (call.upstreamId !== undefined) attributes.upstream_id = call.upstreamId.slice(0, 512);
  if (call.estimated) attributes.estimated = true;
  if (call.routedFrom !== undefined) attributes.routed_from = call.routedFrom;
  if (call.refusal !== undefined) attributes.gateway_refusal = call.refusal.reason;
  if (call.refusal?.budget !== undefined) attributes.budget = call.refusal.budget;
  if (call.refusal?.sessionLimit !== undefined) attributes.session_limit = call.refusal.sessionLimit;
  if (call.softBudgetsExceeded !== undefined && call.softBudgetsExceeded.length > 0) attributes.soft_budgets_exceeded = call.softBudgetsExceeded.join(',');
  if (call.outputCap !== undefined && call.outputCap.action !== 'none') {
    attributes.output_cap = call.outputCap.action;
    attributes.output_cap_limit = call.outputCap.limit;
    if (call.outputCap.requested !== undefined) attributes.output_cap_requested = call.outputCap.requested;
  }
  if (call.cascade !== undefined) {
    attributes.cascade = call.cascade.attempt;
    attributes.cascade_rule = call.cascade.rule;
    if (call.cascade.escalationModel !== undefined) attributes.cascade_escalation_model = call.cascade.escalationModel;
    if (call.cascade.reason !== undefined) attributes.cascade_reason = call.cascade.reason;
    if (call.cascade.detail !== undefined) attributes.cascade_detail = call.cascade.detail.slice(0, 512);
  }
  if (call.responseCacheKind !== undefined) attributes.response_cache_kind = call.responseCacheKind;
  if (call.semanticSimilarity !== undefined) attributes.semantic_similarity = call.semanticSimilarity;
  if (call.semanticCacheEmbedding === true) attributes.semantic_cache_embedding = true;
  return {
    id: call.id,
    timestamp: new Date(call.startedAtMs).toISOString(),
    provider: call.provider,
    model: call.model,
    input_tokens: usage?.input.total ?? 0,
    cache_read_tokens: usage?.input.cacheRead ?? 0,
    cache_write_tokens: usage === null ? 0 : usage.input.cacheWrite5m + usage.input.cacheWrite1h,
    cache_write_1h_tokens: usage?.input.cacheWrite1h ?? 0,
    input_audio_tokens: usage?.input.audio ?? 0,
    output_tokens: usage?.output.total ?? 0,
    reasoning_tokens: usage?.output.reasoning ?? 0,
    output_audio_tokens: usage?.output.audio ?? 0,
    // Written only when the upstream ran searches: an event without them keeps the content it always had.
    ...(usage !== null && usage.webSearchRequests > 0 ? { web_search_requests: usage.webSearchRequests } : {}),
    ...call.tags,
    attributes,
    status: call.status,
    latency_ms: Math.max(0, call.latencyMs),
    ...(call.timeToFirstTokenMs === undefined ? {} : { time_to_first_token_ms: Math.max(0, call.timeToFirstTokenMs) }),
    // Only calls a cache looked up carry it: "miss" on calls of uncached features would drag the measured hit rate down.
    ...(call.responseCache === undefined ? {} : { response_cache: call.responseCache }),
  };
}
