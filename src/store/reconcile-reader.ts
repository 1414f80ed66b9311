import type { TimeRange } from './event-writer.js';

/**
 * What unitcost recorded of one provider, per UTC day and model, with each billing class's tokens and
 * exact cost: what `unitcost reconcile` compares with the provider's own usage and cost reports.
 */
export interface RecordedProviderDay {
  day: string;
  /** The catalog id the calls were priced as, or the model as recorded when unpriced. */
  model: string;
  calls: number;
  /** Input not read from or written to a cache, audio excluded. */
  inputTokens: bigint;
  cacheReadTokens: bigint;
  cacheWrite5mTokens: bigint;
  cacheWrite1hTokens: bigint;
  /** Output text and reasoning, audio excluded: what the providers report as output. */
  outputTokens: bigint;
  inputAudioTokens: bigint;
  outputAudioTokens: bigint;
  costInput: bigint;
  costCacheRead: bigint;
  costCacheWrite5m: bigint;
  costCacheWrite1h: bigint;
  /** Output and reasoning. */
  costOutput: bigint;
  /** Audio in and out: unitcost keeps them in one cost column. */
  costAudio: bigint;
  /** Flat per-request fees. */
  costRequest: bigint;
  /** Server-side web searches, which the providers report and bill as a class of their own. */
  webSearchRequests: bigint;
  costWebSearch: bigint;
}

/** Reads recorded usage at a provider report's grain. Read only: a reconciliation never changes the store. */
export interface ReconcileReader {
  recordedByProviderDay(query: { provider: string; range: TimeRange }): Promise<RecordedProviderDay[]>;
}
