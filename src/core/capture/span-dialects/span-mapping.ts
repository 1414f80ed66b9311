import type { EventTags } from '../../events/event-tags.js';

/** The instrumentation conventions a GenAI span can follow. */
export type SpanDialect = 'semconv' | 'openllmetry' | 'openinference' | 'ai-sdk';

/** Token counts in unitcost's convention: totals that include their parts (see docs/events.md). */
export interface SpanCallCounts {
  /** Every prompt token, cache reads and writes included. */
  input_tokens: number;
  /** Every generated token, reasoning included. */
  output_tokens: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  cache_write_1h_tokens?: number;
  reasoning_tokens?: number;
}

/** The tags a span's own dialect states; resource-level tags are the caller's business. */
export type SpanCallTags = EventTags;

/** One LLM call read from one span. */
export interface SpanCall {
  dialect: SpanDialect;
  /** Normalized: 'openai', 'anthropic', 'google', 'bedrock', 'azure'… */
  provider?: string;
  /** The response model when the span has one, else the request model. */
  model: string;
  /** In gen_ai.operation.name's vocabulary: chat, text_completion, embeddings… */
  operation?: string;
  responseId?: string;
  counts: SpanCallCounts;
  tags: SpanCallTags;
  /** Flat metadata worth keeping (user metadata that is not one of our tags); never prompt or completion text. */
  attributes: Record<string, string | number | boolean>;
  /** From the request to the first streamed chunk, when the instrumentation measured it. */
  timeToFirstTokenMs?: number;
}

/** What one span says about billing: a call, nothing, or a count that cannot be read. */
export type SpanMapping =
  | { kind: 'call'; call: SpanCall }
  | { kind: 'not-genai' }
  // A span without usage may still state tags (an OpenInference CHAIN span's session.id) that its calls inherit.
  | { kind: 'no-usage'; reason: string; tags?: SpanCallTags }
  | { kind: 'invalid'; attribute: string; message: string };

/** The failure of reading one attribute, named exactly as the span spells it. */
export interface AttributeProblem {
  kind: 'invalid';
  attribute: string;
  message: string;
}
