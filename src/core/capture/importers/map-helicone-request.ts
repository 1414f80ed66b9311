import type { ImportMapping } from './import-mapping.js';
import { normalizeVendorProvider } from './normalize-vendor-provider.js';
import { RowReader } from './row-reader.js';
import { tagNameFor, VendorTags } from './vendor-tags.js';

// Helicone writes a cache hit's cache_reference_id; a miss carries this nil UUID.
const nilUuid = '00000000-0000-0000-0000-000000000000';
const propertyPrefix = 'helicone-property-';

/**
 * Maps one Helicone request (from `npx @helicone/export` as JSON, JSONL or CSV, or the request API) to a
 * usage event with the id `helicone:<request_id>` (`helicone:response:<response_id>` from the export
 * tool's CSV, which has no request id) and Helicone's cost as cost_usd.
 *
 * Counting rules. Helicone stores the parts of a prompt apart, each at its own price: prompt_tokens is the
 * uncached text prompt (its OpenAI processor subtracts cached and audio tokens; Anthropic's input_tokens
 * already excludes the cache), beside prompt_cache_read_tokens, prompt_cache_write_tokens and
 * prompt_audio_tokens; completion_tokens excludes completion_audio_tokens. So input_tokens is the sum of
 * the prompt parts and output_tokens the sum of the completion parts. Rows logged before that split kept
 * OpenAI's inclusive prompt_tokens: their total_tokens equals prompt + completion, and then the cache is
 * not added again.
 *
 * Skips: a row with neither a model nor a token (a request Helicone could not parse). A cache hit (a
 * cache_reference_id) is kept with zero tokens and response_cache "hit": Helicone answered, not the model.
 */
export function mapHeliconeRequest(row: Record<string, unknown>): ImportMapping {
  const reader = new RowReader(row);
  // The export tool's CSV has no request_id column, only response_id: its ids are kept apart by a prefix.
  const requestId = reader.text('request_id', 'requestId');
  const responseId = requestId === undefined ? reader.text('response_id') : undefined;
  if (requestId === undefined && responseId === undefined && reader.present('request_id', 'requestId', 'response_id') === undefined) {
    reader.fail('request_id', 'is required (or response_id): it is what makes a second import a duplicate');
  }
  const created = reader.instant('request_created_at', 'requestCreatedAt');
  if (created === undefined && reader.present('request_created_at', 'requestCreatedAt') === undefined) reader.fail('request_created_at', 'is required');
  const responded = reader.instant('response_created_at', 'responseCreatedAt');
  const prompt = reader.count('prompt_tokens');
  const completion = reader.count('completion_tokens');
  const cacheRead = reader.count('prompt_cache_read_tokens');
  const cacheWrite = reader.count('prompt_cache_write_tokens');
  const promptAudio = reader.count('prompt_audio_tokens');
  const completionAudio = reader.count('completion_audio_tokens');
  const total = reader.count('total_tokens');
  const cost = reader.number('costUSD', 'cost_usd', 'cost');
  const latency = reader.number('latency', 'delay_ms');
  const firstToken = reader.number('time_to_first_token');
  const status = reader.number('response_status', 'status');
  const properties = reader.object('properties', 'request_properties');
  const model = reader.text('model', 'response_model', 'model_override', 'request_model');
  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };

  const cacheReference = reader.text('cache_reference_id')?.value;
  const cacheHit = cacheReference !== undefined && cacheReference !== nilUuid;
  const promptTokens = prompt?.value ?? 0;
  const completionTokens = completion?.value ?? 0;
  const cacheParts = (cacheRead?.value ?? 0) + (cacheWrite?.value ?? 0);
  const audioIn = promptAudio?.value ?? 0;
  const audioOut = completionAudio?.value ?? 0;
  const anyTokens = promptTokens + completionTokens + cacheParts + audioIn + audioOut > 0;
  if (model === undefined) {
    return anyTokens ? { ok: false, errors: [{ field: 'model', message: 'is required for a request with tokens' }] } : { ok: 'skip', reason: 'no model and no tokens: a request Helicone could not read' };
  }

  const promptHeldCache =
    total !== undefined && cacheParts + audioIn > 0 && cacheParts + audioIn <= promptTokens && total.value === promptTokens + completionTokens + audioOut && total.value !== promptTokens + cacheParts + audioIn + completionTokens + audioOut;
  const id = requestId !== undefined ? `helicone:${requestId.value}` : `helicone:response:${responseId!.value}`;
  const record: Record<string, unknown> = { id, timestamp: created!.value, model: model.value };
  const origins: Record<string, string> = { id: (requestId ?? responseId)!.field, timestamp: created!.field, model: model.field };
  const provider = normalizeVendorProvider(reader.text('provider')?.value);
  if (provider !== undefined) record.provider = provider;
  if (cacheHit) {
    record.input_tokens = 0;
    record.output_tokens = 0;
    record.response_cache = 'hit';
  } else {
    record.input_tokens = promptHeldCache ? promptTokens : promptTokens + cacheParts + audioIn;
    record.output_tokens = completionTokens + audioOut;
    if ((cacheRead?.value ?? 0) > 0) record.cache_read_tokens = cacheRead!.value;
    if ((cacheWrite?.value ?? 0) > 0) record.cache_write_tokens = cacheWrite!.value;
    if (audioIn > 0) record.input_audio_tokens = audioIn;
    if (audioOut > 0) record.output_audio_tokens = audioOut;
    Object.assign(origins, {
      input_tokens: 'prompt_tokens',
      output_tokens: 'completion_tokens',
      cache_read_tokens: 'prompt_cache_read_tokens',
      cache_write_tokens: 'prompt_cache_write_tokens',
      input_audio_tokens: 'prompt_audio_tokens',
      output_audio_tokens: 'completion_audio_tokens',
    });
  }
  const callStatus = statusOf(status?.value);
  if (callStatus !== 'ok') record.status = callStatus;
  if (cost !== undefined && cost.value >= 0) {
    record.cost_usd = cost.value;
    origins.cost_usd = cost.field;
  }
  if (latency !== undefined && latency.value >= 0) record.latency_ms = latency.value;
  else if (responded !== undefined && responded.ms >= created!.ms) record.latency_ms = responded.ms - created!.ms;
  if (firstToken !== undefined && firstToken.value > 0) record.time_to_first_token_ms = firstToken.value;

  const tags = new VendorTags();
  tags.set('user_id', reader.text('user_id', 'request_user_id')?.value, 'user_id');
  if (properties !== undefined) {
    // Helicone keeps its session headers among the properties; the session id is our session.
    const own: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(properties.value)) {
      const name = key.toLowerCase().replace(propertyPrefix, '');
      if (name === 'helicone-session-id') tags.set('session_id', value, `${properties.field}.${key}`);
      else if (name.startsWith('helicone-session-')) tags.attribute(`session_${name.slice('helicone-session-'.length)}`, value);
      else if (tagNameFor(key, propertyPrefix) !== undefined || !name.startsWith('helicone-')) own[key] = value;
    }
    tags.addMetadata(own, properties.field, propertyPrefix);
  }
  tags.attribute('prompt_id', reader.text('prompt_id')?.value);
  tags.applyTo(record, origins);
  return { ok: true, record, origins };
}

/** A call's status from Helicone's HTTP status: timeouts (408, 504, 524) apart from other failures. */
function statusOf(code: number | undefined): 'ok' | 'error' | 'timeout' {
  if (code === undefined || (code >= 200 && code < 300)) return 'ok';
  if (code === 408 || code === 504 || code === 524) return 'timeout';
  return 'error';
}
