import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { convertOpenaiChatUsage } from './convert-openai-chat-usage.js';
import { convertOpenaiResponsesUsage } from './convert-openai-responses-usage.js';
import type { NormalizedUsage } from './normalized-usage.js';
import { throwInvalid } from './parse-provider-usage.js';

/** The provider usage wire formats unitcost can convert. */
export const usageFormats = ['openai-chat', 'openai-responses', 'anthropic', 'gemini'] as const;

/** One provider usage wire format: which object `raw` is and how its counts overlap. */
export type UsageFormat = (typeof usageFormats)[number];

const converters: Record<UsageFormat, (raw: unknown) => NormalizedUsage> = {
  'openai-chat': convertOpenaiChatUsage,
  'openai-responses': convertOpenaiResponsesUsage,
  anthropic: convertAnthropicUsage,
  gemini: convertGeminiUsage,
};

/** Maps a provider's raw usage object (`usage`, or Gemini's `usageMetadata`) to NormalizedUsage by its wire format. */
export function convertUsage(format: UsageFormat, raw: unknown): NormalizedUsage {
  // The format often comes from a JSON event, so it is checked here and not only by the type.
  if (!Object.hasOwn(converters, format)) {
    throwInvalid(`usage format must be one of ${usageFormats.join(', ')}, got "${String(format)}"`, 'usage_format');
  }
  return converters[format](raw);
}
