import { z } from 'zod';
import { anthropicUsageSchema, convertAnthropicUsage } from './convert-anthropic-usage.js';
import type { NormalizedUsage } from './normalized-usage.js';
import { parseProviderUsage, throwInvalid, tokenCount, usageObject } from './parse-provider-usage.js';

const source = 'anthropic stream';

const messageStartSchema = usageObject({ message: usageObject({ usage: anthropicUsageSchema }) });

// Every count in message_delta is cumulative for the whole message; the input counts appear only in
// newer API versions, and grow past message_start's when server tools run more sampling iterations.
const messageDeltaSchema = usageObject({
  usage: usageObject({
    output_tokens: tokenCount,
    input_tokens: tokenCount.nullish(),
    cache_read_input_tokens: tokenCount.nullish(),
    cache_creation_input_tokens: tokenCount.nullish(),
    // The searches run while the message was sampled: cumulative, so the last delta has them all.
    server_tool_use: usageObject({ web_search_requests: tokenCount.nullish() }).nullish(),
  }),
});

/**
 * Maps the parsed events of an Anthropic Messages stream to the message's NormalizedUsage.
 * The input side comes from message_start unless the last message_delta repeats it; the output count
 * comes from the last message_delta alone, since message_start's output_tokens is only a first token or two.
 */
export function convertAnthropicStreamUsage(events: unknown[]): NormalizedUsage {
  const start = events.find((event) => isEvent(event, 'message_start'));
  if (start === undefined) {
    throwInvalid(`${source}: no message_start event; pass every parsed event of the stream`, 'message_start');
  }
  const deltas = events.filter((event) => isEvent(event, 'message_delta'));
  const lastDelta = deltas[deltas.length - 1];
  if (lastDelta === undefined) {
    throwInvalid(`${source}: no message_delta event, so the output count is unknown; the stream ended before its final event`, 'message_delta');
  }
  const startUsage = parseProviderUsage(`${source} message_start`, messageStartSchema, start).message.usage;
  const deltaUsage = parseProviderUsage(`${source} message_delta`, messageDeltaSchema, lastDelta).usage;
  return convertAnthropicUsage({
    ...startUsage,
    input_tokens: deltaUsage.input_tokens ?? startUsage.input_tokens,
    cache_read_input_tokens: deltaUsage.cache_read_input_tokens ?? startUsage.cache_read_input_tokens,
    cache_creation_input_tokens: deltaUsage.cache_creation_input_tokens ?? startUsage.cache_creation_input_tokens,
    output_tokens: deltaUsage.output_tokens,
    server_tool_use: { web_search_requests: deltaUsage.server_tool_use?.web_search_requests ?? startUsage.server_tool_use?.web_search_requests ?? 0 },
  } satisfies z.input<typeof anthropicUsageSchema>);
}

function isEvent(value: unknown, type: string): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
