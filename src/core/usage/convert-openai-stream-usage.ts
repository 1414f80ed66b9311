import { convertOpenaiChatUsage } from './convert-openai-chat-usage.js';
import { convertOpenaiResponsesUsage } from './convert-openai-responses-usage.js';
import { countOpenaiResponsesWebSearches } from './count-openai-web-searches.js';
import type { NormalizedUsage } from './normalized-usage.js';
import { throwInvalid } from './parse-provider-usage.js';

/**
 * Maps the parsed chunks of an OpenAI Chat Completions stream to the call's NormalizedUsage.
 * With `stream_options: { include_usage: true }` only the last chunk (the one with `choices: []`)
 * carries usage, and every earlier chunk says `usage: null`; the last non-null usage wins.
 */
export function convertOpenaiChatStreamUsage(chunks: unknown[]): NormalizedUsage {
  const usage = chunks.map((chunk) => fieldOf(chunk, 'usage')).findLast((value) => value !== undefined && value !== null);
  if (usage === undefined) {
    throwInvalid(
      'openai-chat stream: no chunk carries usage; request the stream with stream_options: { include_usage: true } and pass every parsed chunk',
      'usage',
    );
  }
  return convertOpenaiChatUsage(usage);
}

// response.incomplete (max_output_tokens reached, content filtered) is billed like response.completed.
const finalResponseEvents = new Set(['response.completed', 'response.incomplete']);

/**
 * Maps the parsed events of an OpenAI Responses API stream to the call's NormalizedUsage, read from the
 * final event's `response.usage`; the earlier response.created and response.in_progress events say `usage: null`.
 * The final event carries the whole response, so its web_search_call output items are counted as web searches.
 */
export function convertOpenaiResponsesStreamUsage(events: unknown[]): NormalizedUsage {
  const final = events.findLast((event) => finalResponseEvents.has(String(fieldOf(event, 'type'))));
  const usage = fieldOf(fieldOf(final, 'response'), 'usage');
  if (usage === undefined || usage === null) {
    throwInvalid('openai-responses stream: no response.completed event carries response.usage; pass every parsed event of the stream', 'response.usage');
  }
  const searches = countOpenaiResponsesWebSearches(fieldOf(final, 'response'));
  const converted = convertOpenaiResponsesUsage(usage);
  return searches === 0 ? converted : { ...converted, webSearchRequests: searches };
}

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
