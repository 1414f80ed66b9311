/**
 * The rows every store keeps, built from validated records by toStoredRow. Money is integer picodollars
 * (1e-12 USD) and timestamps are milliseconds since the epoch in UTC; a backend stores them without loss.
 * They live in the core so that turning an event into a row stays pure; src/store re-exports them.
 */

/** One priced (or explicitly unpriced) LLM call. */
export interface StoredUsageRow {
  id: string;
  /** A hash of the event's content, to tell a harmless re-ingest from a conflicting event with the same id. */
  contentHash: string;
  timestampMs: number;
  provider: string | null;
  model: string;
  /** What the model resolved to in the catalog; null when unpriced. */
  pricedProvider: string | null;
  pricedModel: string | null;
  priceId: string | null;
  unpricedReason: string | null;
  /** Every prompt token, cached or not, as the event's input_tokens; the classes below are parts of it. */
  inputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** Every generated token, reasoning and audio included, as the event's output_tokens. */
  outputTokens: number;
  reasoningTokens: number;
  inputAudioTokens: number;
  outputAudioTokens: number;
  /** Server-side web searches the call ran, each billed at the price's webSearchRate. */
  webSearchRequests: number;
  /** Picodollars per class; all null when unpriced. costAudio covers audio in and out. */
  costInput: number | null;
  costCacheRead: number | null;
  costCacheWrite5m: number | null;
  costCacheWrite1h: number | null;
  costOutput: number | null;
  costReasoning: number | null;
  costAudio: number | null;
  costRequest: number | null;
  /** The web searches' cost: webSearchRequests × the price per search. */
  costWebSearch: number | null;
  costTotal: number | null;
  feature: string | null;
  team: string | null;
  userTier: string | null;
  userId: string | null;
  sessionId: string | null;
  taskId: string | null;
  step: number | null;
  environment: string | null;
  /** JSON text of free-form attributes. */
  attributes: string | null;
  status: 'ok' | 'error' | 'timeout' | 'cancelled';
  retryOf: string | null;
  latencyMs: number | null;
  timeToFirstTokenMs: number | null;
  responseCache: 'hit' | 'miss' | null;
  /** What the source said the call cost, in dollars, for comparison only. */
  reportedCostUsd: number | null;
  /** Where the event came from, e.g. "events.jsonl:1042" or "http". */
  source: string | null;
}

/** A price a call was billed at: one model's rates for one price period, in picodollars per token. */
export interface StoredPriceRow {
  priceId: string;
  provider: string;
  model: string;
  /** The period and what set it, e.g. "genai-prices from 2026-03-13; discount 20%". */
  sources: string;
  inputRate: number;
  cacheReadRate: number;
  cacheWrite5mRate: number;
  cacheWrite1hRate: number;
  outputRate: number;
  reasoningRate: number;
  inputAudioRate: number;
  outputAudioRate: number;
  requestFee: number;
  /** JSON text of the long-context tiers, [] when none. */
  tiers: string;
}

/** How a task ended. */
export interface StoredOutcomeRow {
  taskId: string;
  outcome: 'success' | 'failure';
  timestampMs: number;
  feature: string | null;
  contentHash: string;
  source: string | null;
}

/** Revenue from a user, in picodollars. */
export interface StoredRevenueRow {
  id: string;
  userId: string;
  amountPicodollars: bigint;
  timestampMs: number;
  feature: string | null;
  userTier: string | null;
  contentHash: string;
  source: string | null;
}
