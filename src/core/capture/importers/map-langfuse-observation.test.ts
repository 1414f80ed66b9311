import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapLangfuseObservation } from './map-langfuse-observation.js';

const fixtureRows = JSON.parse(readFileSync(new URL('./fixtures/langfuse-observations.json', import.meta.url), 'utf8')) as Array<Record<string, unknown>>;
const fixture = (id: string): Record<string, unknown> => structuredClone(fixtureRows.find((row) => row.id === id)!);

function generation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'obs-1', traceId: 'trace-1', type: 'GENERATION', startTime: '2026-03-02T15:00:00.000Z', model: 'gpt-4o', usageDetails: { input: 100, output: 20 }, ...overrides };
}

function mapped(row: Record<string, unknown>): Record<string, unknown> {
  const result = mapLangfuseObservation(row);
  if (result.ok !== true) throw new Error(`expected a record, got ${JSON.stringify(result)}`);
  return result.record;
}

describe('mapLangfuseObservation', () => {
  it('maps a generation to an event with the observation id, the calculated cost and the durations', () => {
    expect(mapped(fixture('obs-gen-anthropic-1'))).toMatchObject({
      id: 'langfuse:obs-gen-anthropic-1',
      timestamp: '2026-03-02T14:05:11.250Z',
      model: 'claude-sonnet-4-5-20250929',
      cost_usd: 0.0288165,
      latency_ms: 12850,
      time_to_first_token_ms: 760,
    });
  });

  it('adds the cache to input, because Langfuse keeps an Anthropic call\'s input without its cache', () => {
    expect(mapped(fixture('obs-gen-anthropic-1'))).toMatchObject({ input_tokens: 42 + 38210 + 2150, cache_read_tokens: 38210, cache_write_tokens: 2150, output_tokens: 611 });
  });

  it('adds cached and reasoning parts to input and output, as Langfuse sums usage types', () => {
    expect(mapped(fixture('obs-gen-openai-1'))).toMatchObject({ input_tokens: 1000, cache_read_tokens: 500, output_tokens: 200, reasoning_tokens: 50 });
  });

  it('does not add the cache twice when the total shows input already held it', () => {
    const record = mapped(generation({ usageDetails: { input: 1000, input_cached_tokens: 500, output: 200, total: 1200 } }));
    expect(record).toMatchObject({ input_tokens: 1000, cache_read_tokens: 500, output_tokens: 200 });
  });

  it('does not add reasoning twice when the total shows output already held it', () => {
    const record = mapped(generation({ usageDetails: { input: 100, output: 300, output_reasoning_tokens: 120, total: 400 } }));
    expect(record).toMatchObject({ input_tokens: 100, output_tokens: 300, reasoning_tokens: 120 });
  });

  it('reads the legacy usage object of older exports', () => {
    expect(mapped(generation({ usageDetails: undefined, usage: { input: 70, output: 9, total: 79, unit: 'TOKENS' } }))).toMatchObject({ input_tokens: 70, output_tokens: 9 });
  });

  it('maps the trace to the task, and its user, session, environment and "key:value" tags to tags', () => {
    const record = mapped(fixture('obs-gen-anthropic-1'));
    expect(record).toMatchObject({ task_id: 'trace-77', user_id: 'user-000123', session_id: 'agent-session-5', environment: 'production', step: 4 });
  });

  it('maps metadata keys named like tags to tags and other scalar metadata to attributes, dropping nested values', () => {
    const record = mapped(fixture('obs-gen-anthropic-1'));
    expect(record).toMatchObject({ feature: 'coding-agent', team: 'devtools' });
    expect(record.attributes).toEqual({ prompt_version: 'v3', ls_provider: 'anthropic', observation_name: 'claude-step', trace_name: 'coding-agent-run', tags: 'beta' });
  });

  it('ignores Langfuse\'s "default" environment, which says nothing', () => {
    expect(mapped(generation({ environment: 'default' })).environment).toBeUndefined();
  });

  it('reads a blob-storage export row in snake_case with zone-less UTC times', () => {
    const record = mapped({
      id: 'obs-blob-1',
      trace_id: 'trace-200',
      type: 'GENERATION',
      start_time: '2026-03-03 10:00:00.123000',
      end_time: '2026-03-03 10:00:02.123000',
      provided_model_name: 'claude-haiku-4-5',
      usage_details: { input: 300, output: 80, cache_read_input_tokens: 6144 },
      total_cost: 0.0012,
      user_id: 'user-777',
      trace_tags: ['user_tier:enterprise'],
    });
    expect(record).toMatchObject({ timestamp: '2026-03-03 10:00:00.123000', latency_ms: 2000, model: 'claude-haiku-4-5', input_tokens: 6444, cost_usd: 0.0012, task_id: 'trace-200', user_tier: 'enterprise' });
  });

  it('reads a CSV export row, where usageDetails, metadata and tags are JSON text', () => {
    const record = mapped(generation({ usageDetails: '{"input":"10","output":"5"}', metadata: '{"feature":"classify"}', tags: '["team:platform"]', calculatedTotalCost: '0.00001' }));
    expect(record).toMatchObject({ input_tokens: 10, output_tokens: 5, feature: 'classify', team: 'platform', cost_usd: 0.00001 });
  });

  it('keeps an ERROR-level generation as an error', () => {
    expect(mapped(generation({ level: 'ERROR' })).status).toBe('error');
  });

  it('skips spans and events, which are not model calls', () => {
    expect(mapLangfuseObservation(fixture('obs-span-1'))).toEqual({ ok: 'skip', reason: 'observations of type SPAN are not model calls' });
    expect(mapLangfuseObservation(fixture('obs-event-1'))).toEqual({ ok: 'skip', reason: 'observations of type EVENT are not model calls' });
  });

  it('skips a generation without usage', () => {
    expect(mapLangfuseObservation(fixture('obs-gen-nousage-1'))).toEqual({ ok: 'skip', reason: 'a generation without usage details: nothing to bill' });
  });

  it('never carries the input or the output', () => {
    const text = JSON.stringify(mapped(fixture('obs-gen-anthropic-1')));
    expect(text).not.toContain('Refactor the parser');
    expect(text).not.toContain('Here is');
  });

  it('refuses a usage count that is not a number, naming its key', () => {
    expect(mapLangfuseObservation(fixture('obs-gen-bad-1'))).toEqual({ ok: false, errors: [{ field: 'usageDetails.input', message: 'must be a whole number of tokens ≥ 0, got "many"' }] });
  });

  it('refuses a generation with usage but no model or no start time', () => {
    expect(mapLangfuseObservation(generation({ model: null }))).toEqual({ ok: false, errors: [{ field: 'model', message: 'is required for a generation with usage' }] });
    expect(mapLangfuseObservation(generation({ startTime: undefined }))).toEqual({ ok: false, errors: [{ field: 'startTime', message: 'is required' }] });
  });
});
