import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapLitellmSpendLog } from './map-litellm-spend-log.js';

const fixtureRows = JSON.parse(readFileSync(new URL('./fixtures/litellm-spend-logs.json', import.meta.url), 'utf8')) as Array<Record<string, unknown>>;
const fixture = (requestId: string): Record<string, unknown> => structuredClone(fixtureRows.find((row) => row.request_id === requestId)!);

function spendLog(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request_id: 'req-1',
    call_type: 'acompletion',
    spend: 0.001,
    prompt_tokens: 100,
    completion_tokens: 20,
    total_tokens: 120,
    startTime: '2026-03-01T12:00:00Z',
    endTime: '2026-03-01T12:00:01Z',
    model: 'gpt-4o-mini',
    custom_llm_provider: 'openai',
    metadata: {},
    request_tags: [],
    cache_hit: 'False',
    status: 'success',
    ...overrides,
  };
}

function mapped(row: Record<string, unknown>): Record<string, unknown> {
  const result = mapLitellmSpendLog(row);
  if (result.ok !== true) throw new Error(`expected a record, got ${JSON.stringify(result)}`);
  return result.record;
}

describe('mapLitellmSpendLog', () => {
  it('maps a spend log to an event with the request id, LiteLLM spend as cost_usd and the durations', () => {
    const record = mapped(fixture('chatcmpl-0a1b2c3d'));
    expect(record).toMatchObject({
      id: 'litellm:chatcmpl-0a1b2c3d',
      timestamp: '2026-03-01T12:00:00.120000Z',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      cost_usd: 0.000378,
      latency_ms: 1750,
      time_to_first_token_ms: 420,
    });
  });

  it('maps the team alias, end user, session, request tags and spend_logs_metadata to tags', () => {
    const record = mapped(fixture('chatcmpl-0a1b2c3d'));
    expect(record).toMatchObject({ team: 'support', user_id: 'user-42', session_id: 'chat-9', feature: 'support-faq', user_tier: 'pro' });
    expect(record.attributes).toEqual({ prompt_version: 'v7', call_type: 'acompletion', model_group: 'gpt-4o-mini', key_alias: 'support-bot-key', tags: 'prod' });
  });

  it('lets a key put in spend_logs_metadata on purpose win over a field LiteLLM fills itself', () => {
    const record = mapped(spendLog({ end_user: 'customer-1', metadata: { user_api_key_team_alias: 'platform', spend_logs_metadata: { team: 'growth', user_id: 'customer-2' } } }));
    expect(record).toMatchObject({ team: 'growth', user_id: 'customer-2' });
  });

  it('falls back to the user column for user_id, but not to LiteLLM\'s default_user_id placeholder', () => {
    expect(mapped(spendLog({ user: 'analyst-3' })).user_id).toBe('analyst-3');
    expect(mapped(spendLog({ user: 'default_user_id' })).user_id).toBeUndefined();
  });

  it('keeps prompt_tokens as input_tokens, because LiteLLM already counts the cache reads in it', () => {
    const record = mapped(fixture('chatcmpl-anthropic-1'));
    expect(record).toMatchObject({ input_tokens: 6530, cache_read_tokens: 6144, output_tokens: 287 });
  });

  it('adds the cache back when prompt_tokens is smaller than the cache it should hold (Anthropic messages convention)', () => {
    const record = mapped(fixture('msg_01HqXanthropicmessages'));
    expect(record).toMatchObject({ input_tokens: 12 + 2495, cache_read_tokens: 2495 });
  });

  it('adds the cache back when usage_object.prompt_tokens equals prompt_tokens plus the cache', () => {
    const usage = { prompt_tokens: 9000, cache_read_input_tokens: 3000, cache_creation_input_tokens: 1000 };
    const record = mapped(spendLog({ call_type: 'anthropic_messages', prompt_tokens: 5000, metadata: { usage_object: usage } }));
    expect(record).toMatchObject({ input_tokens: 9000, cache_read_tokens: 3000, cache_write_tokens: 1000 });
  });

  it('does not add the cache twice when usage_object agrees with prompt_tokens', () => {
    const usage = { prompt_tokens: 9000, cache_read_input_tokens: 3000, cache_creation_input_tokens: 1000 };
    expect(mapped(spendLog({ prompt_tokens: 9000, metadata: { usage_object: usage } })).input_tokens).toBe(9000);
  });

  it('reads the cache split from additional_usage_values, where older LiteLLM versions kept it', () => {
    const record = mapped(spendLog({ prompt_tokens: 5000, metadata: { additional_usage_values: { prompt_tokens_details: { cached_tokens: 4096 } } } }));
    expect(record).toMatchObject({ input_tokens: 5000, cache_read_tokens: 4096 });
  });

  it('keeps reasoning inside completion_tokens when it fits, and adds it when completion_tokens left it out', () => {
    const inside = mapped(spendLog({ completion_tokens: 300, metadata: { usage_object: { completion_tokens_details: { reasoning_tokens: 120 } } } }));
    expect(inside).toMatchObject({ output_tokens: 300, reasoning_tokens: 120 });
    const outside = mapped(spendLog({ completion_tokens: 30, metadata: { usage_object: { completion_tokens_details: { reasoning_tokens: 120 } } } }));
    expect(outside).toMatchObject({ output_tokens: 150, reasoning_tokens: 120 });
  });

  it('keeps a response-cache hit with zero tokens and response_cache hit', () => {
    const record = mapped(fixture('chatcmpl-cachehit-1'));
    expect(record).toMatchObject({ input_tokens: 0, output_tokens: 0, response_cache: 'hit', cost_usd: 0, feature: 'support-faq' });
  });

  it('keeps a failed call as an error', () => {
    expect(mapped(fixture('chatcmpl-failed-1'))).toMatchObject({ status: 'error', input_tokens: 0, output_tokens: 0 });
  });

  it('skips a successful row without a single token, naming its call type', () => {
    expect(mapLitellmSpendLog(fixture('mcp-call-17'))).toEqual({ ok: 'skip', reason: 'no token usage (call_type call_mcp_tool): nothing billed by tokens' });
  });

  it('reads a database dump row, where metadata and request_tags are JSON text and times have no zone', () => {
    const record = mapped(
      spendLog({
        startTime: '2026-03-02 09:00:00.123',
        endTime: '2026-03-02 09:00:03.623+00',
        prompt_tokens: '3000',
        completion_tokens: '300',
        spend: '0.0021',
        custom_llm_provider: 'vertex_ai',
        metadata: JSON.stringify({ spend_logs_metadata: { feature: 'doc-summarizer' } }),
        request_tags: '["team=knowledge","batch"]',
      }),
    );
    expect(record).toMatchObject({ timestamp: '2026-03-02 09:00:00.123', latency_ms: 3500, input_tokens: 3000, output_tokens: 300, cost_usd: 0.0021, provider: 'google', team: 'knowledge', feature: 'doc-summarizer' });
  });

  it('leaves out a provider the catalog does not know, so the model alone picks the price', () => {
    expect(mapped(spendLog({ custom_llm_provider: 'my_self_hosted_vllm' })).provider).toBeUndefined();
  });

  it('never carries the prompt or the response', () => {
    const text = JSON.stringify(mapped(fixture('chatcmpl-0a1b2c3d')));
    expect(text).not.toContain('reset my password');
    expect(text).not.toContain('Go to settings');
  });

  it('refuses a negative count, naming the field', () => {
    expect(mapLitellmSpendLog(fixture('chatcmpl-bad-1'))).toEqual({ ok: false, errors: [{ field: 'prompt_tokens', message: 'must be a whole number of tokens ≥ 0, got -5' }] });
  });

  it('refuses a bad count inside the usage object, naming its path', () => {
    const result = mapLitellmSpendLog(spendLog({ metadata: { usage_object: { cache_read_input_tokens: 'lots' } } }));
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'metadata.usage_object.cache_read_input_tokens' }] });
  });

  it('refuses a row without a request id or a start time', () => {
    const result = mapLitellmSpendLog(spendLog({ request_id: null, startTime: '' }));
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'request_id' }, { field: 'startTime', message: 'is required' }] });
  });
});
