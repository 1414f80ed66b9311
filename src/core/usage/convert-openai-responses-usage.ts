import { normalizedUsage, type NormalizedUsage } from './normalized-usage.js';
import { optionalTokenCount, parseProviderUsage, requirePartsWithin, tokenCount, usageObject } from './parse-provider-usage.js';

const source = 'openai-responses usage';

const openaiResponsesUsageSchema = usageObject({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  input_tokens_details: usageObject({ cached_tokens: optionalTokenCount }).nullish(),
  output_tokens_details: usageObject({ reasoning_tokens: optionalTokenCount }).nullish(),
});

/**
 * Maps an OpenAI Responses API `usage` object to NormalizedUsage.
 * `input_tokens` already includes the cached tokens and `output_tokens` already includes reasoning,
 * so the details are split out of the totals, never added to them. OpenAI charges no cache-write premium.
 */
export function convertOpenaiResponsesUsage(usage: unknown): NormalizedUsage {
  const parsed = parseProviderUsage(source, openaiResponsesUsageSchema, usage);
  const cached = parsed.input_tokens_details?.cached_tokens ?? 0;
  const reasoning = parsed.output_tokens_details?.reasoning_tokens ?? 0;

  requirePartsWithin(source, 'input_tokens', parsed.input_tokens, { 'input_tokens_details.cached_tokens': cached });
  requirePartsWithin(source, 'output_tokens', parsed.output_tokens, { 'output_tokens_details.reasoning_tokens': reasoning });

  return normalizedUsage({
    inputTotal: parsed.input_tokens,
    cacheRead: cached,
    outputTotal: parsed.output_tokens,
    reasoning,
  });
}
