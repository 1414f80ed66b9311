import { OpenAI } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEventRecord } from '../core/events/parse-event-record.js';
import type { NormalizedUsage } from '../core/usage/normalized-usage.js';
import { fakeUsage, startFakeProvider, type FakeProvider } from '../testing/fake-provider-server.js';
import { recordingSink, type RecordingSink } from '../testing/recording-sink.js';
import type { CapturedEvent } from './capture-options.js';
import { withUnitcostTags, wrapOpenAI } from './openai.js';

const messages = [{ role: 'user' as const, content: 'When does my order ship?' }];

// Every event a wrapper produces must pass the same validator as ingest; this returns what it bills.
function billed(event: CapturedEvent | undefined): NormalizedUsage {
  const parsed = parseEventRecord(JSON.parse(JSON.stringify(event)));
  if (!parsed.ok) throw new Error(`invalid event: ${JSON.stringify(parsed.errors)}`);
  if (parsed.record.type !== 'usage') throw new Error('not a usage event');
  return parsed.record.usage;
}

async function collect<Item>(stream: AsyncIterable<Item>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe('wrapOpenAI', () => {
  let provider: FakeProvider;
  let bareProvider: FakeProvider;
  let sink: RecordingSink;
  let client: OpenAI;
  let bare: OpenAI;

  beforeEach(async () => {
    // Two fakes, so that the bare and the wrapped client see the same ids for the same sequence of calls.
    [provider, bareProvider] = await Promise.all([startFakeProvider(), startFakeProvider()]);
    sink = recordingSink();
    client = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key', maxRetries: 0 }), { sink, tags: { feature: 'support-faq' } });
    bare = new OpenAI({ baseURL: `${bareProvider.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
  });

  afterEach(async () => {
    await Promise.all([provider.close(), bareProvider.close()]);
  });

  it('returns the same chat completion as the bare client and records its raw usage', async () => {
    const request = { model: 'gpt-4.1', messages };
    const result = await client.chat.completions.create(request);
    expect(result).toEqual(await bare.chat.completions.create(request));
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ provider: 'openai', model: 'gpt-4.1', id: 'chatcmpl-fake1', status: 'ok', usage_format: 'openai-chat', usage: fakeUsage.openaiChat, feature: 'support-faq' });
    expect(billed(sink.events[0])).toMatchObject({ input: { total: 2306, cacheRead: 1920 }, output: { total: 1148, reasoning: 896 } });
  });

  it('asks a chat stream for usage but hides the extra chunk from a caller who did not ask', async () => {
    const request = { model: 'gpt-4.1', messages, stream: true as const };
    const chunks = await collect(await client.chat.completions.create(request));
    expect(chunks).toEqual(await collect(await bare.chat.completions.create(request)));
    expect(chunks.every((chunk) => !('usage' in chunk))).toBe(true);
    expect(provider.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    expect(sink.events[0]).toMatchObject({ status: 'ok', usage_format: 'openai-chat', usage: fakeUsage.openaiChat, id: 'chatcmpl-fake1' });
    expect(sink.events[0]!.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
    expect(billed(sink.events[0]).input.total).toBe(2306);
  });

  it('gives the usage chunk to a caller who asked for it', async () => {
    const request = { model: 'gpt-4.1', messages, stream: true as const, stream_options: { include_usage: true } };
    const chunks = await collect(await client.chat.completions.create(request));
    expect(chunks).toEqual(await collect(await bare.chat.completions.create(request)));
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: fakeUsage.openaiChat });
    expect(sink.events).toHaveLength(1);
    expect(billed(sink.events[0]).output.total).toBe(1148);
  });

  it("keeps the SDK stream's tee() working and records the call once", async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const [left, right] = stream.tee();
    const [leftChunks, rightChunks] = await Promise.all([collect(left), collect(right)]);
    expect(leftChunks).toEqual(rightChunks);
    expect(leftChunks.length).toBeGreaterThan(1);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'ok', usage: fakeUsage.openaiChat });
  });

  it('records the chat stream helper once, and its final completion is the bare one', async () => {
    const request = { model: 'gpt-4.1', messages };
    const final = await client.chat.completions.stream(request).finalChatCompletion();
    expect(final).toEqual(await bare.chat.completions.stream(request).finalChatCompletion());
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'ok', usage: fakeUsage.openaiChat });
  });

  it('returns the same response as the bare client and records the responses usage', async () => {
    const request = { model: 'gpt-5-mini', input: 'When does my order ship?' };
    const result = await client.responses.create(request);
    expect(result).toEqual(await bare.responses.create(request));
    expect(result.output_text).toBe('Your order ships on Thursday.');
    expect(sink.events[0]).toMatchObject({ model: 'gpt-5-mini', id: 'resp_fake1', usage_format: 'openai-responses', usage: fakeUsage.openaiResponses });
    expect(billed(sink.events[0])).toMatchObject({ input: { total: 5120, cacheRead: 4096 }, output: { total: 730, reasoning: 512 } });
  });

  it('records a responses stream from its response.completed event, passing every event through', async () => {
    const request = { model: 'gpt-5-mini', input: 'When does my order ship?', stream: true as const };
    const events = await collect(await client.responses.create(request));
    expect(events).toEqual(await collect(await bare.responses.create(request)));
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'ok', id: 'resp_fake1', usage_format: 'openai-responses', usage: fakeUsage.openaiResponses });
    expect(billed(sink.events[0]).output.reasoning).toBe(512);
  });

  it('records the responses stream helper once', async () => {
    const final = await client.responses.stream({ model: 'gpt-5-mini', input: 'hi' }).finalResponse();
    expect(final.output_text).toBe('Your order ships on Thursday.');
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'ok', usage: fakeUsage.openaiResponses });
  });

  it('records the web_search_call items of a response, which its usage does not count, as web searches', async () => {
    const searching = await startFakeProvider({ webSearchRequests: 2 });
    try {
      const wrapped = wrapOpenAI(new OpenAI({ baseURL: `${searching.url}/v1`, apiKey: 'test-key', maxRetries: 0 }), { sink, tags: { feature: 'support-faq' } });
      await wrapped.responses.create({ model: 'gpt-5-mini', input: 'Summarize the ticket.' });
      await collect(await wrapped.responses.create({ model: 'gpt-5-mini', input: 'Summarize the ticket.', stream: true }));
      expect(sink.events.map((event) => event.web_search_requests)).toEqual([2, 2]);
      expect(sink.events.map((event) => billed(event).webSearchRequests)).toEqual([2, 2]);
    } finally {
      await searching.close();
    }
  });

  it('returns the same embeddings as the bare client and records their input tokens', async () => {
    const request = { model: 'text-embedding-3-small', input: ['first', 'second'] };
    const result = await client.embeddings.create(request);
    expect(result).toEqual(await bare.embeddings.create(request));
    expect(result.data[1]!.embedding).toHaveLength(4);
    expect(sink.events[0]).toMatchObject({ model: 'text-embedding-3-small', input_tokens: 9, output_tokens: 0, status: 'ok' });
    expect(billed(sink.events[0]).input.total).toBe(9);
  });

  it("rejects an upstream error with the SDK's own error class and records it as an error", async () => {
    await provider.close();
    provider = await startFakeProvider({ failWith: { status: 400, body: { error: { message: 'bad model', type: 'invalid_request_error' } } } });
    client = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const failure = await client.chat.completions.create({ model: 'gpt-4.1', messages }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ model: 'gpt-4.1', status: 'error', input_tokens: 0, output_tokens: 0 });
    billed(sink.events[0]);
  });

  it('rethrows an error in the middle of a chat stream as the SDK does, and records it as an error', async () => {
    await provider.close();
    provider = await startFakeProvider({ streamErrorAfter: 3 });
    client = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const seen: unknown[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(seen).toHaveLength(3);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'error', input_tokens: 0, output_tokens: 0, id: 'chatcmpl-fake1' });
    billed(sink.events[0]);
  });

  it('records a responses stream that ends in an error event as an error', async () => {
    await provider.close();
    provider = await startFakeProvider({ streamErrorAfter: 5 });
    client = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const events = await collect(await client.responses.create({ model: 'gpt-5-mini', input: 'hi', stream: true }));
    expect(events.at(-1)).toMatchObject({ type: 'error' });
    expect(sink.events[0]).toMatchObject({ status: 'error', id: 'resp_fake1', input_tokens: 0, output_tokens: 0 });
    billed(sink.events[0]);
  });

  it('records a stream the caller aborts midway as cancelled', async () => {
    await provider.close();
    provider = await startFakeProvider({ streamDelayMs: 30 });
    client = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    let seen = 0;
    for await (const _chunk of stream) {
      seen += 1;
      if (seen === 2) stream.controller.abort();
    }
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ model: 'gpt-4.1', status: 'cancelled', input_tokens: 0, output_tokens: 0 });
    billed(sink.events[0]);
  });

  it('records a stream the caller stops reading as cancelled', async () => {
    await provider.close();
    provider = await startFakeProvider({ streamDelayMs: 30 });
    client = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const stream = await client.responses.create({ model: 'gpt-5-mini', input: 'hi', stream: true });
    for await (const _event of stream) break;
    expect(sink.events[0]).toMatchObject({ status: 'cancelled' });
  });

  it('records a request aborted before the response as cancelled', async () => {
    await provider.close();
    provider = await startFakeProvider({ delayMs: 200 });
    client = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const controller = new AbortController();
    const call = client.chat.completions.create({ model: 'gpt-4.1', messages }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(sink.events[0]).toMatchObject({ status: 'cancelled', model: 'gpt-4.1' });
  });

  it('records a call that timed out as timeout', async () => {
    await provider.close();
    provider = await startFakeProvider({ delayMs: 300 });
    client = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key', maxRetries: 0, timeout: 30 }), { sink });
    await expect(client.responses.create({ model: 'gpt-5-mini', input: 'hi' })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(sink.events[0]).toMatchObject({ status: 'timeout', model: 'gpt-5-mini', input_tokens: 0, output_tokens: 0 });
  });

  it('times a call to its response, not to when the caller got round to awaiting it', async () => {
    const call = client.chat.completions.create({ model: 'gpt-4.1', messages });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await call;
    expect(sink.events[0]!.latency_ms).toBeLessThan(100);
  });

  it('never lets a sink that throws reach the caller', async () => {
    const errors: unknown[] = [];
    const failing = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key' }), {
      sink: recordingSink({ failWith: new Error('disk full') }),
      onError: (error) => errors.push(error),
    });
    const result = await failing.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(result.choices[0]!.message.content).toBe('Your order ships on Thursday.');
    const chunks = await collect(await failing.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }));
    expect(chunks.length).toBeGreaterThan(1);
    expect(errors.map((error) => (error as Error).message)).toEqual(['disk full', 'disk full']);
  });

  it('never lets an onError that throws reach the caller either', async () => {
    const failing = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key' }), {
      sink: recordingSink({ failWith: new Error('disk full') }),
      onError: () => {
        throw new Error('handler broken');
      },
    });
    await expect(failing.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).resolves.toMatchObject({ object: 'list' });
  });

  it('stamps the tags given once, overridden per call by withUnitcostTags', async () => {
    client = wrapOpenAI(client, { sink, tags: { feature: 'support-faq', team: 'support', attributes: { prompt_version: 'v7' } } });
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await withUnitcostTags({ feature: 'refunds', user_id: 'user-42', attributes: { ab_bucket: 2 } }, () =>
      withUnitcostTags({ step: 3 }, () => client.chat.completions.create({ model: 'gpt-4.1', messages })),
    );
    expect(sink.events).toHaveLength(2);
    expect(sink.events[0]).toMatchObject({ feature: 'support-faq', team: 'support', attributes: { prompt_version: 'v7' } });
    expect(sink.events[0]).not.toHaveProperty('user_id');
    expect(sink.events[1]).toMatchObject({ feature: 'refunds', team: 'support', user_id: 'user-42', step: 3, attributes: { prompt_version: 'v7', ab_bucket: 2 } });
    sink.events.forEach((event) => billed(event));
  });

  it('keeps the tags of the call when a stream ends outside withUnitcostTags', async () => {
    const stream = await withUnitcostTags({ user_id: 'user-7' }, () => client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }));
    await collect(stream);
    expect(sink.events[0]).toMatchObject({ user_id: 'user-7', feature: 'support-faq' });
  });

  it("keeps the SDK's request id on the result", async () => {
    const result = await client.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(result._request_id).toBe('req_fake1');
  });

  it('keeps withResponse() working and records the call once', async () => {
    const { data, response, request_id } = await client.chat.completions.create({ model: 'gpt-4.1', messages }).withResponse();
    expect(response.status).toBe(200);
    expect(request_id).toBe('req_fake1');
    expect(data.usage).toEqual(fakeUsage.openaiChat);
    expect(sink.events).toHaveLength(1);
  });
});
