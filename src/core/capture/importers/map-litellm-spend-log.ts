import type { ImportMapping } from './import-mapping.js';
import { normalizeVendorProvider } from './normalize-vendor-provider.js';
import { RowReader } from './row-reader.js';
import { VendorTags } from './vendor-tags.js';

/**
 * Maps one row of LiteLLM's LiteLLM_SpendLogs table (from `/spend/logs` as JSON, or a database dump as
 * CSV where metadata and request_tags are JSON text) to a usage event with the id `litellm:<request_id>`
 * and LiteLLM's own `spend` as cost_usd.
 *
 * Counting rules. LiteLLM logs OpenAI-shaped usage: prompt_tokens includes cache reads and writes (for
 * Anthropic too, which LiteLLM converts), and completion_tokens includes reasoning. The cache split lives
 * in metadata.usage_object (newer) or metadata.additional_usage_values (older). Two traps are caught by
 * their arithmetic: cache parts larger than prompt_tokens, or a usage_object whose prompt_tokens equals
 * the column plus the cache, mean the column left the cache out (Anthropic's convention, used for
 * anthropic_messages calls by some versions), so the cache is added back; reasoning larger than
 * completion_tokens means it was left out of it, so it is added.
 *
 * Skips: a successful row without a single token (an MCP tool call, an image priced per image, a
 * pass-through) is not a token-billed call. A response-cache hit is kept, with zero tokens and
 * response_cache "hit", because the model was not called but the feature was served.
 */
export function mapLitellmSpendLog(row: Record<string, unknown>): ImportMapping {
  const reader = new RowReader(row);
  const requestId = reader.text('request_id');
  if (requestId === undefined && reader.present('request_id') === undefined) reader.fail('request_id', 'is required: it is what makes a second import a duplicate');
  const start = reader.instant('startTime', 'start_time');
  if (start === undefined && reader.present('startTime', 'start_time') === undefined) reader.fail('startTime', 'is required');
  const end = reader.instant('endTime', 'end_time');
  const firstToken = reader.instant('completionStartTime', 'completion_start_time');
  const prompt = reader.count('prompt_tokens');
  const completion = reader.count('completion_tokens');
  const spend = reader.number('spend');
  const metadata = reader.object('metadata');
  const requestTags = reader.list('request_tags');
  const model = reader.text('model') ?? reader.text('model_group');
  const modelGroup = reader.text('model_group');
  const callType = reader.text('call_type')?.value;
  const cacheHit = reader.text('cache_hit')?.value.toLowerCase() === 'true';
  const failed = reader.text('status')?.value.toLowerCase() === 'failure';

  const usageField = metadata?.value.usage_object !== undefined && metadata.value.usage_object !== null ? 'usage_object' : 'additional_usage_values';
  const usage = metadata?.value[usageField];
  const label = (path: string): string => `metadata.${usageField}.${path}`;
  const cacheRead = reader.countIn(usage, ['cache_read_input_tokens'], label('cache_read_input_tokens')) ?? reader.countIn(usage, ['prompt_tokens_details', 'cached_tokens'], label('prompt_tokens_details.cached_tokens')) ?? 0;
  const cacheWrite =
    reader.countIn(usage, ['cache_creation_input_tokens'], label('cache_creation_input_tokens')) ??
    reader.countIn(usage, ['prompt_tokens_details', 'cache_creation_tokens'], label('prompt_tokens_details.cache_creation_tokens')) ??
    0;
  const reasoning = reader.countIn(usage, ['completion_tokens_details', 'reasoning_tokens'], label('completion_tokens_details.reasoning_tokens')) ?? 0;
  const usagePrompt = reader.countIn(usage, ['prompt_tokens'], label('prompt_tokens'));
  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };

  const promptTokens = prompt?.value ?? 0;
  const completionTokens = completion?.value ?? 0;
  const anyTokens = promptTokens + completionTokens + cacheRead + cacheWrite > 0;
  if (!anyTokens && !cacheHit && !failed) {
    return { ok: 'skip', reason: `no token usage${callType ? ` (call_type ${callType})` : ''}: nothing billed by tokens` };
  }
  if (model === undefined) return { ok: false, errors: [{ field: 'model', message: 'is required for a call with tokens' }] };

  const cacheParts = cacheRead + cacheWrite;
  const promptLeftOutCache =
    cacheParts > promptTokens ||
    (cacheParts > 0 && usagePrompt !== undefined && usagePrompt === promptTokens + cacheParts);
  const outputLeftOutReasoning = reasoning > completionTokens;

  const record: Record<string, unknown> = { id: `litellm:${requestId!.value}`, timestamp: start!.value, model: model.value };
  const origins: Record<string, string> = { id: 'request_id', timestamp: start!.field, model: model.field };
  const provider = normalizeVendorProvider(reader.text('custom_llm_provider')?.value);
  if (provider !== undefined) record.provider = provider;
  if (cacheHit) {
    // The response came from LiteLLM's cache: the model was not called, so nothing was billed by tokens.
    record.input_tokens = 0;
    record.output_tokens = 0;
    record.response_cache = 'hit';
  } else {
    record.input_tokens = promptLeftOutCache ? promptTokens + cacheParts : promptTokens;
    record.output_tokens = outputLeftOutReasoning ? completionTokens + reasoning : completionTokens;
    origins.input_tokens = 'prompt_tokens';
    origins.output_tokens = 'completion_tokens';
    if (cacheRead > 0) record.cache_read_tokens = cacheRead;
    if (cacheWrite > 0) record.cache_write_tokens = cacheWrite;
    if (reasoning > 0) record.reasoning_tokens = reasoning;
    origins.cache_read_tokens = label('cache_read_input_tokens');
    origins.cache_write_tokens = label('cache_creation_input_tokens');
    origins.reasoning_tokens = label('completion_tokens_details.reasoning_tokens');
  }
  if (failed) record.status = 'error';
  if (spend !== undefined) {
    record.cost_usd = spend.value;
    origins.cost_usd = spend.field;
  }
  if (end !== undefined && end.ms >= start!.ms) record.latency_ms = end.ms - start!.ms;
  // LiteLLM sets completionStartTime to endTime for calls that did not stream: that is no first token.
  if (firstToken !== undefined && firstToken.ms >= start!.ms && (end === undefined || firstToken.ms < end.ms)) record.time_to_first_token_ms = firstToken.ms - start!.ms;

  const tags = new VendorTags();
  tags.set('team', metadata?.value.user_api_key_team_alias, 'metadata.user_api_key_team_alias');
  const user = reader.text('user')?.value;
  // LiteLLM writes "default_user_id" when a key has no user: a placeholder, not a person to count.
  if (user !== 'default_user_id') tags.set('user_id', user, 'user');
  tags.set('user_id', reader.text('end_user')?.value, 'end_user');
  tags.set('session_id', reader.text('session_id')?.value, 'session_id');
  const tagList = requestTags?.value ?? (Array.isArray(metadata?.value.tags) ? (metadata.value.tags as unknown[]).filter((tag): tag is string => typeof tag === 'string') : []);
  tags.addTagList(tagList, requestTags?.field ?? 'metadata.tags');
  const own = metadata?.value.spend_logs_metadata;
  if (typeof own === 'object' && own !== null && !Array.isArray(own)) tags.addMetadata(own as Record<string, unknown>, 'metadata.spend_logs_metadata');
  tags.attribute('call_type', callType);
  if (modelGroup !== undefined && modelGroup.value !== model.value) tags.attribute('model_group', modelGroup.value);
  tags.attribute('key_alias', metadata?.value.user_api_key_alias);
  tags.applyTo(record, origins);
  return { ok: true, record, origins };
}
