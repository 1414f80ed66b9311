import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { fakeUsage } from '../testing/fake-provider-server.js';
import { startGatewayHarness, type GatewayHarness, type HarnessOptions } from './gateway-test-harness.js';

const harnesses: GatewayHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(options: HarnessOptions = {}): Promise<{ harness: GatewayHarness; client: Anthropic }> {
  const harness = await startGatewayHarness(options);
  harnesses.push(harness);
  const client = new Anthropic({ baseURL: harness.anthropicBaseUrl, apiKey: 'sk-ant-client-key', maxRetries: 0 });
  return { harness, client };
}

const usage = fakeUsage.anthropic;
const request = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'When does my order ship?' }] };
// Anthropic's input_tokens are the uncached part only; the stored input total includes the cache reads and writes.
const inputTotal = BigInt(usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens);
const exactTokens = {
  input_tokens: inputTotal,
  cache_read_tokens: BigInt(usage.cache_read_input_tokens),
  cache_write_5m_tokens: BigInt(usage.cache_creation.ephemeral_5m_input_tokens),
  cache_write_1h_tokens: BigInt(usage.cache_creation.ephemeral_1h_input_tokens),
  output_tokens: BigInt(usage.output_tokens),
};

describe('the gateway for the Anthropic SDK', () => {
  it('answers a message as the upstream did and stores its exact tokens per class and its cost', async () => {
    const { harness, client } = await start();
    const { data, response } = await client.messages.create(request).withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'Your order ships on Thursday.' });
    // The SDK sends its key as a bearer token; with no api_key_env it reaches the upstream untouched.
    expect(harness.fake.requests[0]?.headers.authorization).toBe('Bearer sk-ant-client-key');
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', ...exactTokens, status: 'ok' });
    expect(response.headers.get('x-unitcost-cost-usd')).toBe(formatPicodollarsExact(event!.cost_total as bigint));
    expect(response.headers.get('x-unitcost-route')).toBe('anthropic/claude-sonnet-4-5');
  });

  it('streams a message unchanged and records the usage of message_start and message_delta', async () => {
    const { harness, client } = await start();
    const stream = client.messages.stream(request);
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Your order ships on Thursday.' });
    expect(message.usage.output_tokens).toBe(usage.output_tokens);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ ...exactTokens, status: 'ok' });
    expect(event!.time_to_first_token_ms).toBeGreaterThan(0);
  });

  it('records the web searches the upstream reports, whole and streamed, priced per search inside the cost', async () => {
    const { harness, client } = await start({ fake: { webSearchRequests: 3 } });
    const { response } = await client.messages.create(request).withResponse();
    await client.messages.stream(request).finalMessage();
    await expect.poll(() => harness.services.recorderCounters().recorded).toBe(2);
    const events = await harness.storedEvents();
    // 3 searches at claude-sonnet-4-5's $10 per 1,000: 3 cents, on top of the same tokens as ever.
    for (const event of events) expect(event).toMatchObject({ ...exactTokens, web_search_requests: 3, cost_web_search: 30_000_000_000n });
    expect(response.headers.get('x-unitcost-cost-usd')).toBe(formatPicodollarsExact(events[0]!.cost_total as bigint));
    const { harness: plainHarness, client: plainClient } = await start();
    await plainClient.messages.create(request);
    const [plain] = await plainHarness.storedEvents();
    expect(plain).toMatchObject({ web_search_requests: 0, cost_web_search: 0n });
    expect((events[0]!.cost_total as bigint) - (plain!.cost_total as bigint)).toBe(30_000_000_000n);
  });

  it('keeps reading a stream the client left, and records what the upstream billed as cancelled', async () => {
    const { harness, client } = await start({ fake: { streamDelayMs: 20 } });
    const stream = await client.messages.create({ ...request, stream: true });
    for await (const event of stream) {
      if (event.type === 'content_block_delta') break;
    }
    await expect.poll(() => harness.services.recorderCounters().recorded).toBe(1);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ ...exactTokens, status: 'cancelled' });
    expect(JSON.parse(String(event!.attributes)).estimated).toBeUndefined();
  });

  it('records the tokens seen, flagged as estimated, when the upstream outlasts the drain', async () => {
    const { harness, client } = await start({ fake: { streamDelayMs: 300 }, gateway: () => ({ timeouts: { drain_after_abort_ms: 50 } }) });
    const stream = await client.messages.create({ ...request, stream: true });
    for await (const event of stream) {
      if (event.type === 'content_block_start') break;
    }
    await expect.poll(() => harness.services.recorderCounters().recorded).toBe(1);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ input_tokens: inputTotal, cache_read_tokens: BigInt(usage.cache_read_input_tokens), status: 'cancelled' });
    expect(Number(event!.output_tokens)).toBeLessThan(usage.output_tokens);
    expect(JSON.parse(String(event!.attributes))).toMatchObject({ estimated: true });
  });

  it('cuts a stream that goes silent with an error event the SDK raises, and records a timeout', async () => {
    const { harness, client } = await start({ fake: { streamDelayMs: 500 }, gateway: () => ({ timeouts: { stream_idle_ms: 100 } }) });
    const failure = await client.messages
      .stream(request)
      .finalMessage()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as Error).message).toContain('unitcost gateway (upstream): anthropic sent nothing for 100 ms');
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ input_tokens: inputTotal, status: 'timeout' });
    expect(JSON.parse(String(event!.attributes))).toMatchObject({ estimated: true });
  });

  it('passes an upstream error through in Anthropic error JSON, and records it', async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const { harness, client } = await start({ fake: { failWith: { status: 529, body: overloaded } } });
    const failure = await client.messages.create(request).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((failure as InstanceType<typeof Anthropic.APIError>).error).toEqual(overloaded);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ status: 'error', output_tokens: 0n });
  });

  it('answers 504 in Anthropic error JSON when the upstream hangs', async () => {
    const { harness, client } = await start({ fake: { delayMs: 2_000 }, gateway: () => ({ timeouts: { upstream_ms: 100 } }) });
    const failure = await client.messages.create(request).catch((error: unknown) => error);
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(504);
    expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ status: 'timeout' });
  });

  it('sends the configured key as x-api-key in place of the client\'s', async () => {
    const { harness, client } = await start({ gateway: (url) => ({ providers: { anthropic: { base_url: url, api_key_env: 'UPSTREAM_ANTHROPIC_KEY' } } }), environment: { UPSTREAM_ANTHROPIC_KEY: 'sk-ant-configured' } });
    await client.messages.create(request);
    expect(harness.fake.requests[0]?.headers['x-api-key']).toBe('sk-ant-configured');
    await harness.storedEvents();
    expect(harness.logs.join('\n')).not.toContain('sk-ant-configured');
  });

  it('clamps max_tokens to the output cap of the caller\'s feature', async () => {
    const { harness, client } = await start({ gateway: () => ({ policies: { output_caps: [{ when: { feature: 'support-faq', model: 'claude-*' }, max_output_tokens: 256 }] } }) });
    await client.messages.create(request, { headers: { 'x-unitcost-feature': 'support-faq' } });
    expect(harness.fake.requests[0]?.body.max_tokens).toBe(256);
    const [event] = await harness.storedEvents();
    expect(JSON.parse(String(event!.attributes))).toMatchObject({ output_cap: 'clamped', output_cap_limit: 256, output_cap_requested: 1024 });
  });

  it('passes count_tokens through to the upstream unrecorded', async () => {
    const { harness, client } = await start();
    const failure = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: request.messages }).catch((error: unknown) => error);
    // The fake has no count_tokens route: what matters is that its own answer came back and nothing was recorded.
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(404);
    expect(harness.fake.requests[0]?.path).toBe('/v1/messages/count_tokens');
    expect(await harness.storedEvents()).toEqual([]);
  });
});

