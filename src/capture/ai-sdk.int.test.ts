import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEventRecord } from '../core/events/parse-event-record.js';
import type { NormalizedUsage } from '../core/usage/normalized-usage.js';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider-server.js';
import { recordingSink, type RecordingSink } from '../testing/recording-sink.js';
import { unitcostMiddleware, withUnitcostTags } from './ai-sdk.js';
import type { CapturedEvent } from './capture-options.js';

function billed(event: CapturedEvent | undefined): NormalizedUsage {
  const parsed = parseEventRecord(JSON.parse(JSON.stringify(event)));
  if (!parsed.ok) throw new Error(`invalid event: ${JSON.stringify(parsed.errors)}`);
  if (parsed.record.type !== 'usage') throw new Error('not a usage event');
  return parsed.record.usage;
}

async function collect<Item>(stream: AsyncIterable<Item> | ReadableStream<Item>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of stream as AsyncIterable<Item>) items.push(item);
  return items;
}

const callOptions = { prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'When does my order ship?' }] }] };

describe('unitcostMiddleware', () => {
  let provider: FakeProvider;
  let sink: RecordingSink;

  beforeEach(async () => {
    provider = await startFakeProvider();
    sink = recordingSink();
  });

  afterEach(async () => {
    await provider.close();
  });

  const models = () => createOpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key' });

  it('records a generateText call over the chat API with inclusive counts', async () => {
    const model = wrapLanguageModel({ model: models().chat('gpt-4.1'), middleware: unitcostMiddleware({ sink, tags: { feature: 'support-faq' } }) });
    const result = await generateText({ model, prompt: 'When does my order ship?' });
    expect(result.text).toBe('Your order ships on Thursday.');
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({
      provider: 'openai',
      model: 'gpt-4.1',
      id: 'chatcmpl-fake1',
      status: 'ok',
      input_tokens: 2306,
      cache_read_tokens: 1920,
      output_tokens: 1148,
      reasoning_tokens: 896,
      feature: 'support-faq',
    });
    expect(billed(sink.events[0])).toMatchObject({ input: { total: 2306, cacheRead: 1920 }, output: { total: 1148, reasoning: 896 } });
  });

  it('records a generateText call over the responses API', async () => {
    const model = wrapLanguageModel({ model: models()('gpt-5-mini'), middleware: unitcostMiddleware({ sink }) });
    const result = await generateText({ model, prompt: 'When does my order ship?' });
    expect(result.text).toBe('Your order ships on Thursday.');
    expect(sink.events[0]).toMatchObject({ provider: 'openai', model: 'gpt-5-mini', input_tokens: 5120, cache_read_tokens: 4096, output_tokens: 730, reasoning_tokens: 512 });
    billed(sink.events[0]);
  });

  it("records a model's stream from its finish part, passing every part through unchanged", async () => {
    const bareProvider = await startFakeProvider();
    try {
      const bare = createOpenAI({ baseURL: `${bareProvider.url}/v1`, apiKey: 'test-key' }).chat('gpt-4.1');
      const model = wrapLanguageModel({ model: models().chat('gpt-4.1'), middleware: unitcostMiddleware({ sink }) });
      const parts = await collect((await model.doStream(callOptions)).stream);
      expect(parts).toEqual(await collect((await bare.doStream(callOptions)).stream));
      expect(parts.at(-1)).toMatchObject({ type: 'finish' });
    } finally {
      await bareProvider.close();
    }
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'ok', id: 'chatcmpl-fake1', input_tokens: 2306, cache_read_tokens: 1920, output_tokens: 1148, reasoning_tokens: 896 });
    billed(sink.events[0]);
  });

  it('records a streamText call once its stream has been read', async () => {
    const model = wrapLanguageModel({ model: models().chat('gpt-4.1'), middleware: unitcostMiddleware({ sink }) });
    const result = streamText({ model, prompt: 'When does my order ship?' });
    const parts = await collect(result.fullStream);
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.text).join('')).toBe('Your order ships on Thursday.');
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'ok', input_tokens: 2306, output_tokens: 1148 });
    expect(sink.events[0]!.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
    billed(sink.events[0]);
  });

  it('records a streamText call over the responses API', async () => {
    const model = wrapLanguageModel({ model: models()('gpt-5-mini'), middleware: unitcostMiddleware({ sink }) });
    const result = streamText({ model, prompt: 'hi' });
    expect(await result.text).toBe('Your order ships on Thursday.');
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ input_tokens: 5120, output_tokens: 730, id: 'resp_fake1' });
  });

  it('records a stream aborted midway as cancelled', async () => {
    await provider.close();
    provider = await startFakeProvider({ streamDelayMs: 30 });
    const model = wrapLanguageModel({ model: models().chat('gpt-4.1'), middleware: unitcostMiddleware({ sink }) });
    const controller = new AbortController();
    const result = streamText({ model, prompt: 'hi', abortSignal: controller.signal, onError: () => {} });
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') controller.abort();
    }
    await expect.poll(() => sink.events.length).toBe(1);
    expect(sink.events[0]).toMatchObject({ status: 'cancelled', model: 'gpt-4.1' });
    billed(sink.events[0]);
  });

  it('records each failed attempt of generateText as an error and rethrows', async () => {
    await provider.close();
    provider = await startFakeProvider({ failWith: { status: 400, body: { error: { message: 'bad request', type: 'invalid_request_error' } } } });
    const model = wrapLanguageModel({ model: models().chat('gpt-4.1'), middleware: unitcostMiddleware({ sink }) });
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(/bad request/);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'error', input_tokens: 0, output_tokens: 0, model: 'gpt-4.1' });
    billed(sink.events[0]);
  });

  it('never lets a sink that throws reach the caller', async () => {
    const errors: unknown[] = [];
    const model = wrapLanguageModel({
      model: models().chat('gpt-4.1'),
      middleware: unitcostMiddleware({ sink: recordingSink({ failWith: new Error('boom') }), onError: (error) => errors.push(error) }),
    });
    expect((await generateText({ model, prompt: 'hi' })).text).toBe('Your order ships on Thursday.');
    expect(await streamText({ model, prompt: 'hi' }).text).toBe('Your order ships on Thursday.');
    expect(errors).toHaveLength(2);
  });

  it('stamps the tags given once, overridden per call by withUnitcostTags', async () => {
    const model = wrapLanguageModel({ model: models().chat('gpt-4.1'), middleware: unitcostMiddleware({ sink, tags: { feature: 'support-faq', team: 'support' } }) });
    await withUnitcostTags({ feature: 'refunds', session_id: 'session-9' }, () => generateText({ model, prompt: 'hi' }));
    expect(sink.events[0]).toMatchObject({ feature: 'refunds', team: 'support', session_id: 'session-9' });
  });
});
