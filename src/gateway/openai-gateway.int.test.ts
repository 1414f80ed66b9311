import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { fakeUsage } from '../testing/fake-provider-server.js';
import { startGatewayHarness, type GatewayHarness, type HarnessOptions } from './gateway-test-harness.js';

const harnesses: GatewayHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(options: HarnessOptions = {}): Promise<{ harness: GatewayHarness; client: OpenAI }> {
  const harness = await startGatewayHarness(options);
  harnesses.push(harness);
  const client = new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey: 'sk-client-key', maxRetries: 0 });
  return { harness, client };
}

const chatUsage = fakeUsage.openaiChat;
const messages = [{ role: 'user' as const, content: 'When does my order ship?' }];

describe('the gateway for the OpenAI SDK', () => {
  it('answers a chat completion as the upstream did and stores its exact tokens and cost', async () => {
    const { harness, client } = await start();
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4.1', messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Your order ships on Thursday.');
    expect(data.usage).toEqual(chatUsage);
    expect(response.headers.get('x-unitcost-route')).toBe('openai/gpt-4.1');
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({
      provider: 'openai',
      model: 'gpt-4.1',
      input_tokens: BigInt(chatUsage.prompt_tokens),
      cache_read_tokens: BigInt(chatUsage.prompt_tokens_details.cached_tokens),
      output_tokens: BigInt(chatUsage.completion_tokens),
      reasoning_tokens: BigInt(chatUsage.completion_tokens_details.reasoning_tokens),
      status: 'ok',
      source: 'gateway',
    });
    expect(event!.cost_total).not.toBeNull();
    expect(response.headers.get('x-unitcost-cost-usd')).toBe(formatPicodollarsExact(event!.cost_total as bigint));
    expect(JSON.parse(String(event!.attributes))).toMatchObject({ gateway_upstream: 'openai', gateway_endpoint: '/v1/chat/completions', upstream_id: 'chatcmpl-fake1' });
  });

  it('streams a chat completion without the usage chunk it asked for, and records that usage', async () => {
    const { harness, client } = await start();
    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Your order ships on Thursday.');
    expect(chunks.every((chunk) => chunk.choices.length > 0 && chunk.usage == null)).toBe(true);
    expect(harness.fake.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ input_tokens: BigInt(chatUsage.prompt_tokens), output_tokens: BigInt(chatUsage.completion_tokens), status: 'ok' });
    expect(event!.time_to_first_token_ms).toBeGreaterThan(0);
    expect(JSON.parse(String(event!.attributes)).estimated).toBeUndefined();
  });

  it('ends a stream with its exact cost as an SSE comment, which the SDK skips', async () => {
    const { harness } = await start();
    const response = await fetch(`${harness.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
      body: JSON.stringify({ model: 'gpt-4.1', messages, stream: true }),
    });
    const text = await response.text();
    const [event] = await harness.storedEvents();
    // After [DONE], where the SDKs stop reading: the headers left before the cost was known.
    expect(text.trimEnd().endsWith(`: x-unitcost-cost-usd: ${formatPicodollarsExact(event!.cost_total as bigint)}`)).toBe(true);
    expect(text.indexOf('data: [DONE]')).toBeLessThan(text.indexOf(': x-unitcost-cost-usd'));
  });

  it('passes the usage chunk on to a client that asked for it', async () => {
    const { harness, client } = await start();
    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)?.usage).toEqual(chatUsage);
    expect(await harness.storedEvents()).toHaveLength(1);
  });

  it('counts the web_search_call items of a Responses API answer as web searches, streamed or not', async () => {
    const { harness, client } = await start({ fake: { webSearchRequests: 2 } });
    await client.responses.create({ model: 'gpt-5-mini', input: 'Summarize the ticket.' });
    const stream = await client.responses.create({ model: 'gpt-5-mini', input: 'Summarize the ticket.', stream: true });
    for await (const event of stream) if (event.type === 'response.completed') break;
    await expect.poll(() => harness.services.recorderCounters().recorded).toBe(2);
    const events = await harness.storedEvents();
    // The usage object does not count them; gpt-5-mini's searches are $10 per 1,000 in the catalog.
    for (const event of events) expect(event).toMatchObject({ input_tokens: BigInt(fakeUsage.openaiResponses.input_tokens), web_search_requests: 2, cost_web_search: 20_000_000_000n });
  });

  it('records a Responses API call, streamed or not', async () => {
    const { harness, client } = await start();
    const response = await client.responses.create({ model: 'gpt-5-mini', input: 'Summarize the ticket.' });
    expect(response.output_text).toBe('Your order ships on Thursday.');
    const stream = await client.responses.create({ model: 'gpt-5-mini', input: 'Summarize the ticket.', stream: true });
    let streamed = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') streamed += event.delta;
    expect(streamed).toBe('Your order ships on Thursday.');
    const events = await harness.storedEvents();
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        model: 'gpt-5-mini',
        input_tokens: BigInt(fakeUsage.openaiResponses.input_tokens),
        cache_read_tokens: BigInt(fakeUsage.openaiResponses.input_tokens_details.cached_tokens),
        output_tokens: BigInt(fakeUsage.openaiResponses.output_tokens),
        reasoning_tokens: BigInt(fakeUsage.openaiResponses.output_tokens_details.reasoning_tokens),
        status: 'ok',
      });
    }
  });

  it('records embeddings at their prompt tokens', async () => {
    const { harness, client } = await start();
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['refund policy'] });
    expect(result.data[0]?.embedding).toHaveLength(4);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ model: 'text-embedding-3-small', input_tokens: BigInt(fakeUsage.embeddings.prompt_tokens), output_tokens: 0n, status: 'ok' });
  });

  it('tags the call from the x-unitcost-* headers', async () => {
    const { harness, client } = await start();
    await client.chat.completions.create(
      { model: 'gpt-4.1', messages },
      { headers: { 'x-unitcost-feature': 'support-faq', 'x-unitcost-team': 'support', 'x-unitcost-user-tier': 'pro', 'x-unitcost-user': 'user-7', 'x-unitcost-session': 'chat-9', 'x-unitcost-task': 'ticket-9', 'x-unitcost-step': '2' } },
    );
    expect(harness.fake.requests[0]?.headers['x-unitcost-feature']).toBeUndefined();
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ feature: 'support-faq', team: 'support', user_tier: 'pro', user_id: 'user-7', session_id: 'chat-9', task_id: 'ticket-9', step: 2 });
  });

  it('refuses a bad tag header in OpenAI error JSON, naming the header', async () => {
    const { harness, client } = await start();
    const failure = await client.chat.completions.create({ model: 'gpt-4.1', messages }, { headers: { 'x-unitcost-step': 'first' } }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('unitcost gateway (tags): header x-unitcost-step must be a whole number');
    expect(harness.fake.requests).toHaveLength(0);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ status: 'error', input_tokens: 0n });
  });

  it('passes an upstream 4xx through with its body, and records the call as an error', async () => {
    const upstreamError = { error: { message: 'Rate limit reached for gpt-4.1', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    const { harness, client } = await start({ fake: { failWith: { status: 429, body: upstreamError } } });
    const failure = await client.chat.completions.create({ model: 'gpt-4.1', messages }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as InstanceType<typeof OpenAI.RateLimitError>).error).toEqual(upstreamError.error);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ status: 'error', input_tokens: 0n, output_tokens: 0n });
    expect(JSON.parse(String(event!.attributes))).toMatchObject({ upstream_status: 429 });
  });

  it('answers 504 in OpenAI error JSON when the upstream hangs, and records a timeout', async () => {
    const { harness, client } = await start({ fake: { delayMs: 2_000 }, gateway: () => ({ timeouts: { upstream_ms: 100 } }) });
    const failure = await client.chat.completions.create({ model: 'gpt-4.1', messages }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'timeout_error', code: 'gateway_upstream_timeout' });
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ status: 'timeout' });
  });

  it('keeps reading a chat stream the client left, and records the usage chunk it asked for as cancelled', async () => {
    const { harness, client } = await start({ fake: { streamDelayMs: 20 } });
    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    await expect.poll(() => harness.services.recorderCounters().recorded).toBe(1);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ input_tokens: BigInt(chatUsage.prompt_tokens), output_tokens: BigInt(chatUsage.completion_tokens), status: 'cancelled' });
  });

  it('answers 502 in OpenAI error JSON when the upstream cannot be reached, and records an error', async () => {
    const { harness, client } = await start({ gateway: () => ({ providers: { openai: { base_url: 'http://127.0.0.1:9/v1' } } }) });
    const failure = await client.chat.completions.create({ model: 'gpt-4.1', messages }).catch((error: unknown) => error);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failure as Error).message).toContain('unitcost gateway (upstream): cannot reach openai at http://127.0.0.1:9/v1');
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ status: 'error' });
  });

  it('ends a stream the upstream broke off with an error the SDK raises, and records what it saw as an estimate', async () => {
    const { harness, client } = await start({ fake: { streamDelayMs: 100 } });
    const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const failure = await (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) void harness.fake.close();
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain('openai broke off the stream');
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ status: 'error' });
    expect(Number(event!.output_tokens)).toBeGreaterThan(0);
    expect(JSON.parse(String(event!.attributes))).toMatchObject({ estimated: true });
  });

  it('records a call whose client hung up before the answer, with the usage the upstream billed', async () => {
    const { harness } = await start({ fake: { delayMs: 300 } });
    const controller = new AbortController();
    const pending = fetch(`${harness.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
      body: JSON.stringify({ model: 'gpt-4.1', messages }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
    await expect.poll(() => harness.services.recorderCounters().recorded).toBe(1);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ input_tokens: BigInt(chatUsage.prompt_tokens), output_tokens: BigInt(chatUsage.completion_tokens), status: 'cancelled' });
  });

  it('sets the output cap of the matching policy where the client sent no limit, and records that it did', async () => {
    const { harness, client } = await start({ gateway: () => ({ policies: { output_caps: [{ when: { user_tier: 'free' }, max_output_tokens: 300 }] } }) });
    await client.chat.completions.create({ model: 'gpt-4.1', messages }, { headers: { 'x-unitcost-user-tier': 'free' } });
    await client.chat.completions.create({ model: 'gpt-4.1', messages, max_completion_tokens: 100 }, { headers: { 'x-unitcost-user-tier': 'free' } });
    await client.responses.create({ model: 'gpt-5-mini', input: 'Summarize.', max_output_tokens: 4000 }, { headers: { 'x-unitcost-user-tier': 'free' } });
    await client.chat.completions.create({ model: 'gpt-4.1', messages }, { headers: { 'x-unitcost-user-tier': 'pro' } });
    expect(harness.fake.requests.map((request) => request.body.max_completion_tokens ?? request.body.max_output_tokens ?? null)).toEqual([300, 100, 300, null]);
    const events = await harness.storedEvents();
    expect(events.map((event) => JSON.parse(String(event.attributes)).output_cap ?? null).sort()).toEqual(['clamped', 'set', null, null].sort());
  });

  it('routes the free tier to the budget model, says so in x-unitcost-route, and records both models', async () => {
    const { harness, client } = await start({ gateway: () => ({ policies: { routes: [{ when: { user_tier: 'free', model: 'gpt-4.1' }, to: { model: 'gpt-4.1-mini' } }] } }) });
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4.1', messages }, { headers: { 'x-unitcost-user-tier': 'free' } }).withResponse();
    expect(harness.fake.requests[0]?.body.model).toBe('gpt-4.1-mini');
    expect(data.model).toBe('gpt-4.1-mini');
    expect(response.headers.get('x-unitcost-route')).toBe('openai/gpt-4.1-mini');
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ model: 'gpt-4.1-mini', status: 'ok' });
    expect(JSON.parse(String(event!.attributes))).toMatchObject({ routed_from: 'gpt-4.1' });
    expect(response.headers.get('x-unitcost-cost-usd')).toBe(formatPicodollarsExact(event!.cost_total as bigint));
  });

  it('refuses a body that is not JSON in OpenAI error JSON', async () => {
    const { harness } = await start();
    const response = await fetch(`${harness.openaiBaseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' }, body: '{"model":' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'unitcost gateway (request): the body of POST /v1/chat/completions must be a JSON object' } });
  });

  it('refuses a model no provider serves, and records the refusal', async () => {
    const { harness, client } = await start({ gateway: (url) => ({ providers: { openai: { base_url: `${url}/v1`, models: ['gpt-*'] } } }) });
    const failure = await client.chat.completions.create({ model: 'llama-3.3-70b', messages }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    expect((failure as Error).message).toContain('unitcost gateway (routing): no provider in gateway.providers serves model "llama-3.3-70b"');
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ model: 'llama-3.3-70b', status: 'error' });
  });

  it('sends the key from api_key_env instead of the client\'s, and never logs it', async () => {
    const secret = 'sk-proj-configured-SECRET-123';
    const { harness, client } = await start({ gateway: (url) => ({ providers: { openai: { base_url: `${url}/v1`, api_key_env: 'UPSTREAM_OPENAI_KEY' } } }), environment: { UPSTREAM_OPENAI_KEY: secret } });
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(harness.fake.requests[0]?.headers.authorization).toBe(`Bearer ${secret}`);
    await harness.storedEvents();
    expect(harness.logs.length).toBeGreaterThan(0);
    expect(harness.logs.join('\n')).not.toContain(secret);
    expect(harness.logs.join('\n')).not.toContain('sk-client-key');
    expect(harness.logs.join('\n')).not.toContain('When does my order ship');
  });

  it('refuses a call when the key variable the config names is unset, naming the variable', async () => {
    const { harness, client } = await start({ gateway: (url) => ({ providers: { openai: { base_url: `${url}/v1`, api_key_env: 'UNSET_OPENAI_KEY' } } }) });
    const failure = await client.chat.completions.create({ model: 'gpt-4.1', messages }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((failure as Error).message).toContain('api_key_env names UNSET_OPENAI_KEY, which is not set');
    expect(harness.fake.requests).toHaveLength(0);
  });

  it('passes GET /v1/models through to the upstream', async () => {
    const { harness } = await start();
    const response = await fetch(`${harness.openaiBaseUrl}/models`, { headers: { authorization: 'Bearer sk-client-key' } });
    // The fake has no GET routes: what matters is that the answer is the upstream's own.
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { message: 'fake provider has no route GET /v1/models' } });
  });
});
