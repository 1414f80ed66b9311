import { describe, expect, it } from 'vitest';
import { responseCacheKey, type CacheTenant } from './response-cache-key.js';

const tenant: CacheTenant = { upstream: 'openai', credential: 'sk-a', team: 'support' };
const body = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'When does my order ship?' }], temperature: 0 };

describe('responseCacheKey', () => {
  it('gives the same key whatever the order of the fields', () => {
    const reordered = { temperature: 0, messages: [{ content: 'When does my order ship?', role: 'user' }], model: 'gpt-4.1' };
    expect(responseCacheKey(tenant, '/v1/chat/completions', reordered, false)).toBe(responseCacheKey(tenant, '/v1/chat/completions', body, false));
  });

  it('ignores the fields that say who asks, not what is asked', () => {
    const tagged = { ...body, user: 'user-123', metadata: { ticket: '9' }, stream: false };
    expect(responseCacheKey(tenant, '/v1/chat/completions', tagged, false)).toBe(responseCacheKey(tenant, '/v1/chat/completions', body, false));
  });

  it('tells apart requests that ask something else', () => {
    expect(responseCacheKey(tenant, '/v1/chat/completions', { ...body, temperature: 1 }, false)).not.toBe(responseCacheKey(tenant, '/v1/chat/completions', body, false));
    expect(responseCacheKey(tenant, '/v1/responses', body, false)).not.toBe(responseCacheKey(tenant, '/v1/chat/completions', body, false));
  });

  it('never shares an answer across upstreams, client keys or teams', () => {
    const key = responseCacheKey(tenant, '/v1/chat/completions', body, false);
    expect(responseCacheKey({ ...tenant, upstream: 'openrouter' }, '/v1/chat/completions', body, false)).not.toBe(key);
    expect(responseCacheKey({ ...tenant, credential: 'sk-b' }, '/v1/chat/completions', body, false)).not.toBe(key);
    expect(responseCacheKey({ ...tenant, team: 'sales' }, '/v1/chat/completions', body, false)).not.toBe(key);
    expect(responseCacheKey({ ...tenant, team: undefined }, '/v1/chat/completions', body, false)).not.toBe(key);
  });

  it('never replays a streamed answer to a request that did not stream, or the reverse', () => {
    expect(responseCacheKey(tenant, '/v1/chat/completions', { ...body, stream: true }, true)).not.toBe(responseCacheKey(tenant, '/v1/chat/completions', body, false));
  });

  it('tells apart streams that ask for their usage chunk from those that do not', () => {
    const withUsage = { ...body, stream: true, stream_options: { include_usage: true } };
    expect(responseCacheKey(tenant, '/v1/chat/completions', withUsage, true)).not.toBe(responseCacheKey(tenant, '/v1/chat/completions', { ...body, stream: true }, true));
    expect(responseCacheKey(tenant, '/v1/chat/completions', { ...body, stream_options: { include_usage: true } }, false)).toBe(responseCacheKey(tenant, '/v1/chat/completions', body, false));
  });
});
