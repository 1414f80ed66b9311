/**
 * One call's token usage, split into the classes that are billed differently.
 * Invariants: input.total = noCache + cacheRead + cacheWrite5m + cacheWrite1h;
 * output.total = text + reasoning + audio; input.audio is the audio part of noCache.
 */
export interface NormalizedUsage {
  input: {
    /** Every prompt token, cached or not. */
    total: number;
    /** Prompt tokens billed at the plain input price. */
    noCache: number;
    /** Prompt tokens read from the provider's prompt cache. */
    cacheRead: number;
    /** Prompt tokens written to a 5-minute cache (Anthropic's default TTL; OpenAI has no write premium). */
    cacheWrite5m: number;
    /** Prompt tokens written to a 1-hour cache. */
    cacheWrite1h: number;
    /** Audio tokens among the uncached prompt tokens. */
    audio: number;
  };
  output: {
    /** Every generated token, visible or not. */
    total: number;
    /** Visible text tokens. */
    text: number;
    /** Hidden reasoning ("thinking") tokens, billed as output unless a model prices them apart. */
    reasoning: number;
    /** Generated audio tokens. */
    audio: number;
  };
  /**
   * Server-side web searches the provider ran for the call (Anthropic's server_tool_use.web_search_requests),
   * billed per search on top of the tokens their results add to the prompt.
   */
  webSearchRequests: number;
}

/** The counts a caller may know; everything missing is zero, and totals are derived. */
export interface UsageCounts {
  /** Total prompt tokens, including cached ones. When absent it is the sum of the parts. */
  inputTotal?: number;
  cacheRead?: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
  inputAudio?: number;
  /** Total generated tokens, including reasoning. When absent it is text + reasoning + audio. */
  outputTotal?: number;
  reasoning?: number;
  outputAudio?: number;
  webSearchRequests?: number;
}

/** Builds a consistent NormalizedUsage from totals and parts; throws RangeError when the parts exceed a total. */
export function normalizedUsage(counts: UsageCounts): NormalizedUsage {
  const cacheRead = counts.cacheRead ?? 0;
  const cacheWrite5m = counts.cacheWrite5m ?? 0;
  const cacheWrite1h = counts.cacheWrite1h ?? 0;
  const inputAudio = counts.inputAudio ?? 0;
  const cached = cacheRead + cacheWrite5m + cacheWrite1h;
  const inputTotal = counts.inputTotal ?? cached + inputAudio;
  const noCache = inputTotal - cached;
  if (noCache < 0) {
    throw new RangeError(`cached prompt tokens (${cached}) exceed the input total (${inputTotal})`);
  }
  if (inputAudio > noCache) {
    throw new RangeError(`input audio tokens (${inputAudio}) exceed the uncached input (${noCache})`);
  }
  const reasoning = counts.reasoning ?? 0;
  const outputAudio = counts.outputAudio ?? 0;
  const outputTotal = counts.outputTotal ?? reasoning + outputAudio;
  const text = outputTotal - reasoning - outputAudio;
  if (text < 0) {
    throw new RangeError(`reasoning and audio output tokens (${reasoning + outputAudio}) exceed the output total (${outputTotal})`);
  }
  return {
    input: { total: inputTotal, noCache, cacheRead, cacheWrite5m, cacheWrite1h, audio: inputAudio },
    output: { total: outputTotal, text, reasoning, audio: outputAudio },
    webSearchRequests: counts.webSearchRequests ?? 0,
  };
}

/** A usage of zero tokens, the identity for addUsage. */
export function emptyUsage(): NormalizedUsage {
  return normalizedUsage({});
}
