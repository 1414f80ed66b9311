import { normalizedUsage, type NormalizedUsage } from './normalized-usage.js';
import { optionalTokenCount, parseProviderUsage, requirePartsWithin, tokenCount, usageObject } from './parse-provider-usage.js';

const source = 'openai-chat usage';

// The details objects are optional and may be null: older models and OpenAI-compatible servers omit them.
const openaiChatUsageSchema = usageObject({
  prompt_tokens: tokenCount,
  completion_tokens: tokenCount,
  prompt_tokens_details: usageObject({
    cached_tokens: optionalTokenCount,
    audio_tokens: optionalTokenCount,
  }).nullish(),
  completion_tokens_details: usageObject({
    reasoning_tokens: optionalTokenCount,
    audio_tokens: optionalTokenCount,
  }).nullish(),
});

/**
 * Maps an OpenAI Chat Completions `usage` object to NormalizedUsage.
 * `prompt_tokens` already includes the cached and audio prompt tokens, and `completion_tokens` already
 * includes reasoning, audio and predicted-output tokens, so the details are split out, never added.
 */
export function convertOpenaiChatUsage(usage: unknown): NormalizedUsage {
  const parsed = parseProviderUsage(source, openaiChatUsageSchema, usage);
  const cached = parsed.prompt_tokens_details?.cached_tokens ?? 0;
  const promptAudio = parsed.prompt_tokens_details?.audio_tokens ?? 0;
  const reasoning = parsed.completion_tokens_details?.reasoning_tokens ?? 0;
  const completionAudio = parsed.completion_tokens_details?.audio_tokens ?? 0;

  requirePartsWithin(source, 'prompt_tokens', parsed.prompt_tokens, { 'prompt_tokens_details.cached_tokens': cached });
  requirePartsWithin(source, 'prompt_tokens', parsed.prompt_tokens, { 'prompt_tokens_details.audio_tokens': promptAudio });
  requirePartsWithin(source, 'completion_tokens', parsed.completion_tokens, {
    'completion_tokens_details.reasoning_tokens': reasoning,
    'completion_tokens_details.audio_tokens': completionAudio,
  });

  // OpenAI does not say which cached tokens were audio. Counting as uncached audio at most what is
  // uncached assumes the least overlap the numbers allow, and keeps input.audio within noCache.
  const uncached = parsed.prompt_tokens - cached;
  return normalizedUsage({
    inputTotal: parsed.prompt_tokens,
    cacheRead: cached,
    inputAudio: Math.min(promptAudio, uncached),
    outputTotal: parsed.completion_tokens,
    reasoning,
    outputAudio: completionAudio,
  });
}
