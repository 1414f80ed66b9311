import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayServices } from '../app/gateway/gateway-services.js';
import type { GatewayUpstream } from '../config/gateway-config.js';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import type { callStatuses } from '../core/events/usage-event.js';
import { applyOutputCap, type OutputCapAction } from '../core/gateway/apply-output-cap.js';
import type { BudgetReservation } from '../core/gateway/budget-ledger.js';
import { chooseRoute } from '../core/gateway/choose-route.js';
import { buildGatewayEvent, type GatewayUsageEvent } from '../core/gateway/gateway-event.js';
import { gatewayRefusal, type GatewayRefusal } from '../core/gateway/gateway-refusal.js';
import { readGatewayTags, type GatewayTags } from '../core/gateway/gateway-tags.js';
import { resolveProvider } from '../core/gateway/resolve-provider.js';
import type { SessionReservation } from '../core/gateway/session-ledger.js';
import type { NormalizedUsage } from '../core/usage/normalized-usage.js';
import { callUpstream, UpstreamAbort, type UpstreamAnswer } from './call-upstream.js';
import type { CallAnswer, CallRequest } from './call-exchange.js';
import type { InFlightCalls } from './in-flight-calls.js';
import { fieldOf, parseJson, stringField } from './json-fields.js';
import { lookUpResponseCache, storeCachedAnswer, StreamCapture, type CacheLookup } from './look-up-response-cache.js';
import { lookUpSemanticCache, semanticCacheChoice, type SemanticLookup } from './look-up-semantic-cache.js';
import type { EndpointAdapter, ProviderAdapter } from './provider-adapter.js';
import { relayStream } from './relay-stream.js';
import { cascadeFor, runCascade, type CascadeAttempt } from './run-cascade.js';
import { reserveBudget, worstCaseCost } from './reserve-budget.js';
import { reserveSession } from './reserve-session.js';
import { clientResponseHeaderRecord, upstreamRequestHeaders } from './upstream-headers.js';

/** What one proxied route needs. */
export interface CallRoute {
  services: GatewayServices;
  adapter: ProviderAdapter;
  endpoint: EndpointAdapter;
  logger: Logger;
  calls: InFlightCalls;
}

type CallStatus = (typeof callStatuses)[number];

/** How an upstream call ended, before it becomes an event. */
interface CallEnd {
  status: CallStatus;
  refusal?: { reason: string; budget?: string | undefined; sessionLimit?: 'calls' | 'usd' | undefined } | undefined;
  usage: NormalizedUsage | null;
  estimated: boolean;
  upstreamStatus?: number | undefined;
  upstreamId?: string | undefined;
  timeToFirstTokenMs?: number | undefined;
}

// Why the gateway stopped waiting on an upstream: its own time limit, or the client gone for too long.
type StopReason = 'timeout' | 'client_gone';

/**
 * Proxies one call: reads the body and the tag headers, picks the upstream, applies the output cap, asks a
 * stream for its usage, forwards, and answers with the upstream's bytes while recording one usage event.
 * The event is queued, never awaited: the store is not on the request's path. The call comes and goes in
 * the server-neutral form of call-exchange.ts, which node:http writes directly and Hono wraps in a Response.
 */
export async function forwardCall(request: CallRequest, route: CallRoute, attempt?: CascadeAttempt): Promise<CallAnswer> {
  const { services, adapter, endpoint } = route;
  const startedAtMs = services.now();
  const started = performance.now();
  const callId = services.newCallId();
  // Ends when the call's event is recorded, or when the gateway refuses it: a stream outlives this function.
  const finished = route.calls.begin();
  const refuse = (refusal: GatewayRefusal): CallAnswer => {
    finished();
    return { status: refusal.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(adapter.errorBody(refusal)) };
  };

  let text: string;
  try {
    text = await request.text();
  } catch {
    // The client hung up while sending its body: there is no call to forward or record.
    finished();
    return clientGoneAnswer();
  }
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    return refuse(gatewayRefusal('invalid_request', 'request', `the body of POST ${endpoint.route} must be a JSON object`));
  }
  const requestedModel = body.model;
  if (typeof requestedModel !== 'string' || requestedModel === '') return refuse(gatewayRefusal('invalid_request', 'request', 'the body has no model'));

  const tagResult = readGatewayTags((name) => request.headers.get(name) ?? undefined);
  const tags: GatewayTags = tagResult.ok ? tagResult.tags : {};
  // A cascade runs the call as two attempts, each back through this function with its model chosen (run-cascade.ts).
  const cascade = attempt === undefined && tagResult.ok ? cascadeFor(services.config.policies.cascades, endpoint.route, { tags, model: requestedModel }) : undefined;
  if (cascade !== undefined) {
    const streamed = body.stream === true && endpoint.request.streams;
    const forward = (next: CallRequest, nextAttempt: CascadeAttempt): Promise<CallAnswer> => forwardCall(next, route, nextAttempt);
    return runCascade({ ...cascade, request, text, streamed, tags, requestedModel, services, logger: route.logger, forward }).finally(finished);
  }
  const routing = attempt?.routing ?? (tagResult.ok ? chooseRoute(services.config.policies.routes, { tags, model: requestedModel }, Math.random) : ({ routed: false } as const));
  const model = routing.routed ? routing.model : requestedModel;
  const requestedProvider = (routing.routed ? routing.provider : undefined) ?? request.headers.get('x-unitcost-provider') ?? undefined;
  const choice = resolveProvider(services.config.upstreams, adapter.api, model, requestedProvider);
  const upstream = choice.ok ? (choice.provider as GatewayUpstream) : undefined;

  let outputCap: OutputCapAction = { action: 'none' };
  let reservation: BudgetReservation | undefined;
  let sessionReservation: SessionReservation | undefined;
  let softBudgetsExceeded: string[] = [];
  let responseCache: 'hit' | 'miss' | undefined;
  let cacheHit: { kind: 'exact' | 'semantic'; similarity?: number } | undefined;
  const eventOf = (end: CallEnd): GatewayUsageEvent =>
    buildGatewayEvent({
      id: callId,
      startedAtMs,
      provider: upstream?.price_as ?? upstream?.name ?? adapter.api,
      model,
      tags,
      upstream: upstream?.name ?? 'none',
      endpoint: endpoint.route,
      latencyMs: performance.now() - started,
      routedFrom: routing.routed ? requestedModel : undefined,
      outputCap,
      softBudgetsExceeded,
      responseCache,
      responseCacheKind: cacheHit?.kind,
      semanticSimilarity: cacheHit?.similarity,
      cascade: attempt?.cascade,
      ...end,
    });
  const record = (end: CallEnd): GatewayUsageEvent => {
    const event = eventOf(end);
    services.record(event);
    attempt?.onRecorded(event);
    if (reservation !== undefined || sessionReservation !== undefined) {
      const cost = services.priceOf(event) ?? 0;
      if (reservation !== undefined) services.budgets.settle(reservation, cost);
      if (sessionReservation !== undefined) services.sessions.settle(sessionReservation, cost);
    }
    reservation = undefined;
    sessionReservation = undefined;
    finished();
    route.logger.debug({ route: endpoint.route, upstream: upstream?.name, model, status: end.status, upstream_status: end.upstreamStatus, estimated: end.estimated }, 'call recorded');
    return event;
  };
  // A call refused before it went upstream is still recorded, as an error of zero tokens, so refusals show in reports.
  const refuseAndRecord = (refusal: GatewayRefusal, limit?: { budget?: string; sessionLimit?: 'calls' | 'usd' }): CallAnswer => {
    record({ status: 'error', usage: null, estimated: false, refusal: { reason: refusal.reason, ...limit } });
    return refuse(refusal);
  };

  if (!tagResult.ok) return refuseAndRecord(gatewayRefusal('invalid_request', 'tags', tagResult.message));
  if (upstream === undefined) return refuseAndRecord(gatewayRefusal('unknown_provider', 'routing', choice.ok ? '' : choice.message));
  if (upstream.api_key_env !== undefined && upstream.key === undefined) {
    return refuseAndRecord(
      gatewayRefusal('missing_key', 'credentials', `gateway.providers.${upstream.name}.api_key_env names ${upstream.api_key_env}, which is not set where the gateway runs`),
    );
  }
  if (upstream.api_key_env === undefined && !adapter.keyHeaders.some((name) => request.headers.has(name))) {
    return refuseAndRecord(
      gatewayRefusal('missing_key', 'credentials', `the request carries no key (${adapter.keyHeaders.join(' or ')}) and gateway.providers.${upstream.name} names no api_key_env`),
    );
  }

  const stream = body.stream === true && endpoint.request.streams;
  outputCap = applyOutputCap(services.config.policies.output_caps, { tags, model }, body, endpoint.request.outputLimitFields);
  let changed = outputCap.action !== 'none';
  if (routing.routed) {
    body.model = model;
    changed = true;
  }
  // Looked up before the gateway asks a stream for its usage: the key holds what the client asked for.
  const cacheLookup: CacheLookup | undefined = lookUpResponseCache(services, {
    tags,
    model,
    upstream: upstream.name,
    endpoint: endpoint.route,
    body,
    streamed: stream,
    headers: request.headers,
    keyHeaders: adapter.keyHeaders,
  });
  // Only on an exact miss: a semantic lookup costs an embedding call, an exact one nothing. Before the usage is asked for, too.
  const semanticChoice = cacheLookup?.hit === undefined ? semanticCacheChoice(services, { tags, model }) : undefined;
  const semanticLookup: SemanticLookup | undefined =
    semanticChoice === undefined
      ? undefined
      : await lookUpSemanticCache(services, semanticChoice, { tags, model, upstream: upstream.name, endpoint: endpoint.route, body, streamed: stream, headers: request.headers, keyHeaders: adapter.keyHeaders, logger: route.logger });
  const streamUsage = endpoint.request.streamUsage;
  const usageInjected = stream && streamUsage !== undefined && !streamUsage.isSet(body);
  if (usageInjected) {
    body[streamUsage.field] = { ...(fieldOf(body, streamUsage.field) as object | undefined), ...streamUsage.value };
    changed = true;
  }

  const estimatedInputTokens = estimateInputTokens(text);
  let worstCase: number | undefined;
  const worstCaseOf = (): number =>
    (worstCase ??= worstCaseCost(services, { estimatedInputTokens, body, outputLimitFields: endpoint.request.outputLimitFields }, (usage) =>
      eventOf({ status: 'ok', usage, estimated: true }),
    ));
  // A session counts every step, a cache hit included: an agent looping on one question is still looping.
  const reserveStep = (free: boolean): CallAnswer | undefined => {
    const session = reserveSession(services, { tags, model, free }, worstCaseOf);
    if (!session.ok) return refuseAndRecord(session.refusal, { sessionLimit: session.limit });
    sessionReservation = session.reservation;
    return undefined;
  };

  const hit = cacheLookup?.hit ?? semanticLookup?.hit?.answer;
  if (hit !== undefined) {
    const refused = reserveStep(true);
    if (refused !== undefined) return refused;
    responseCache = 'hit';
    const similarity = semanticLookup?.hit?.similarity;
    cacheHit = similarity === undefined ? { kind: 'exact' } : { kind: 'semantic', similarity: Math.round(similarity * 10_000) / 10_000 };
    // Answered from memory: no upstream call, no budget to hold, and an event of zero tokens so the hit rate is measured.
    const event = record({ status: 'ok', usage: null, estimated: false, upstreamId: hit.upstreamId });
    const headers: Record<string, string> = { 'content-type': hit.contentType, 'x-unitcost-route': `${upstream.name}/${model}`, 'x-unitcost-cache': 'hit', 'x-unitcost-cache-kind': cacheHit.kind };
    if (cacheHit.similarity !== undefined) headers['x-unitcost-cache-similarity'] = String(cacheHit.similarity);
    const cost = services.priceOf(event);
    if (cost !== null) headers['x-unitcost-cost-usd'] = formatPicodollarsExact(cost);
    return { status: 200, headers, body: hit.body };
  }

  const budget = reserveBudget(services, { tags }, worstCaseOf);
  if (!budget.ok) return refuseAndRecord(budget.refusal, { budget: budget.budget });
  reservation = budget.reservation;
  // After the budgets, so that a call a budget refuses is not counted as a step of its session.
  const refused = reserveStep(false);
  if (refused !== undefined) return refused;
  // Set only once the call is sure to go upstream, so that refused calls do not count as lookups in the hit rate.
  if (cacheLookup !== undefined || semanticLookup !== undefined) responseCache = 'miss';
  softBudgetsExceeded = budget.softBudgetsExceeded;
  if (softBudgetsExceeded.length > 0) route.logger.warn({ route: endpoint.route, budgets: softBudgetsExceeded }, 'soft budget exceeded');

  const abort = new UpstreamAbort();
  let stopReason: StopReason | undefined;
  const stop = (reason: StopReason): void => {
    stopReason ??= reason;
    abort.abort();
  };
  const upstreamTimer = setTimeout(() => stop('timeout'), services.config.timeouts.upstream_ms);
  let drainTimer: NodeJS.Timeout | undefined;
  let clientGone = false;
  // A client that hangs up does not stop the upstream's bill: wait a bounded time for the usage it reports.
  const onClientGone = (): void => {
    clientGone = true;
    drainTimer = setTimeout(() => stop('client_gone'), services.config.timeouts.drain_after_abort_ms);
  };
  const client = request.client;
  const stopListening = client.onGone(onClientGone);
  const settle = (): void => {
    clearTimeout(upstreamTimer);
    clearTimeout(drainTimer);
    stopListening();
  };

  const routeHeaders = { 'x-unitcost-route': `${upstream.name}/${model}`, 'x-unitcost-cache': 'miss' };
  const failure = (error: unknown): CallAnswer => {
    settle();
    if (stopReason === 'client_gone' || (clientGone && stopReason === undefined)) {
      record({ status: 'cancelled', usage: null, estimated: true });
      return clientGoneAnswer();
    }
    if (stopReason === 'timeout') {
      record({ status: 'timeout', usage: null, estimated: false });
      return refuse(gatewayRefusal('upstream_timeout', 'upstream', `${upstream.name} did not answer within ${services.config.timeouts.upstream_ms} ms`));
    }
    record({ status: 'error', usage: null, estimated: false });
    return refuse(gatewayRefusal('upstream_unreachable', 'upstream', `cannot reach ${upstream.name} at ${upstream.base_url}: ${networkReason(error)}`));
  };

  let response: UpstreamAnswer;
  try {
    response = await callUpstream(`${upstream.base_url}${endpoint.upstreamPath}`, {
      method: 'POST',
      headers: upstreamRequestHeaders(request.headers, adapter, upstream.key),
      body: changed ? JSON.stringify(body) : text,
      abort,
    });
  } catch (error) {
    return failure(error);
  }

  const ok = response.status >= 200 && response.status < 300;
  const contentType = headerValue(response.headers['content-type']);
  const isStream = stream && ok && (contentType ?? '').includes('text/event-stream');
  if (!isStream) {
    let answer: string;
    try {
      answer = await response.text();
    } catch (error) {
      return failure(error);
    }
    settle();
    // A plain record, which node:http's writeHead takes as it is (a Headers would be copied into one).
    const headers = answerHeaders(response.headers, routeHeaders);
    if (!ok) {
      // The upstream's refusal goes back as it came: its status and body are what the client's SDK understands.
      record({ status: 'error', usage: null, estimated: false, upstreamStatus: response.status });
      return { status: response.status, headers, body: answer };
    }
    const parsed = parseJson(answer);
    const usage = readUsage(() => endpoint.responseUsage(parsed));
    // Only a whole 200 answer is worth serving again; an error or a partial answer is asked anew.
    if (response.status === 200 && !clientGone) {
      const cached = { body: answer, contentType: contentType ?? 'application/json', upstreamId: stringField(parsed, 'id') };
      if (cacheLookup !== undefined) storeCachedAnswer(services, cacheLookup, cached);
      semanticLookup?.store(cached);
    }
    const event = record({
      status: clientGone ? 'cancelled' : 'ok',
      usage,
      // An answer without readable usage is recorded at zero tokens and flagged, rather than dropped.
      estimated: usage === null,
      upstreamStatus: response.status,
      upstreamId: stringField(parsed, 'id'),
    });
    const cost = services.priceOf(event);
    if (cost !== null) headers['x-unitcost-cost-usd'] = formatPicodollarsExact(cost);
    return { status: response.status, headers, body: answer };
  }

  // From here the idle timeout of the relay applies, and the relay hears of the client leaving itself.
  settle();
  const upstreamBody = response.stream();
  // A stream is kept as the events its client was sent, and replayed as they were to the next identical streamed request.
  const capture = (cacheLookup === undefined && semanticLookup === undefined) || response.status !== 200 ? undefined : new StreamCapture();
  const streamContentType = contentType ?? 'text/event-stream';
  let streamedCost: number | null = null;
  const relayed = relayStream({
    upstream: upstreamBody,
    observer: endpoint.observeStream({ usageInjected, estimatedInputTokens }),
    idleTimeoutMs: services.config.timeouts.stream_idle_ms,
    drainAfterAbortMs: services.config.timeouts.drain_after_abort_ms,
    upstreamName: upstream.name,
    errorEvent: adapter.streamErrorEvent,
    abortUpstream: () => abort.abort(),
    now: () => performance.now(),
    onForward: capture === undefined ? undefined : (raw) => capture.add(raw),
    onEnd: (outcome) => {
      // Only a stream that ended as the upstream meant it to, with the client there to the end, is worth replaying.
      const captured = outcome.status === 'ok' ? capture?.text() : undefined;
      if (captured !== undefined) {
        const cached = { body: captured, contentType: streamContentType, upstreamId: outcome.upstreamId };
        if (cacheLookup !== undefined) storeCachedAnswer(services, cacheLookup, cached);
        semanticLookup?.store(cached);
      }
      const event = record({
        status: outcome.status,
        usage: outcome.usage,
        estimated: outcome.estimated,
        upstreamStatus: response.status,
        upstreamId: outcome.upstreamId,
        timeToFirstTokenMs: outcome.firstTokenAtMs === undefined ? undefined : outcome.firstTokenAtMs - started,
      });
      streamedCost = services.priceOf(event);
    },
    // The cost is known only once the stream has ended, after the headers went: it closes the stream as a comment.
    closingComment: () => (streamedCost === null ? undefined : `x-unitcost-cost-usd: ${formatPicodollarsExact(streamedCost)}`),
  });
  // The client left while the upstream was still deciding: read the stream for its usage, send nothing.
  if (clientGone || client.gone) {
    void relayed.cancel();
    return clientGoneAnswer();
  }
  // The cost is known only at the end of a stream, after the headers have gone: it is the stream's closing comment (relayStream), and in the stored event.
  return { status: response.status, headers: answerHeaders(response.headers, routeHeaders), body: relayed };
}

/**
 * The answer's headers: the upstream's that still hold, and the gateway's route and cache headers, set on
 * the record clientResponseHeaderRecord built rather than spread into a new one. Built as
 * `{ ...clientResponseHeaderRecord(…), ...routeHeaders }` (a literal that begins with a spread, which V8
 * compiles to an object clone), each call's record and the upstream's header strings it holds lived
 * through two scavenges into the old generation (~0.5 KB a call at 1,000 calls/s, `--trace-gc-nvp`;
 * V8's reason not established), where a record filled in place dies young.
 */
function answerHeaders(upstream: IncomingHttpHeaders, route: { 'x-unitcost-route': string; 'x-unitcost-cache': string }): Record<string, string | string[]> {
  const headers = clientResponseHeaderRecord(upstream);
  headers['x-unitcost-route'] = route['x-unitcost-route'];
  headers['x-unitcost-cache'] = route['x-unitcost-cache'];
  return headers;
}

// Nginx's "client closed request": nobody reads it, but it is what the call's answer was.
function clientGoneAnswer(): CallAnswer {
  return { status: 499, headers: {}, body: null };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function readUsage(read: () => NormalizedUsage): NormalizedUsage | null {
  try {
    return read();
  } catch {
    return null;
  }
}

// About four characters of JSON per token: a rough figure, used only where the upstream has not said its count
// (a budget's reservation before the call, a stream cut before its usage), and flagged as an estimate there.
function estimateInputTokens(body: string): number {
  return Math.ceil(body.length / 4);
}

// A socket error carries its code (ECONNREFUSED, ECONNRESET), which is what helps; fetch's hid it in `cause`.
function networkReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
