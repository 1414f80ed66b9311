export { normalizedUsage, emptyUsage, type NormalizedUsage, type UsageCounts } from './normalized-usage.js';
export { convertUsage, usageFormats, type UsageFormat } from './convert-usage.js';
export { convertOpenaiChatUsage } from './convert-openai-chat-usage.js';
export { convertOpenaiResponsesUsage } from './convert-openai-responses-usage.js';
export { convertOpenaiChatStreamUsage, convertOpenaiResponsesStreamUsage } from './convert-openai-stream-usage.js';
export { convertAnthropicUsage } from './convert-anthropic-usage.js';
export { convertAnthropicStreamUsage } from './convert-anthropic-stream-usage.js';
export { convertGeminiUsage } from './convert-gemini-usage.js';
export { countOpenaiResponsesWebSearches } from './count-openai-web-searches.js';
