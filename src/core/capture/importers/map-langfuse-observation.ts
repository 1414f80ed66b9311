import type { FieldError } from '../../events/parse-event-record.js';
import type { ImportMapping } from './import-mapping.js';
import { RowReader } from './row-reader.js';
import { VendorTags } from './vendor-tags.js';

// Observation types that bill tokens; spans, events, tools, agents, chains, retrievers… do not call a model.
const callTypes = new Set(['GENERATION', 'EMBEDDING']);

/** Usage split into the event format's classes, or the usage keys that cannot be read. */
type LangfuseCounts =
  | { ok: true; input: number; output: number; cacheRead: number; cacheWrite: number; inputAudio: number; reasoning: number; outputAudio: number; field: string }
  | { ok: false; errors: FieldError[] }
  | undefined;

/**
 * Maps one Langfuse observation (a UI batch export as JSON or CSV, the public API, or a blob-storage
 * export: camelCase or snake_case fields) to a usage event with the id `langfuse:<id>` and Langfuse's
 * calculated cost as cost_usd.
 *
 * Counting rules. Langfuse's usageDetails keys are parts that add up to the total (its UI sums every key
 * containing "input" as input, "output" as output, and sums all keys when no "total" is given): for an
 * Anthropic call `input` is the uncached prompt and `cache_read_input_tokens` / `cache_creation_input_tokens`
 * are beside it, so input_tokens is their sum. A "total" that equals `input` + `output` alone shows that
 * `input` already included its details (usage ingested OpenAI-style without the split), and then the
 * details are not added again. Older exports carry `usage` {input, output, total} instead.
 *
 * Skips: SPAN, EVENT and the other observation types that are not model calls; a generation without
 * any usage (Langfuse could not count it, so neither can we).
 */
export function mapLangfuseObservation(row: Record<string, unknown>): ImportMapping {
  const reader = new RowReader(row);
  const type = reader.text('type')?.value.toUpperCase();
  if (type !== undefined && !callTypes.has(type)) return { ok: 'skip', reason: `observations of type ${type} are not model calls` };
  const id = reader.text('id');
  if (id === undefined && reader.present('id') === undefined) reader.fail('id', 'is required: it is what makes a second import a duplicate');
  const start = reader.instant('startTime', 'start_time');
  if (start === undefined && reader.present('startTime', 'start_time') === undefined) reader.fail('startTime', 'is required');
  const end = reader.instant('endTime', 'end_time');
  const firstToken = reader.instant('completionStartTime', 'completion_start_time');
  const model = reader.text('model', 'providedModelName', 'provided_model_name');
  const cost = reader.number('calculatedTotalCost', 'calculated_total_cost', 'totalCost', 'total_cost');
  const costDetails = reader.object('costDetails', 'cost_details');
  const metadata = reader.object('metadata');
  const tagList = reader.list('tags', 'traceTags', 'trace_tags');
  const counts = readCounts(reader);
  if (counts?.ok === false) reader.errors.push(...counts.errors);
  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };
  if (counts === undefined || !counts.ok) return { ok: 'skip', reason: 'a generation without usage details: nothing to bill' };
  if (model === undefined) return { ok: false, errors: [{ field: 'model', message: 'is required for a generation with usage' }] };

  const record: Record<string, unknown> = {
    id: `langfuse:${id!.value}`,
    timestamp: start!.value,
    model: model.value,
    input_tokens: counts.input,
    output_tokens: counts.output,
  };
  const origins: Record<string, string> = { id: 'id', timestamp: start!.field, model: model.field, input_tokens: counts.field, output_tokens: counts.field };
  if (counts.cacheRead > 0) record.cache_read_tokens = counts.cacheRead;
  if (counts.cacheWrite > 0) record.cache_write_tokens = counts.cacheWrite;
  if (counts.inputAudio > 0) record.input_audio_tokens = counts.inputAudio;
  if (counts.reasoning > 0) record.reasoning_tokens = counts.reasoning;
  if (counts.outputAudio > 0) record.output_audio_tokens = counts.outputAudio;
  for (const field of ['cache_read_tokens', 'cache_write_tokens', 'input_audio_tokens', 'reasoning_tokens', 'output_audio_tokens']) origins[field] = counts.field;
  const totalCost = cost?.value ?? numberOf(costDetails?.value.total);
  if (totalCost !== undefined) {
    record.cost_usd = totalCost;
    origins.cost_usd = cost?.field ?? `${costDetails!.field}.total`;
  }
  if (reader.text('level')?.value.toUpperCase() === 'ERROR') record.status = 'error';
  if (end !== undefined && end.ms >= start!.ms) record.latency_ms = end.ms - start!.ms;
  if (firstToken !== undefined && firstToken.ms >= start!.ms) record.time_to_first_token_ms = firstToken.ms - start!.ms;

  const tags = new VendorTags();
  // A trace is one request or agent run: its id is the task, as the OTLP receiver also reads traces.
  tags.set('task_id', reader.text('traceId', 'trace_id')?.value, 'traceId');
  tags.set('user_id', reader.text('userId', 'user_id')?.value, 'userId');
  tags.set('session_id', reader.text('sessionId', 'session_id')?.value, 'sessionId');
  const environment = reader.text('environment')?.value;
  // Langfuse names the environment "default" when none was set: that says nothing.
  if (environment !== 'default') tags.set('environment', environment, 'environment');
  tags.addTagList(tagList?.value ?? [], tagList?.field ?? 'tags');
  if (metadata !== undefined) tags.addMetadata(metadata.value, metadata.field);
  tags.attribute('observation_name', reader.text('name')?.value);
  tags.attribute('trace_name', reader.text('traceName', 'trace_name')?.value);
  tags.applyTo(record, origins);
  return { ok: true, record, origins };
}

function readCounts(reader: RowReader): LangfuseCounts {
  const details = reader.object('usageDetails', 'usage_details');
  if (details !== undefined && Object.keys(details.value).length > 0) return splitUsageDetails(details.value, details.field);
  const usage = reader.object('usage');
  if (usage !== undefined && (usage.value.input !== undefined || usage.value.output !== undefined)) {
    return splitUsageDetails({ input: usage.value.input ?? 0, output: usage.value.output ?? 0 }, usage.field);
  }
  const input = reader.count('inputUsage', 'promptTokens', 'input_usage', 'prompt_tokens');
  const output = reader.count('outputUsage', 'completionTokens', 'output_usage', 'completion_tokens');
  if (input === undefined && output === undefined) return undefined;
  return { ok: true, input: input?.value ?? 0, output: output?.value ?? 0, cacheRead: 0, cacheWrite: 0, inputAudio: 0, reasoning: 0, outputAudio: 0, field: input?.field ?? output!.field };
}

function splitUsageDetails(details: Record<string, unknown>, field: string): LangfuseCounts {
  const errors: FieldError[] = [];
  const parts = { inputBase: 0, inputDetails: 0, outputBase: 0, outputDetails: 0, cacheRead: 0, cacheWrite: 0, inputAudio: 0, reasoning: 0, outputAudio: 0 };
  let total: number | undefined;
  for (const [key, raw] of Object.entries(details)) {
    if (raw === null || raw === undefined) continue;
    const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      errors.push({ field: `${field}.${key}`, message: `must be a whole number of tokens ≥ 0, got ${JSON.stringify(raw)}` });
      continue;
    }
    const name = key.toLowerCase();
    if (name === 'total') total = value;
    else if (name === 'input' || name === 'prompt_tokens') parts.inputBase += value;
    else if (name === 'output' || name === 'completion_tokens') parts.outputBase += value;
    else if (name.includes('input') || name.includes('prompt')) {
      parts.inputDetails += value;
      if (name.includes('cache_read') || name.includes('cached')) parts.cacheRead += value;
      else if (name.includes('cache_creation') || name.includes('cache_write')) parts.cacheWrite += value;
      else if (name.includes('audio')) parts.inputAudio += value;
    } else if (name.includes('output') || name.includes('completion')) {
      parts.outputDetails += value;
      if (name.includes('reasoning')) parts.reasoning += value;
      else if (name.includes('audio')) parts.outputAudio += value;
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  // Langfuse's convention is parts beside each other. A total that only comes out when a base count is
  // taken alone says that base already held its details; a detail larger than its base never can be.
  const inputs = [parts.inputBase + parts.inputDetails, ...(parts.inputDetails > 0 && parts.inputDetails <= parts.inputBase ? [parts.inputBase] : [])];
  const outputs = [parts.outputBase + parts.outputDetails, ...(parts.outputDetails > 0 && parts.outputDetails <= parts.outputBase ? [parts.outputBase] : [])];
  const candidates = inputs.flatMap((input) => outputs.map((output) => ({ input, output })));
  const chosen = candidates.find((candidate) => total === undefined || candidate.input + candidate.output === total) ?? candidates[0]!;
  return {
    ok: true,
    input: chosen.input,
    output: chosen.output,
    cacheRead: parts.cacheRead,
    cacheWrite: parts.cacheWrite,
    inputAudio: parts.inputAudio,
    reasoning: parts.reasoning,
    outputAudio: parts.outputAudio,
    field,
  };
}

function numberOf(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}
