// Types only: the `ai` package is the caller's, and this entry point must load without it.
import type { LanguageModelMiddleware } from 'ai';
import {
  applyTags,
  CaptureError,
  deliver,
  elapsedMs,
  isoTimestamp,
  report,
  statusOfError,
  tagsForCall,
  type CaptureOptions,
  type CapturedEvent,
  type CaptureTags,
} from './capture-options.js';

export { withUnitcostTags, type CaptureOptions, type CaptureTags, type CapturedEvent, type UsageSink } from './capture-options.js';
export { serverSink, type ServerSinkOptions } from './sinks/server-sink.js';
export { jsonlFileSink, type JsonlFileSinkOptions } from './sinks/jsonl-file-sink.js';

type WrapStreamOptions = Parameters<NonNullable<LanguageModelMiddleware['wrapStream']>>[0];
type LanguageModel = WrapStreamOptions['model'];
type GenerateResult = Awaited<ReturnType<WrapStreamOptions['doGenerate']>>;
type StreamResult = Awaited<ReturnType<WrapStreamOptions['doStream']>>;
type StreamPart = StreamResult['stream'] extends ReadableStream<infer Part> ? Part : never;
type ModelUsage = GenerateResult['usage'];

/**
 * A Vercel AI SDK middleware, for `wrapLanguageModel({ model, middleware: unitcostMiddleware(options) })`,
 * that records one usage event per model call: each doGenerate, and each doStream once its stream ends
 * (read from the 'finish' part, without altering the stream). Retries made by generateText are calls of
 * their own, recorded each. Counts follow docs/events.md: input and output totals include their parts.
 */
export function unitcostMiddleware(options: CaptureOptions): LanguageModelMiddleware {
  return {
    specificationVersion: 'v3',
    async wrapGenerate({ doGenerate, model }) {
      const call = beginCall(model, options);
      let result: GenerateResult;
      try {
        result = await doGenerate();
      } catch (error) {
        call.end(statusOfError(error), undefined);
        throw error;
      }
      call.noteResponse(result.response?.id, result.response?.modelId);
      call.end('ok', result.usage);
      return result;
    },
    async wrapStream({ doStream, model }) {
      const call = beginCall(model, options);
      let result: StreamResult;
      try {
        result = await doStream();
      } catch (error) {
        call.end(statusOfError(error), undefined);
        throw error;
      }
      return { ...result, stream: observeParts(result.stream, call) };
    },
  };
}

type Status = 'ok' | 'error' | 'timeout' | 'cancelled';

interface ModelCall {
  noteResponse(id: string | undefined, modelId: string | undefined): void;
  noteFirstToken(): void;
  end(status: Status, usage: ModelUsage | undefined): void;
}

function beginCall(model: LanguageModel, options: CaptureOptions): ModelCall {
  const startedAt = performance.now();
  const timestampMs = Date.now();
  const tags: CaptureTags | undefined = tagsForCall(options.tags);
  let modelId = model.modelId;
  let id: string | undefined;
  let firstTokenMs: number | undefined;
  let ended = false;
  return {
    noteResponse(responseId, responseModel) {
      if (typeof responseId === 'string' && responseId !== '') id = responseId;
      if (typeof responseModel === 'string' && responseModel !== '') modelId = responseModel;
    },
    noteFirstToken() {
      firstTokenMs ??= elapsedMs(startedAt);
    },
    end(status, usage) {
      if (ended) return;
      ended = true;
      try {
        if (status === 'ok' && (usage === undefined || (usage.inputTokens.total === undefined && usage.outputTokens.total === undefined))) {
          report(options, new CaptureError(`${model.provider} response for ${modelId} carried no usage; recorded at zero tokens`));
        }
        const event: CapturedEvent = {
          timestamp: isoTimestamp(timestampMs),
          // 'openai.responses', 'anthropic.messages': the part before the dot is the provider.
          provider: options.provider ?? (model.provider.split('.')[0] || model.provider),
          model: modelId || 'unknown',
          ...usageCounts(usage, model, options),
          status,
          latency_ms: elapsedMs(startedAt),
        };
        if (id !== undefined) event.id = id;
        if (firstTokenMs !== undefined) event.time_to_first_token_ms = firstTokenMs;
        deliver(options, applyTags(event, tags));
      } catch (error) {
        report(options, error);
      }
    },
  };
}

/** Maps the SDK's usage to the event's inclusive counts, leaving out a breakdown that contradicts its total. */
function usageCounts(usage: ModelUsage | undefined, model: LanguageModel, options: CaptureOptions): Partial<CapturedEvent> {
  if (usage === undefined) return { input_tokens: 0, output_tokens: 0 };
  const { inputTokens: input, outputTokens: output } = usage;
  const cacheRead = input.cacheRead ?? 0;
  const cacheWrite = input.cacheWrite ?? 0;
  const inputTotal = input.total ?? (input.noCache ?? 0) + cacheRead + cacheWrite;
  const reasoning = output.reasoning ?? 0;
  const outputTotal = output.total ?? (output.text ?? 0) + reasoning;
  const counts: Partial<CapturedEvent> = { input_tokens: inputTotal, output_tokens: outputTotal };
  if (cacheRead + cacheWrite <= inputTotal) {
    if (cacheRead > 0) counts.cache_read_tokens = cacheRead;
    if (cacheWrite > 0) counts.cache_write_tokens = cacheWrite;
    const writes1h = anthropicOneHourWrites(usage.raw);
    if (writes1h > 0 && writes1h <= cacheWrite) counts.cache_write_1h_tokens = writes1h;
  } else {
    report(options, new CaptureError(`${model.provider} usage for ${model.modelId}: cache reads and writes exceed the input total; recorded without them`));
  }
  if (reasoning > 0 && reasoning <= outputTotal) counts.reasoning_tokens = reasoning;
  return counts;
}

// The SDK's usage has no TTL split; Anthropic's raw usage does, and 1-hour writes cost more.
function anthropicOneHourWrites(raw: unknown): number {
  const creation = (raw as { cache_creation?: { ephemeral_1h_input_tokens?: unknown } } | undefined)?.cache_creation;
  const writes = creation?.ephemeral_1h_input_tokens;
  return typeof writes === 'number' && Number.isInteger(writes) && writes > 0 ? writes : 0;
}

/**
 * Passes the model's stream through unchanged, part by part, reading usage off 'finish'. Built on a
 * reader rather than a TransformStream so that a consumer's cancel is seen (and recorded as cancelled).
 */
function observeParts(source: ReadableStream<StreamPart>, call: ModelCall): ReadableStream<StreamPart> {
  const reader = source.getReader();
  let usage: ModelUsage | undefined;
  let failed = false;
  return new ReadableStream<StreamPart>({
    async pull(controller) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        call.end(statusOfError(error), usage);
        controller.error(error);
        return;
      }
      if (next.done) {
        call.end(failed ? 'error' : 'ok', usage);
        controller.close();
        return;
      }
      const part = next.value;
      try {
        if (part.type === 'finish') usage = part.usage;
        else if (part.type === 'response-metadata') call.noteResponse(part.id, part.modelId);
        else if (part.type === 'error') failed = true;
        else if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-input-start' || part.type === 'tool-call') call.noteFirstToken();
      } catch {
        // Observation only: a part we cannot read is still passed on as it came.
      }
      controller.enqueue(part);
    },
    async cancel(reason) {
      call.end('cancelled', usage);
      await reader.cancel(reason);
    },
  });
}
