import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeUsage } from '../testing/fake-provider-server.js';
import { startGatewayHarness, type GatewayHarness, type HarnessOptions, type StoredEventRow } from './gateway-test-harness.js';

const harnesses: GatewayHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

// The fake embeds texts as hashed character trigrams: the near-identical prompt below is ~0.89 from the first, the different one ~0.33.
const semanticRule = { when: { feature: 'support-faq' }, embedding: { model: 'text-embedding-3-small' }, min_similarity: 0.85, ttl_seconds: 3600, max_entries: 100 };
const semantic = (rule: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): HarnessOptions => ({
  fake: { embeddingDimensions: 512 },
  gateway: () => ({ policies: { semantic_cache: [{ ...semanticRule, ...rule }], ...extra } }),
});

async function start(options: HarnessOptions): Promise<{ harness: GatewayHarness; client: OpenAI }> {
  const harness = await startGatewayHarness(options);
  harnesses.push(harness);
  return { harness, client: new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey: 'sk-client-key', maxRetries: 0 }) };
}

const ask = (content: string) => ({ model: 'gpt-4.1', messages: [{ role: 'user' as const, content }] });
const first = 'When does my order ship?';
const nearlyTheSame = 'Hi! When does my order ship?';
const different = 'How do I reset my password?';
const support = { headers: { 'x-unitcost-feature': 'support-faq', 'x-unitcost-team': 'support' } };

const attributesOf = (event: StoredEventRow): Record<string, unknown> => JSON.parse(String(event.attributes)) as Record<string, unknown>;
const pathsOf = (harness: GatewayHarness): string[] => harness.fake.requests.map((request) => request.path);

describe('the gateway\'s semantic cache', () => {
  it('answers a near-identical prompt from memory, recorded as a semantic hit of zero tokens, and records each embedding with its cost', async () => {
    const { harness, client } = await start(semantic());
    const miss = await client.chat.completions.create(ask(first), support).withResponse();
    const hit = await client.chat.completions.create(ask(nearlyTheSame), support).withResponse();
    expect(hit.data).toEqual(miss.data);
    expect(miss.response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(hit.response.headers.get('x-unitcost-cache')).toBe('hit');
    expect(hit.response.headers.get('x-unitcost-cache-kind')).toBe('semantic');
    const similarity = Number(hit.response.headers.get('x-unitcost-cache-similarity'));
    expect(similarity).toBeGreaterThanOrEqual(0.85);
    expect(similarity).toBeLessThan(1);
    expect(pathsOf(harness)).toEqual(['/v1/embeddings', '/v1/chat/completions', '/v1/embeddings']);
    // The embedding request carries the prompt's text, role-labelled, and the client's key passed through.
    expect(harness.fake.requests[2]!.body).toMatchObject({ model: 'text-embedding-3-small', input: `user: ${nearlyTheSame}` });
    expect(harness.fake.requests[2]!.headers.authorization).toBe('Bearer sk-client-key');

    const events = await harness.storedEvents();
    const embeddings = events.filter((event) => attributesOf(event).semantic_cache_embedding === true);
    expect(embeddings).toHaveLength(2);
    for (const embedding of embeddings) {
      expect(embedding).toMatchObject({ model: 'text-embedding-3-small', feature: 'support-faq', team: 'support', status: 'ok', input_tokens: BigInt(fakeUsage.embeddings.prompt_tokens), output_tokens: 0n, response_cache: null });
      expect(embedding.cost_total).toBeGreaterThan(0n);
    }
    const chats = events.filter((event) => event.model === 'gpt-4.1');
    expect(chats.map((event) => event.response_cache).sort()).toEqual(['hit', 'miss']);
    const recordedHit = chats.find((event) => event.response_cache === 'hit')!;
    expect(recordedHit).toMatchObject({ status: 'ok', input_tokens: 0n, output_tokens: 0n, cost_total: 0n, feature: 'support-faq' });
    expect(attributesOf(recordedHit)).toMatchObject({ response_cache_kind: 'semantic', semantic_similarity: similarity });
  });

  it('counts the embeddings\' cost on the budgets of the calls they serve, as the store counts it', async () => {
    const budgets = [{ name: 'support-daily', per: 'team', equals: 'support', period: 'day', limit_usd: 0.000001, mode: 'soft' }];
    const { harness, client } = await start({ ...semantic(), budgets });
    await client.chat.completions.create(ask(first), support);
    await client.chat.completions.create(ask(nearlyTheSame), support);
    const events = await harness.storedEvents();
    const stored = events.reduce((sum, event) => sum + BigInt(event.cost_total as bigint), 0n);
    expect(events.filter((event) => attributesOf(event).semantic_cache_embedding === true)).toHaveLength(2);
    const ledger = harness.services.budgets.reserve({ team: 'support' }, 0, Date.now());
    expect(ledger.ok && ledger.softBreaches[0]?.spent).toBe(Number(stored));
  });

  it('sends a different prompt, another team, or another client key upstream', async () => {
    const { harness, client } = await start(semantic());
    await client.chat.completions.create(ask(first), support);
    const other = await client.chat.completions.create(ask(different), support).withResponse();
    const otherTeam = await client.chat.completions.create(ask(first), { headers: { 'x-unitcost-feature': 'support-faq', 'x-unitcost-team': 'sales' } }).withResponse();
    const otherKey = new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey: 'sk-another-key', maxRetries: 0 });
    const otherTenant = await otherKey.chat.completions.create(ask(first), support).withResponse();
    // Parameters that change the answer are compared exactly: the same prompt at another temperature is asked anew.
    const otherTemperature = await client.chat.completions.create({ ...ask(first), temperature: 0 }, support).withResponse();
    for (const { response } of [other, otherTeam, otherTenant, otherTemperature]) expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(pathsOf(harness).filter((path) => path === '/v1/chat/completions')).toHaveLength(5);
  });

  it('forgets an answer after its time to live', async () => {
    const { harness, client } = await start(semantic({ ttl_seconds: 1 }));
    await client.chat.completions.create(ask(first), support);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const { response } = await client.chat.completions.create(ask(nearlyTheSame), support).withResponse();
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(pathsOf(harness).filter((path) => path === '/v1/chat/completions')).toHaveLength(2);
  });

  it('consults the exact cache first: an identical request is answered without an embedding', async () => {
    const { harness, client } = await start(semantic({}, { response_cache: [{ when: { feature: 'support-faq' }, ttl_seconds: 3600 }] }));
    await client.chat.completions.create(ask(first), support);
    const { response } = await client.chat.completions.create(ask(first), support).withResponse();
    expect(response.headers.get('x-unitcost-cache-kind')).toBe('exact');
    expect(pathsOf(harness)).toEqual(['/v1/embeddings', '/v1/chat/completions']);
    const events = await harness.storedEvents();
    expect(attributesOf(events.find((event) => event.response_cache === 'hit')!)).toMatchObject({ response_cache_kind: 'exact' });
  });

  it('replays a streamed answer to a near-identical streamed request, as chunks the SDK reads', async () => {
    const { harness, client } = await start(semantic());
    const streamed = async (content: string): Promise<{ chunks: unknown[]; cache: string | null }> => {
      const { data, response } = await client.chat.completions.create({ ...ask(content), stream: true }, support).withResponse();
      const chunks = [];
      for await (const chunk of data) chunks.push(chunk);
      return { chunks, cache: response.headers.get('x-unitcost-cache') };
    };
    const miss = await streamed(first);
    const hit = await streamed(nearlyTheSame);
    expect([miss.cache, hit.cache]).toEqual(['miss', 'hit']);
    expect(hit.chunks).toEqual(miss.chunks);
    expect(hit.chunks.length).toBeGreaterThan(2);
    // A request that does not stream is another partition: it is never answered with a stream.
    const { response } = await client.chat.completions.create(ask(nearlyTheSame), support).withResponse();
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(pathsOf(harness).filter((path) => path === '/v1/chat/completions')).toHaveLength(2);
  });

  it('goes upstream as a miss when the embedding times out, and logs why without the prompt', async () => {
    const { harness, client } = await start({ ...semantic({ embedding: { model: 'text-embedding-3-small', timeout_ms: 50 } }), fake: { embeddingDimensions: 512, embeddingDelayMs: 500 } });
    const { data, response } = await client.chat.completions.create(ask(first), support).withResponse();
    expect(data.choices[0]?.message.content).toBe('Your order ships on Thursday.');
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    const skipped = harness.logs.filter((line) => line.includes('semantic cache lookup skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toContain('"reason":"timeout"');
    expect(harness.logs.join('\n')).not.toContain('order ship');
    const events = await harness.storedEvents();
    expect(events.find((event) => event.model === 'text-embedding-3-small')).toMatchObject({ status: 'timeout', input_tokens: 0n });
    expect(events.find((event) => event.model === 'gpt-4.1')).toMatchObject({ status: 'ok', response_cache: 'miss' });
  });

  it('goes upstream as a miss when the embedding provider refuses, and stores nothing from that call', async () => {
    const { harness, client } = await start({ ...semantic(), fake: { embeddingDimensions: 512, failWith: { status: 500, body: { error: { message: 'overloaded', type: 'server_error' } }, times: 1 } } });
    const { response } = await client.chat.completions.create(ask(first), support).withResponse();
    expect(response.headers.get('x-unitcost-cache')).toBe('miss');
    const again = await client.chat.completions.create(ask(first), support).withResponse();
    expect(again.response.headers.get('x-unitcost-cache')).toBe('miss');
    expect(pathsOf(harness)).toEqual(['/v1/embeddings', '/v1/chat/completions', '/v1/embeddings', '/v1/chat/completions']);
  });

  it('answers a near-identical Anthropic request, embedding it with the configured key and length of the OpenAI upstream', async () => {
    const rule = { ...semanticRule, embedding: { model: 'text-embedding-3-small', dimensions: 256 } };
    const harness = await startGatewayHarness({
      gateway: (fakeUrl) => ({ providers: { openai: { base_url: `${fakeUrl}/v1`, api_key_env: 'EMBEDDING_KEY' }, anthropic: { base_url: fakeUrl } }, policies: { semantic_cache: [rule] } }),
      environment: { EMBEDDING_KEY: 'sk-gateway-embedding-key' },
    });
    harnesses.push(harness);
    const anthropic = new Anthropic({ baseURL: harness.anthropicBaseUrl, apiKey: 'sk-ant-client-key', maxRetries: 0 });
    const message = (content: string) => ({ model: 'claude-sonnet-4-5', max_tokens: 1024, system: 'You answer shipping questions.', messages: [{ role: 'user' as const, content }] });
    const miss = await anthropic.messages.create(message(first), support).withResponse();
    const hit = await anthropic.messages.create(message(nearlyTheSame), support).withResponse();
    expect(hit.data).toEqual(miss.data);
    expect(hit.response.headers.get('x-unitcost-cache-kind')).toBe('semantic');
    const embeddings = harness.fake.requests.filter((request) => request.path === '/v1/embeddings');
    expect(embeddings.map((request) => request.headers.authorization)).toEqual(['Bearer sk-gateway-embedding-key', 'Bearer sk-gateway-embedding-key']);
    expect(embeddings[0]!.body).toMatchObject({ input: `system: You answer shipping questions.\nuser: ${first}`, dimensions: 256 });
    expect(harness.fake.requests.filter((request) => request.path === '/v1/messages')).toHaveLength(1);
  });
});
