import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from './gateway-config.js';

describe('gatewayConfigSchema', () => {
  it('serves OpenAI and Anthropic at their official addresses when nothing is configured', () => {
    const config = gatewayConfigSchema.parse({});
    expect(config.providers).toEqual({
      openai: { api: 'openai', base_url: 'https://api.openai.com/v1' },
      anthropic: { api: 'anthropic', base_url: 'https://api.anthropic.com' },
    });
    expect(config.timeouts).toEqual({ upstream_ms: 600_000, stream_idle_ms: 120_000, drain_after_abort_ms: 10_000 });
    expect(config.policies).toEqual({ output_caps: [], routes: [], response_cache: [], semantic_cache: [], sessions: [], cascades: [], reserve_output_tokens: 4096 });
  });

  it('fills in the api and address of a provider named after its API', () => {
    const config = gatewayConfigSchema.parse({ providers: { openai: { api_key_env: 'OPENAI_API_KEY' } } });
    expect(config.providers).toEqual({ openai: { api: 'openai', base_url: 'https://api.openai.com/v1', api_key_env: 'OPENAI_API_KEY' } });
  });

  it('requires the api and base_url of any other provider', () => {
    const result = gatewayConfigSchema.safeParse({ providers: { openrouter: { base_url: 'https://openrouter.ai/api/v1' } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['providers', 'openrouter', 'api'] });
    const missingUrl = gatewayConfigSchema.safeParse({ providers: { vllm: { api: 'openai' } } });
    expect(missingUrl.error?.issues[0]).toMatchObject({ path: ['providers', 'vllm', 'base_url'] });
  });

  it('drops a trailing slash of base_url, so that paths join cleanly', () => {
    const config = gatewayConfigSchema.parse({ providers: { vllm: { api: 'openai', base_url: 'http://127.0.0.1:8000/v1/' } } });
    expect(config.providers.vllm?.base_url).toBe('http://127.0.0.1:8000/v1');
  });

  it('refuses a key written where the name of its environment variable belongs', () => {
    const result = gatewayConfigSchema.safeParse({ providers: { openai: { api_key_env: 'sk-proj-abc123' } } });
    expect(result.error?.issues[0]?.message).toContain('must be the name of an environment variable');
  });

  it('refuses unknown fields, so that a typo is not a silently ignored policy', () => {
    expect(gatewayConfigSchema.safeParse({ policies: { output_cap: [] } }).success).toBe(false);
  });

  it('refuses budgets under policies: they are the config\'s top-level budgets, shared with governance', () => {
    expect(gatewayConfigSchema.safeParse({ policies: { budgets: [] } }).success).toBe(false);
  });

  it('bounds a response cache at 10,000 answers unless told otherwise, and requires its lifetime', () => {
    const config = gatewayConfigSchema.parse({ policies: { response_cache: [{ when: { feature: 'support-faq' }, ttl_seconds: 3600 }] } });
    expect(config.policies.response_cache).toEqual([{ when: { feature: 'support-faq' }, ttl_seconds: 3600, max_entries: 10_000 }]);
    expect(gatewayConfigSchema.safeParse({ policies: { response_cache: [{ when: { feature: 'support-faq' } }] } }).success).toBe(false);
  });

  it('requires a session limit to limit calls, dollars or both', () => {
    const config = gatewayConfigSchema.parse({ policies: { sessions: [{ when: { feature: 'coding-agent' }, max_calls: 50, max_usd: 5 }] } });
    expect(config.policies.sessions).toEqual([{ when: { feature: 'coding-agent' }, max_calls: 50, max_usd: 5, max_sessions: 10_000 }]);
    const empty = gatewayConfigSchema.safeParse({ policies: { sessions: [{ when: { feature: 'coding-agent' } }] } });
    expect(empty.error?.issues[0]).toMatchObject({ path: ['policies', 'sessions', 0, 'max_calls'], message: 'must set max_calls, max_usd or both' });
  });
});
