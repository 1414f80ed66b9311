import type { PriceCatalog } from '../catalog/price-catalog.js';
import type { ResolvedPrice } from '../catalog/price-timeline.js';
import type { TokenClass } from '../catalog/rate-card.js';
import { computeCost, type CostBreakdown } from '../cost/compute-cost.js';
import { costOverflow, maxCallPicodollars } from '../cost/cost-overflow.js';
import { formatUsd, picodollarsToUsd } from '../cost/picodollars.js';
import { canonicalOutcomeContent, canonicalRevenueContent, canonicalUsageContent } from './canonical-content.js';
import type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from './event-rows.js';
import { usdToExactPicodollars } from './exact-decimal.js';
import type { FieldError, ParsedEventRecord, ParsedOutcome, ParsedRevenue, ParsedUsageEvent } from './parse-event-record.js';
import { priceRowFor } from './price-row-for.js';

/** What turning records into rows needs, built once per ingest rather than per record. */
export interface RowContext {
  catalog: PriceCatalog;
  /**
   * Hashes a record's canonical content to a short string (the ingest adapter passes node:crypto; the core
   * does no I/O). Its result is the content hash of every row and the id of records that carry none.
   */
  hashContent: (canonical: string) => string;
}

/** A usage event as a row, with the price row it refers to (null when the call is unpriced). */
export type UsageRowResult = { ok: true; row: StoredUsageRow; price: StoredPriceRow | null } | { ok: false; errors: FieldError[] };

/** Any record as the row the store keeps. */
export type StoredRowResult =
  | { ok: true; type: 'usage'; row: StoredUsageRow; price: StoredPriceRow | null }
  | { ok: true; type: 'outcome'; row: StoredOutcomeRow }
  | { ok: true; type: 'revenue'; row: StoredRevenueRow }
  | { ok: false; errors: FieldError[] };

const noProvider: { provider?: string } = {};

// The event field that carries each token class, to name it when a count is refused.
const tokenFields: Record<TokenClass, string> = {
  input: 'input_tokens',
  cacheRead: 'cache_read_tokens',
  cacheWrite5m: 'cache_write_tokens',
  cacheWrite1h: 'cache_write_1h_tokens',
  output: 'output_tokens',
  reasoning: 'reasoning_tokens',
  inputAudio: 'input_audio_tokens',
  outputAudio: 'output_audio_tokens',
};

const tokenWords: Record<TokenClass, string> = {
  input: 'uncached input tokens',
  cacheRead: 'cache-read tokens',
  cacheWrite5m: '5-minute cache-write tokens',
  cacheWrite1h: '1-hour cache-write tokens',
  output: 'output tokens',
  reasoning: 'reasoning tokens',
  inputAudio: 'input audio tokens',
  outputAudio: 'output audio tokens',
};

/** Turns a parsed record into its row: usage events priced, outcomes and revenue as they are. */
export function toStoredRow(record: ParsedEventRecord, context: RowContext, source: string | null = null): StoredRowResult {
  switch (record.type) {
    case 'usage': {
      const result = toStoredUsageRow(record, context, source);
      return result.ok ? { ok: true, type: 'usage', row: result.row, price: result.price } : result;
    }
    case 'outcome':
      return { ok: true, type: 'outcome', row: toStoredOutcomeRow(record, context, source) };
    case 'revenue':
      return { ok: true, type: 'revenue', row: toStoredRevenueRow(record, context, source) };
  }
}

/** What one call costs at the catalog's price in force at its timestamp, or why it is unpriced. */
export type UsagePricing =
  | { ok: true; price: ResolvedPrice; cost: CostBreakdown; unpricedReason: null }
  | { ok: true; price: null; cost: null; unpricedReason: string }
  | { ok: false; errors: FieldError[] };

/**
 * The pricing half of toStoredUsageRow, without the row or its content hash: the gateway prices every
 * call for its x-unitcost-cost-usd header by this very function, so the header is the stored cost, without
 * hashing a canonical form it throws away. A count no single call could reach is an error, as in the row.
 */
export function priceUsageEvent(parsed: ParsedUsageEvent, catalog: PriceCatalog): UsagePricing {
  const { event, usage, timestampMs } = parsed;
  const provider = event.provider ?? null;
  const lookup = catalog.findModel(event.model, provider === null ? noProvider : { provider });
  if (!lookup.found) return { ok: true, price: null, cost: null, unpricedReason: lookup.reason };
  const answer = lookup.timeline.at(timestampMs);
  if (!answer.priced) return { ok: true, price: null, cost: null, unpricedReason: answer.reason };
  if (!answer.price.card.pricedByToken) {
    return { ok: true, price: null, cost: null, unpricedReason: `${answer.price.model.provider}/${answer.price.model.model} is not priced by token in the catalog` };
  }
  const overflow = costOverflow(usage, answer.price.card);
  if (overflow) {
    const field = event.usage == null ? tokenFields[overflow.tokenClass] : 'usage';
    const model = `${answer.price.model.provider}/${answer.price.model.model}`;
    const count = (tokens: number): string => tokens.toLocaleString('en-US');
    const message =
      `${count(overflow.tokens)} ${tokenWords[overflow.tokenClass]} of ${model} would cost about ${formatUsd(picodollarsToUsd(overflow.approximatePicodollars))} in one call, ` +
      `more than the ${formatUsd(Math.floor(picodollarsToUsd(maxCallPicodollars)))} one call may cost; a call of this model may have at most ${count(overflow.largestTokens)} of them. ` +
      'A record that sums many calls should be sent as one record per call (or per smaller batch)';
    return { ok: false, errors: [{ field, message }] };
  }
  return { ok: true, price: answer.price, cost: computeCost(usage, answer.price.card), unpricedReason: null };
}

/**
 * Prices one call at the catalog's price in force at its timestamp. A model the catalog does not know, or
 * prices by something other than tokens, gives an unpriced row with the reason and null costs, never $0;
 * `unitcost reprice` prices it once the catalog or the config knows it.
 *
 * The content hash covers everything but the id: rows are only ever compared when their ids are equal,
 * and leaving the id out lets a derived id be that same hash, so one hash serves both.
 */
export function toStoredUsageRow(parsed: ParsedUsageEvent, context: RowContext, source: string | null = null): UsageRowResult {
  const { event, usage, timestampMs } = parsed;
  const contentHash = context.hashContent(canonicalUsageContent(event, timestampMs));
  const provider = event.provider ?? null;
  const pricing = priceUsageEvent(parsed, context.catalog);
  if (!pricing.ok) return pricing;
  const { unpricedReason, cost } = pricing;
  const price = pricing.price === null ? null : priceRowFor(pricing.price);
  const row: StoredUsageRow = {
    id: event.id ?? contentHash,
    contentHash,
    timestampMs,
    provider,
    model: event.model,
    pricedProvider: price === null ? null : price.provider,
    pricedModel: price === null ? null : price.model,
    priceId: price === null ? null : price.priceId,
    unpricedReason,
    inputTokens: usage.input.total,
    cacheReadTokens: usage.input.cacheRead,
    cacheWrite5mTokens: usage.input.cacheWrite5m,
    cacheWrite1hTokens: usage.input.cacheWrite1h,
    outputTokens: usage.output.total,
    reasoningTokens: usage.output.reasoning,
    inputAudioTokens: usage.input.audio,
    outputAudioTokens: usage.output.audio,
    webSearchRequests: usage.webSearchRequests,
    costInput: cost === null ? null : cost.input,
    costCacheRead: cost === null ? null : cost.cacheRead,
    costCacheWrite5m: cost === null ? null : cost.cacheWrite5m,
    costCacheWrite1h: cost === null ? null : cost.cacheWrite1h,
    costOutput: cost === null ? null : cost.output,
    costReasoning: cost === null ? null : cost.reasoning,
    costAudio: cost === null ? null : cost.inputAudio + cost.outputAudio,
    costRequest: cost === null ? null : cost.request,
    costWebSearch: cost === null ? null : cost.webSearch,
    costTotal: cost === null ? null : cost.total,
    feature: event.feature ?? null,
    team: event.team ?? null,
    userTier: event.user_tier ?? null,
    userId: event.user_id ?? null,
    sessionId: event.session_id ?? null,
    taskId: event.task_id ?? null,
    step: event.step ?? null,
    environment: event.environment ?? null,
    attributes: event.attributes == null ? null : JSON.stringify(event.attributes),
    status: event.status ?? 'ok',
    retryOf: event.retry_of ?? null,
    latencyMs: event.latency_ms ?? null,
    timeToFirstTokenMs: event.time_to_first_token_ms ?? null,
    responseCache: event.response_cache ?? null,
    reportedCostUsd: event.cost_usd ?? null,
    source,
  };
  return { ok: true, row, price };
}

/** A task outcome as a row; its content hash tells a re-sent outcome from a task said to end twice. */
export function toStoredOutcomeRow(parsed: ParsedOutcome, context: Pick<RowContext, 'hashContent'>, source: string | null = null): StoredOutcomeRow {
  const { event, timestampMs } = parsed;
  return {
    taskId: event.task_id,
    outcome: event.outcome,
    timestampMs,
    feature: event.feature ?? null,
    contentHash: context.hashContent(canonicalOutcomeContent(event, timestampMs)),
    source,
  };
}

/** A revenue record as a row, its amount in exact picodollars (4.35 → 4350000000000n, never via a float product). */
export function toStoredRevenueRow(parsed: ParsedRevenue, context: Pick<RowContext, 'hashContent'>, source: string | null = null): StoredRevenueRow {
  const { event, timestampMs } = parsed;
  const contentHash = context.hashContent(canonicalRevenueContent(event, timestampMs));
  return {
    id: event.id ?? contentHash,
    userId: event.user_id,
    amountPicodollars: usdToExactPicodollars(event.amount_usd),
    timestampMs,
    feature: event.feature ?? null,
    userTier: event.user_tier ?? null,
    contentHash,
    source,
  };
}
