import type { SpanCallCounts } from './span-mapping.js';

/** The counts a dialect read, before they are turned into unitcost's inclusive totals. */
export interface RawCounts {
  input: number;
  output: number;
  cacheRead?: number | undefined;
  cacheWrite?: number | undefined;
  cacheWrite1h?: number | undefined;
  reasoning?: number | undefined;
  /** True when the dialect is known to report input without cache reads and writes (Anthropic's raw input_tokens). */
  inputExcludesCache?: boolean;
  /** True when the dialect is known to report output without reasoning (Gemini's candidatesTokenCount). */
  outputExcludesReasoning?: boolean;
}

/**
 * Turns a dialect's counts into totals that include their parts.
 *
 * Every dialect's convention says its input count includes the cache, but instrumentations of Anthropic
 * have copied Anthropic's raw `input_tokens`, which excludes it. A known-exclusive source says so with
 * `inputExcludesCache`. Otherwise an input smaller than its cache reads plus writes cannot be a total, so
 * it is read as exclusive and the cache is added; an input at least as large is read as the convention
 * says, a total. The same rule holds for output below its reasoning count, and `outputExcludesReasoning`
 * marks a known-exclusive output (Gemini's candidates exclude thoughts).
 */
export function assembleCounts(raw: RawCounts): SpanCallCounts {
  const cacheRead = raw.cacheRead ?? 0;
  // A 1-hour write count is part of the writes: writes smaller than it (or absent) are at least that.
  const cacheWrite1h = raw.cacheWrite1h ?? 0;
  const cacheWrite = Math.max(raw.cacheWrite ?? 0, cacheWrite1h);
  const reasoning = raw.reasoning ?? 0;
  const cached = cacheRead + cacheWrite;
  const inputExcludes = raw.inputExcludesCache === true || raw.input < cached;
  const outputExcludes = raw.outputExcludesReasoning === true || raw.output < reasoning;
  const counts: SpanCallCounts = {
    input_tokens: inputExcludes ? raw.input + cached : raw.input,
    output_tokens: outputExcludes ? raw.output + reasoning : raw.output,
  };
  if (raw.cacheRead !== undefined) counts.cache_read_tokens = cacheRead;
  if (raw.cacheWrite !== undefined || cacheWrite1h > 0) counts.cache_write_tokens = cacheWrite;
  if (cacheWrite1h > 0) counts.cache_write_1h_tokens = cacheWrite1h;
  if (raw.reasoning !== undefined) counts.reasoning_tokens = reasoning;
  return counts;
}
