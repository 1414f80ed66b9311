import { Anthropic } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEventRecord } from '../core/events/parse-event-record.js';
import type { NormalizedUsage } from '../core/usage/normalized-usage.js';
import { fakeUsage, startFakeProvider, type FakeProvider } from '../testing/fake-provider-server.js';
import { recordingSink, type RecordingSink } from '../testing/recording-sink.js';
import { withUnitcostTags, wrapAnthropic } from './anthropic.js';
import type { CapturedEvent } from './capture-options.js';

const request = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'When does my order ship?' }] };

// What the fake's usage bills: Anthropic's input_tokens are the uncached part, so the total adds the cache.
const expectedUsage = {
  input: { total: 42 + 38210 + 2150, noCache: 42, cacheRead: 38210, cacheWrite5m: 2000, cacheWrite1h: 150 },
  output: { total: 611 },
};

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

describe('wrapAnthropic', () => {
  let provider: FakeProvider;
  let bareProvider: FakeProvider;
  let sink: RecordingSink;
  let client: Anthropic;
  let bare: Anthropic;

  beforeEach(async () => {
    [provider, bareProvider] = await Promise.all([startFakeProvider(), startFakeProvider()]);
    sink = recordingSink();
    client = wrapAnthropic(new Anthropic({ baseURL: provider.url, apiKey: 'test-key', maxRetries: 0 }), { sink, tags: { feature: 'coding-agent' } });
    bare = new Anthropic({ baseURL: bareProvider.url, apiKey: 'test-key', maxRetries: 0 });
  });

  afterEach(async () => {
    await Promise.all([provider.close(), bareProvider.close()]);
  });

  it('returns the same message as the bare client and records its raw usage', async () => {
    const message = await client.messages.create(request);
    expect(message).toEqual(await bare.messages.create(request));
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', id: 'msg_fake1', status: 'ok', usage_format: 'anthropic', feature: 'coding-agent' });
    expect(sink.events[0]!.usage).toMatchObject(fakeUsage.anthropic);
    expect(billed(sink.events[0])).toMatchObject(expectedUsage);
  });

  it('records the web searches of a message and of a stream, from usage.server_tool_use', async () => {
    const searching = await startFakeProvider({ webSearchRequests: 3 });
    try {
      const wrapped = wrapAnthropic(new Anthropic({ baseURL: searching.url, apiKey: 'test-key', maxRetries: 0 }), { sink });
      await wrapped.messages.create(request);
      await collect(await wrapped.messages.create({ ...request, stream: true }));
      expect(sink.events.map((event) => billed(event).webSearchRequests)).toEqual([3, 3]);
    } finally {
      await searching.close();
    }
  });

  it("records a stream from message_start's input counts and message_delta's cumulative output", async () => {
    const events = await collect(await client.messages.create({ ...request, stream: true }));
    expect(events).toEqual(await collect(await bare.messages.create({ ...request, stream: true })));
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'ok', id: 'msg_fake1', usage_format: 'anthropic' });
    expect(sink.events[0]!.usage).toMatchObject({ ...fakeUsage.anthropic, output_tokens: 611 });
    expect(sink.events[0]!.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
    expect(billed(sink.events[0])).toMatchObject(expectedUsage);
  });

  it('records the messages.stream() helper once, and its final message is the bare one', async () => {
    const final = await client.messages.stream(request).finalMessage();
    expect(final).toEqual(await bare.messages.stream(request).finalMessage());
    expect(final.usage.output_tokens).toBe(611);
    expect(sink.events).toHaveLength(1);
    expect(billed(sink.events[0])).toMatchObject(expectedUsage);
  });

  it("rejects an upstream error with the SDK's own error class and records it as an error", async () => {
    await provider.close();
    provider = await startFakeProvider({ failWith: { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } } });
    client = wrapAnthropic(new Anthropic({ baseURL: provider.url, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const failure = await client.messages.create(request).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ model: 'claude-sonnet-4-5', status: 'error', input_tokens: 0, output_tokens: 0 });
    billed(sink.events[0]);
  });

  it('records one event for a call the SDK retried, after its last attempt', async () => {
    await provider.close();
    provider = await startFakeProvider({ failWith: { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, times: 1 } });
    client = wrapAnthropic(new Anthropic({ baseURL: provider.url, apiKey: 'test-key', maxRetries: 1 }), { sink });
    await client.messages.create(request);
    expect(provider.requests).toHaveLength(2);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'ok', usage_format: 'anthropic' });
  });

  it('records a stream that fails midway as an error, with the input it was billed', async () => {
    await provider.close();
    provider = await startFakeProvider({ streamErrorAfter: 4 });
    client = wrapAnthropic(new Anthropic({ baseURL: provider.url, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const failure = await client.messages.stream(request).finalMessage().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'error', usage_format: 'anthropic', id: 'msg_fake1' });
    expect(billed(sink.events[0])).toMatchObject({ input: { total: expectedUsage.input.total }, output: { total: 1 } });
  });

  it('records a stream aborted midway as cancelled, with the input it was billed', async () => {
    await provider.close();
    provider = await startFakeProvider({ streamDelayMs: 30 });
    client = wrapAnthropic(new Anthropic({ baseURL: provider.url, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const stream = await client.messages.create({ ...request, stream: true });
    let seen = 0;
    for await (const _event of stream) {
      seen += 1;
      if (seen === 3) stream.controller.abort();
    }
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'cancelled', usage_format: 'anthropic' });
    // message_start came before the abort: the input was billed, and one output token so far.
    expect(billed(sink.events[0])).toMatchObject({ input: { total: expectedUsage.input.total }, output: { total: 1 } });
  });

  it('records an aborted messages.stream() helper as cancelled', async () => {
    await provider.close();
    provider = await startFakeProvider({ streamDelayMs: 30 });
    client = wrapAnthropic(new Anthropic({ baseURL: provider.url, apiKey: 'test-key', maxRetries: 0 }), { sink });
    const stream = client.messages.stream(request);
    stream.on('text', () => stream.abort());
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ status: 'cancelled' });
  });

  it('never lets a sink that throws reach the caller', async () => {
    const errors: unknown[] = [];
    const failing = wrapAnthropic(new Anthropic({ baseURL: provider.url, apiKey: 'test-key' }), {
      sink: recordingSink({ failWith: new Error('queue closed') }),
      onError: (error) => errors.push(error),
    });
    await expect(failing.messages.create(request)).resolves.toMatchObject({ type: 'message' });
    await expect(failing.messages.stream(request).finalText()).resolves.toBe('Your order ships on Thursday.');
    expect(errors).toHaveLength(2);
  });

  it('stamps the tags given once, overridden per call by withUnitcostTags', async () => {
    await withUnitcostTags({ feature: 'code-review', task_id: 'task_77', step: 4 }, () => client.messages.create(request));
    expect(sink.events[0]).toMatchObject({ feature: 'code-review', task_id: 'task_77', step: 4 });
    billed(sink.events[0]);
  });
});
