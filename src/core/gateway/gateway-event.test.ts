import { describe, expect, it } from 'vitest';
import { parseEventRecord } from '../events/parse-event-record.js';
import { convertAnthropicUsage } from '../usage/convert-anthropic-usage.js';
import { buildGatewayEvent, type GatewayCall } from './gateway-event.js';

const call: GatewayCall = {
  id: 'gw_1',
  startedAtMs: Date.parse('2026-03-02T14:05:11.250Z'),
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  usage: convertAnthropicUsage({
    input_tokens: 42,
    cache_creation_input_tokens: 2150,
    cache_read_input_tokens: 38210,
    cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 150 },
    output_tokens: 611,
  }),
  estimated: false,
  status: 'ok',
  latencyMs: 2710,
  timeToFirstTokenMs: 420,
  tags: { feature: 'support-faq', step: 1 },
  upstream: 'anthropic',
  endpoint: '/v1/messages',
  upstreamStatus: 200,
  upstreamId: 'msg_1',
};

describe('buildGatewayEvent', () => {
  it('writes the web searches the upstream ran, and leaves the field out of calls without any', () => {
    const searched = buildGatewayEvent({ ...call, usage: convertAnthropicUsage({ input_tokens: 6039, output_tokens: 931, server_tool_use: { web_search_requests: 3 } }) });
    expect(searched.web_search_requests).toBe(3);
    const parsed = parseEventRecord(searched);
    expect(parsed.ok && parsed.record.type === 'usage' && parsed.record.usage.webSearchRequests).toBe(3);
    expect('web_search_requests' in buildGatewayEvent(call)).toBe(false);
  });

  it('writes the usage per billing class, with the cache writes split by TTL', () => {
    expect(buildGatewayEvent(call)).toMatchObject({
      id: 'gw_1',
      timestamp: '2026-03-02T14:05:11.250Z',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      input_tokens: 42 + 2150 + 38210,
      cache_read_tokens: 38210,
      cache_write_tokens: 2150,
      cache_write_1h_tokens: 150,
      output_tokens: 611,
      feature: 'support-faq',
      step: 1,
      status: 'ok',
      latency_ms: 2710,
      time_to_first_token_ms: 420,
      attributes: { gateway_upstream: 'anthropic', gateway_endpoint: '/v1/messages', upstream_status: 200, upstream_id: 'msg_1' },
    });
  });

  it('makes an event that ingest accepts', () => {
    expect(parseEventRecord(buildGatewayEvent(call), { nowMs: call.startedAtMs })).toMatchObject({ ok: true });
  });

  it('records a call with no usage at zero tokens, and flags an estimate', () => {
    const failed = buildGatewayEvent({ ...call, usage: null, status: 'error', estimated: true });
    expect(failed).toMatchObject({ input_tokens: 0, output_tokens: 0, status: 'error', attributes: { estimated: true } });
    expect(parseEventRecord(failed, { nowMs: call.startedAtMs })).toMatchObject({ ok: true });
  });

  it('says in attributes what an output cap did to the request', () => {
    const capped = buildGatewayEvent({ ...call, outputCap: { action: 'clamped', field: 'max_tokens', limit: 512, requested: 4096 } });
    expect(capped.attributes).toMatchObject({ output_cap: 'clamped', output_cap_limit: 512, output_cap_requested: 4096 });
    expect(buildGatewayEvent({ ...call, outputCap: { action: 'none' } }).attributes).not.toHaveProperty('output_cap');
  });

  it('marks only the calls a response cache looked up, a hit at zero tokens', () => {
    const hit = buildGatewayEvent({ ...call, usage: null, responseCache: 'hit' });
    expect(hit).toMatchObject({ response_cache: 'hit', input_tokens: 0, output_tokens: 0 });
    expect(parseEventRecord(hit, { nowMs: call.startedAtMs })).toMatchObject({ ok: true });
    expect(buildGatewayEvent(call)).not.toHaveProperty('response_cache');
  });

  it('names the session limit that refused a call', () => {
    const refused = buildGatewayEvent({ ...call, usage: null, status: 'error', refusal: { reason: 'session_limit', sessionLimit: 'calls' } });
    expect(refused.attributes).toMatchObject({ gateway_refusal: 'session_limit', session_limit: 'calls' });
  });
});
