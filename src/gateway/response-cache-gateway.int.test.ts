import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness, type HarnessOptions } from './gateway-test-harness.js';

const harnesses: GatewayHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

const cached = (): HarnessOptions => ({
  gateway: () => ({ policies: { response_cache: [{ when: { feature: 'support-faq' }, ttl_seconds: 3600, max_entries: 100 }] } }),
});

async function start(options: HarnessOptions, apiKey = 'sk-client-key'): Promise<{ harness: GatewayHarness; client: OpenAI }> {
  const harness = await startGatewayHarness(options);
  harnesses.push(harness);
  return { harness, client: new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey, maxRetries: 0 }) };
}

const request = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'When does my order ship?' }] };
const support = { headers: { 'x-unitcost-feature': 'support-faq', 'x-unitcost-team': 'support' } };

describe('the gateway\'s exact response cache', () => {
  it('answers an identical second call from memory and records it as a hit of zero tokens', async () => {
    const { harness, client } = await start(cached());
    const first = await client.chat.completions.create(request, support).withResponse();
    const second = await client.chat.completions.create({ ...request, user: 'someone-else' }, support).withResponse();
    expect(harness.fake.requests).toHaveLength(1);
    expect(second.data).toEqual(first.data);
    expect(first.response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(second.response.headers.get('x-unitcost-cache')).toBe('hit');
    expect(second.response.headers.get('x-unitcost-cost-usd')).toBe('0');
    const events = await harness.storedEvents();
    expect(events.map((event) => event.response_cache).sort()).toEqual(['hit', 'miss']);
    const hit = events.find((event) => event.response_cache === 'hit')!;
    expect(hit).toMatchObject({ status: 'ok', input_tokens: 0n, output_tokens: 0n, cache_read_tokens: 0n, feature: 'support-faq' });
    expect(events.find((event) => event.response_cache === 'miss')!.output_tokens).toBeGreaterThan(0n);
  });

  it('never shares an answer across teams or client keys', async () => {
    const { harness, client } = await start(cached());
    await client.chat.completions.create(request, support);
    await client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'support-faq', 'x-unitcost-team': 'sales' } });
    const otherKey = new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey: 'sk-another-key', maxRetries: 0 });
    const { response } = await otherKey.chat.completions.create(request, support).withResponse();
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(harness.fake.requests).toHaveLength(3);
  });

  it('leaves calls of features without a cache to the upstream, and unmarked', async () => {
    const { harness, client } = await start(cached());
    await client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'coding-agent' } });
    const { response } = await client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'coding-agent' } }).withResponse();
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(harness.fake.requests).toHaveLength(2);
    const events = await harness.storedEvents();
    expect(events.every((event) => event.response_cache === null)).toBe(true);
  });

  it('replays a streamed answer to the same streamed request, and never to one that does not stream', async () => {
    const { harness, client } = await start(cached());
    const streamed = async (): Promise<{ chunks: unknown[]; cache: string | null }> => {
      const { data, response } = await client.chat.completions.create({ ...request, stream: true }, support).withResponse();
      const chunks = [];
      for await (const chunk of data) chunks.push(chunk);
      return { chunks, cache: response.headers.get('x-unitcost-cache') };
    };
    const first = await streamed();
    const second = await streamed();
    expect(first.cache).toBe('miss');
    expect(second.cache).toBe('hit');
    expect(second.chunks).toEqual(first.chunks);
    expect(second.chunks.every((chunk) => (chunk as { usage?: unknown }).usage == null)).toBe(true);
    expect(harness.fake.requests).toHaveLength(1);

    const { response } = await client.chat.completions.create(request, support).withResponse();
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(harness.fake.requests).toHaveLength(2);
    const events = await harness.storedEvents();
    expect(events.map((event) => event.response_cache)).toEqual(expect.arrayContaining(['miss', 'hit', 'miss']));
    expect(events.find((event) => event.response_cache === 'hit')).toMatchObject({ output_tokens: 0n });
  });

  it('does not keep an upstream\'s error for the next call', async () => {
    const { harness, client } = await start({ ...cached(), fake: { failWith: { status: 500, body: { error: { message: 'overloaded', type: 'server_error' } }, times: 1 } } });
    await expect(client.chat.completions.create(request, support)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const { response } = await client.chat.completions.create(request, support).withResponse();
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(harness.fake.requests).toHaveLength(2);
  });

  it('replays an Anthropic stream with the events the SDK expects', async () => {
    const { harness } = await start(cached());
    const anthropic = new Anthropic({ baseURL: harness.anthropicBaseUrl, apiKey: 'sk-ant-client-key', maxRetries: 0 });
    const message = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'When does my order ship?' }] };
    const first = await anthropic.messages.stream(message, support).finalMessage();
    const second = await anthropic.messages.stream(message, support).finalMessage();
    expect(second).toEqual(first);
    expect(harness.fake.requests).toHaveLength(1);
  });
});
