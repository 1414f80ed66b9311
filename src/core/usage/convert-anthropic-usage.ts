import { normalizedUsage, type NormalizedUsage } from './normalized-usage.js';
import { optionalTokenCount, parseProviderUsage, requirePartsWithin, tokenCount, usageObject } from './parse-provider-usage.js';

const source = 'anthropic usage';

/** The usage object of an Anthropic Messages response, as validated before conversion. */
export const anthropicUsageSchema = usageObject({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_read_input_tokens: optionalTokenCount,
  // Kept apart from zero when absent, so that a bare cache_creation breakdown can stand in for it.
  cache_creation_input_tokens: tokenCount.nullish(),
  cache_creation: usageObject({
    ephemeral_5m_input_tokens: optionalTokenCount,
    ephemeral_1h_input_tokens: optionalTokenCount,
  }).nullish(),
  // Server tools billed per use; web searches are $10 per 1,000 on top of the tokens their results add.
  server_tool_use: usageObject({ web_search_requests: optionalTokenCount }).nullish(),
});

/**
 * Maps an Anthropic Messages `usage` object to NormalizedUsage.
 * Unlike OpenAI's, Anthropic's `input_tokens` excludes cache reads and writes, so the input total is
 * their sum. `output_tokens` already includes thinking, which the usage does not count apart.
 * `server_tool_use.web_search_requests` is the number of web searches the API ran, each billed apart.
 */
export function convertAnthropicUsage(usage: unknown): NormalizedUsage {
  const parsed = parseProviderUsage(source, anthropicUsageSchema, usage);
  const breakdown = parsed.cache_creation;
  const writes =
    parsed.cache_creation_input_tokens ?? (breakdown ? breakdown.ephemeral_5m_input_tokens + breakdown.ephemeral_1h_input_tokens : 0);
  if (breakdown) {
    requirePartsWithin(source, 'cache_creation_input_tokens', writes, {
      'cache_creation.ephemeral_5m_input_tokens': breakdown.ephemeral_5m_input_tokens,
      'cache_creation.ephemeral_1h_input_tokens': breakdown.ephemeral_1h_input_tokens,
    });
  }
  // Writes the breakdown does not account for (all of them in responses that predate it, or the extra
  // writes a stream's message_delta reports) were made at Anthropic's default TTL of five minutes.
  const writes1h = breakdown?.ephemeral_1h_input_tokens ?? 0;
  return normalizedUsage({
    inputTotal: parsed.input_tokens + parsed.cache_read_input_tokens + writes,
    cacheRead: parsed.cache_read_input_tokens,
    cacheWrite5m: writes - writes1h,
    cacheWrite1h: writes1h,
    outputTotal: parsed.output_tokens,
    webSearchRequests: parsed.server_tool_use?.web_search_requests ?? 0,
  });
}
