import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapHeliconeRequest } from './map-helicone-request.js';

const fixtureRows = JSON.parse(readFileSync(new URL('./fixtures/helicone-export.json', import.meta.url), 'utf8')) as Array<Record<string, unknown>>;
const fixture = (suffix: string): Record<string, unknown> => structuredClone(fixtureRows.find((row) => String(row.request_id).endsWith(suffix))!);

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { request_id: 'req-1', request_created_at: '2026-03-03T11:00:00.000Z', model: 'gpt-4o-mini', provider: 'OPENAI', prompt_tokens: 100, completion_tokens: 20, response_status: 200, ...overrides };
}

function mapped(row: Record<string, unknown>): Record<string, unknown> {
  const result = mapHeliconeRequest(row);
  if (result.ok !== true) throw new Error(`expected a record, got ${JSON.stringify(result)}`);
  return result.record;
}

describe('mapHeliconeRequest', () => {
  it('maps a request to an event with the request id, Helicone\'s cost and its latency and first token', () => {
    expect(mapped(fixture('0001'))).toMatchObject({
      id: 'helicone:6f1d2a10-0000-4000-8000-000000000001',
      timestamp: '2026-03-03T11:00:00.000Z',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      cost_usd: 0.0003,
      latency_ms: 1900,
      time_to_first_token_ms: 420,
    });
  });

  it('adds cache reads to prompt_tokens, which Helicone stores without them', () => {
    expect(mapped(fixture('0001'))).toMatchObject({ input_tokens: 1024 + 1024, cache_read_tokens: 1024, output_tokens: 152 });
  });

  it('adds cache reads and writes to an Anthropic prompt', () => {
    expect(mapped(fixture('0002'))).toMatchObject({ provider: 'anthropic', input_tokens: 42 + 38210 + 2150, cache_read_tokens: 38210, cache_write_tokens: 2150, output_tokens: 611 });
  });

  it('does not add the cache twice to an older row whose total shows prompt_tokens already held it', () => {
    expect(mapped(fixture('0003'))).toMatchObject({ input_tokens: 2048, cache_read_tokens: 1024, output_tokens: 100 });
  });

  it('adds audio to the prompt and the completion, which Helicone stores apart', () => {
    expect(mapped(request({ prompt_audio_tokens: 50, completion_audio_tokens: 30 }))).toMatchObject({ input_tokens: 150, input_audio_tokens: 50, output_tokens: 50, output_audio_tokens: 30 });
  });

  it('maps custom properties, with or without their header prefix, and the session header to tags', () => {
    const record = mapped(fixture('0001'));
    expect(record).toMatchObject({ user_id: 'user-311', session_id: 'sess-1', feature: 'search', team: 'growth' });
    expect(record.attributes).toEqual({ session_name: 'Search flow', Conversation: 'c-7' });
    expect(mapped(request({ properties: { 'Helicone-Property-Feature': 'search', 'helicone-property-user-tier': 'pro' } }))).toMatchObject({ feature: 'search', user_tier: 'pro' });
  });

  it('keeps a cache hit with zero tokens and response_cache hit', () => {
    expect(mapped(fixture('0004'))).toMatchObject({ input_tokens: 0, output_tokens: 0, response_cache: 'hit', cost_usd: 0 });
  });

  it('keeps failed requests as errors, and gateway timeouts as timeouts', () => {
    expect(mapped(fixture('0005')).status).toBe('error');
    expect(mapped(request({ response_status: 504 })).status).toBe('timeout');
  });

  it('skips a request with neither a model nor a token', () => {
    expect(mapHeliconeRequest(fixture('0006'))).toEqual({ ok: 'skip', reason: 'no model and no tokens: a request Helicone could not read' });
  });

  it('reads the export tool\'s CSV: no request id (the response id stands in), quotes doubled once too often', () => {
    const record = mapped({
      response_id: 'resp-csv-1',
      request_created_at: '2026-03-03T12:00:00.000Z',
      request_properties: '{""Feature"":""search""}',
      request_user_id: 'user-400',
      model: 'gpt-4o-mini',
      prompt_tokens: '900',
      completion_tokens: '80',
      latency: '2000',
      cost_usd: '0.000183',
    });
    expect(record).toMatchObject({ id: 'helicone:response:resp-csv-1', input_tokens: 900, output_tokens: 80, latency_ms: 2000, cost_usd: 0.000183, feature: 'search', user_id: 'user-400' });
  });

  it('never carries the request or response body', () => {
    expect(JSON.stringify(mapped(fixture('0001')))).not.toContain('running shoes');
  });

  it('refuses a fractional count or an impossible date, naming the field', () => {
    expect(mapHeliconeRequest(request({ prompt_tokens: '12.5' }))).toEqual({ ok: false, errors: [{ field: 'prompt_tokens', message: 'must be a whole number of tokens ≥ 0, got 12.5' }] });
    expect(mapHeliconeRequest(fixture('0007'))).toMatchObject({ ok: false, errors: [{ field: 'request_created_at' }] });
  });

  it('refuses a request with tokens but no model', () => {
    expect(mapHeliconeRequest(request({ model: undefined }))).toEqual({ ok: false, errors: [{ field: 'model', message: 'is required for a request with tokens' }] });
  });
});
