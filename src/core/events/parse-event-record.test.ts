import { describe, expect, it } from 'vitest';
import { isValidOutcome, isValidRevenue, isValidUsageEvent } from './fast-validate.js';
import { parseEventRecord, type ParseEventResult } from './parse-event-record.js';
import { outcomeRecordSchema, revenueRecordSchema, usageEventSchema } from './usage-event.js';

const usage = {
  id: 'req_1',
  timestamp: '2026-03-01T12:00:00.250Z',
  provider: 'anthropic',
  model: 'claude-haiku-4-5',
  input_tokens: 7000,
  cache_read_tokens: 6000,
  cache_write_tokens: 500,
  cache_write_1h_tokens: 100,
  output_tokens: 300,
  reasoning_tokens: 40,
  feature: 'support-faq',
  user_id: 'user-1',
  step: 2,
  attributes: { prompt_version: 'v7', bucket: 2, beta: true, note: null },
  status: 'ok',
  latency_ms: 812.5,
  response_cache: 'miss',
  cost_usd: 0.0012,
};

function errorsOf(result: ParseEventResult): Array<{ field: string; message: string }> {
  if (result.ok) throw new Error('expected the record to be refused');
  return result.errors;
}

describe('parseEventRecord', () => {
  it('reads token counts into billing classes, the cache writes split by TTL', () => {
    const result = parseEventRecord(usage);
    expect(result.ok).toBe(true);
    if (!result.ok || result.record.type !== 'usage') return;
    expect(result.record.timestampMs).toBe(Date.parse('2026-03-01T12:00:00.250Z'));
    expect(result.record.usage).toEqual({
      input: { total: 7000, noCache: 500, cacheRead: 6000, cacheWrite5m: 400, cacheWrite1h: 100, audio: 0 },
      output: { total: 300, text: 260, reasoning: 40, audio: 0 },
      webSearchRequests: 0,
    });
  });

  it('reads web_search_requests beside the token counts, and from a raw Anthropic usage object', () => {
    const counted = parseEventRecord({ ...usage, web_search_requests: 3 });
    expect(counted.ok && counted.record.type === 'usage' && counted.record.usage.webSearchRequests).toBe(3);
    const { input_tokens: _input, cache_read_tokens: _read, cache_write_tokens: _write, cache_write_1h_tokens: _write1h, output_tokens: _output, reasoning_tokens: _reasoning, ...tags } = usage;
    const raw = parseEventRecord({ ...tags, usage_format: 'anthropic', usage: { input_tokens: 6039, output_tokens: 931, server_tool_use: { web_search_requests: 2 } } });
    expect(raw.ok && raw.record.type === 'usage' && raw.record.usage.webSearchRequests).toBe(2);
    // OpenAI's Responses usage cannot carry them: the field beside it gives the count.
    const beside = parseEventRecord({ ...tags, usage_format: 'openai-responses', usage: { input_tokens: 100, output_tokens: 20 }, web_search_requests: 4 });
    expect(beside.ok && beside.record.type === 'usage' && beside.record.usage.webSearchRequests).toBe(4);
  });

  it('refuses two different web search counts for one call, and a count that is not a whole number', () => {
    const { input_tokens: _input, cache_read_tokens: _read, cache_write_tokens: _write, cache_write_1h_tokens: _write1h, output_tokens: _output, reasoning_tokens: _reasoning, ...tags } = usage;
    const both = parseEventRecord({ ...tags, usage_format: 'anthropic', usage: { input_tokens: 1, output_tokens: 1, server_tool_use: { web_search_requests: 2 } }, web_search_requests: 5 });
    expect(errorsOf(both)).toEqual([{ field: 'web_search_requests', message: 'is 5 but the raw usage object reports 2 web searches; give one of them' }]);
    expect(errorsOf(parseEventRecord({ ...usage, web_search_requests: 1.5 }))).toEqual([{ field: 'web_search_requests', message: 'must be a whole number of searches' }]);
    expect(errorsOf(parseEventRecord({ ...usage, web_search_requests: -1 }))).toEqual([{ field: 'web_search_requests', message: 'must not be negative' }]);
  });

  it('treats a record without type as a usage event, and type "usage" the same', () => {
    const result = parseEventRecord({ ...usage, type: 'usage', schema_version: 1 });
    expect(result.ok && result.record.type).toBe('usage');
  });

  it('converts a raw provider usage object by its format', () => {
    const { input_tokens: _input, cache_read_tokens: _read, cache_write_tokens: _write, cache_write_1h_tokens: _write1h, output_tokens: _output, reasoning_tokens: _reasoning, ...tags } = usage;
    const result = parseEventRecord({
      ...tags,
      usage_format: 'anthropic',
      usage: { input_tokens: 20, cache_read_input_tokens: 6000, cache_creation_input_tokens: 500, output_tokens: 300 },
    });
    expect(result.ok).toBe(true);
    if (!result.ok || result.record.type !== 'usage') return;
    expect(result.record.usage.input).toEqual({ total: 6520, noCache: 20, cacheRead: 6000, cacheWrite5m: 500, cacheWrite1h: 0, audio: 0 });
  });

  it('names the field inside a bad raw usage object', () => {
    const result = parseEventRecord({ timestamp: usage.timestamp, model: 'gpt-5-mini', usage_format: 'openai-chat', usage: { prompt_tokens: -3, completion_tokens: 5 } });
    expect(errorsOf(result)).toEqual([{ field: 'usage.prompt_tokens', message: expect.stringContaining('prompt_tokens') }]);
  });

  it('refuses counts and a raw usage object together', () => {
    const result = parseEventRecord({ ...usage, usage_format: 'anthropic', usage: { input_tokens: 1, output_tokens: 1 } });
    expect(errorsOf(result)).toEqual([{ field: 'input_tokens', message: 'give either token counts or a raw usage object, not both' }]);
  });

  it('says which required fields are missing', () => {
    expect(errorsOf(parseEventRecord({ input_tokens: 1, output_tokens: 1 }))).toEqual([
      { field: 'timestamp', message: 'is required' },
      { field: 'model', message: 'is required' },
    ]);
    expect(errorsOf(parseEventRecord({ timestamp: usage.timestamp, model: 'm' }))).toEqual([
      { field: 'input_tokens', message: 'is required (or a raw usage object with usage_format)' },
      { field: 'output_tokens', message: 'is required (or a raw usage object with usage_format)' },
    ]);
  });

  it('refuses negative and fractional token counts with the field', () => {
    expect(errorsOf(parseEventRecord({ ...usage, output_tokens: -1 }))).toEqual([{ field: 'output_tokens', message: 'must not be negative' }]);
    expect(errorsOf(parseEventRecord({ ...usage, input_tokens: 12.5 }))).toEqual([{ field: 'input_tokens', message: 'must be a whole number of tokens' }]);
    expect(errorsOf(parseEventRecord({ ...usage, input_tokens: '7000' }))).toEqual([{ field: 'input_tokens', message: 'must be a whole number of tokens' }]);
  });

  it('refuses cache tokens larger than the input total, the classic double count', () => {
    const errors = errorsOf(parseEventRecord({ ...usage, input_tokens: 500, cache_read_tokens: 6000, cache_write_tokens: 0, cache_write_1h_tokens: 0 }));
    expect(errors).toEqual([{ field: 'cache_read_tokens', message: 'cache reads and writes (6000) exceed input_tokens (500), which already includes them' }]);
  });

  it('refuses reasoning beyond the output total and 1-hour writes beyond all writes', () => {
    expect(errorsOf(parseEventRecord({ ...usage, reasoning_tokens: 301 }))[0]!.field).toBe('reasoning_tokens');
    expect(errorsOf(parseEventRecord({ ...usage, cache_write_1h_tokens: 501 }))[0]!.field).toBe('cache_write_1h_tokens');
  });

  it('refuses unparsable timestamps and dates that do not exist', () => {
    expect(errorsOf(parseEventRecord({ ...usage, timestamp: '01/03/2026' }))).toEqual([
      { field: 'timestamp', message: 'must be an ISO 8601 timestamp such as 2026-03-01T12:00:00Z' },
    ]);
    expect(errorsOf(parseEventRecord({ ...usage, timestamp: '2026-02-30T12:00:00Z' }))).toEqual([{ field: 'timestamp', message: 'is not a real date and time' }]);
  });

  it('refuses a timestamp more than a day after now, and accepts one just under', () => {
    const nowMs = Date.parse('2026-03-01T00:00:00Z');
    const errors = errorsOf(parseEventRecord({ ...usage, timestamp: '2026-03-02T00:00:01Z' }, { nowMs }));
    expect(errors).toEqual([{ field: 'timestamp', message: expect.stringContaining('more than a day in the future') }]);
    expect(parseEventRecord({ ...usage, timestamp: '2026-03-01T23:59:59Z' }, { nowMs }).ok).toBe(true);
    expect(parseEventRecord({ ...usage, timestamp: '2099-01-01T00:00:00Z' }).ok).toBe(true);
  });

  it('reads null as absent, as loggers and CSV exports write it', () => {
    const result = parseEventRecord({ ...usage, team: null, retry_of: null, cost_usd: null, cache_write_tokens: null, cache_write_1h_tokens: null });
    expect(result.ok).toBe(true);
  });

  it('names an unknown field and the field it was probably meant to be', () => {
    expect(errorsOf(parseEventRecord({ ...usage, input_token: 5 }))).toEqual([
      { field: 'input_token', message: 'is not a field of a usage event (did you mean input_tokens?); put your own tags in attributes' },
    ]);
    expect(errorsOf(parseEventRecord({ ...usage, prompt_tokens: 5 }))[0]!.message).toContain('use input_tokens');
  });

  it('refuses an unknown record type and anything that is not an object', () => {
    expect(errorsOf(parseEventRecord({ type: 'refund' }))).toEqual([{ field: 'type', message: 'must be "usage" (or left out), "outcome" or "revenue", got "refund"' }]);
    expect(errorsOf(parseEventRecord([1, 2]))).toEqual([{ field: '', message: 'must be a JSON object, one record per line' }]);
    expect(errorsOf(parseEventRecord('text'))[0]!.field).toBe('');
  });

  it('reads an outcome record and refuses one without task', () => {
    const result = parseEventRecord({ type: 'outcome', task_id: 'task-1', outcome: 'success', timestamp: '2026-03-01T12:00:00Z' });
    expect(result.ok && result.record.type).toBe('outcome');
    expect(errorsOf(parseEventRecord({ type: 'outcome', outcome: 'won', timestamp: '2026-03-01T12:00:00Z' }))).toEqual([
      { field: 'task_id', message: 'is required' },
      { field: 'outcome', message: 'must be success or failure' },
    ]);
  });

  it('reads a revenue record, a refund included', () => {
    const result = parseEventRecord({ type: 'revenue', user_id: 'user-1', amount_usd: -4.35, timestamp: '2026-03-01T12:00:00Z' });
    expect(result.ok && result.record.type).toBe('revenue');
    expect(errorsOf(parseEventRecord({ type: 'revenue', user_id: 'user-1', amount_usd: '4.35', timestamp: '2026-03-01T12:00:00Z' }))).toEqual([
      { field: 'amount_usd', message: 'must be a number of dollars' },
    ]);
  });
});

// Values that break, or nearly break, some field's rule.
const palette: unknown[] = [
  undefined, null, 0, 1, -1, 0.5, 1e10, 1e10 + 1, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY, '', 'x', 'x'.repeat(512), 'x'.repeat(513),
  true, {}, [], { a: 1 }, { a: [1] }, { a: Number.NaN }, 'ok', 'error', 'hit', 'miss', 'nope', 'usage', 'outcome', 'revenue', 'success',
  'anthropic', 'openai-chat', '2026-03-01T12:00:00Z', '2026-02-30T12:00:00Z', '2026-03-01T12:00+0100', '2026-03-01', '2026-03-01T12:00:00+25:00',
  -5.25, 1e12, 1e13, 7000, 6000, 300, 100_000, 100_001,
];

function corruptions(base: Record<string, unknown>, extraKeys: string[]): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const key of [...Object.keys(base), ...extraKeys]) {
    for (const value of palette) records.push({ ...base, [key]: value });
    const { [key]: _removed, ...without } = base;
    records.push(without);
  }
  return records;
}

describe('the hand-written checks', () => {
  const usageBases: Array<Record<string, unknown>> = [
    usage,
    { timestamp: '2026-03-01 12:00', model: 'gpt-5-mini', input_tokens: 10, output_tokens: 1 },
    { timestamp: '2026-03-01T12:00:00Z', model: 'gpt-5-mini', usage_format: 'openai-chat', usage: { prompt_tokens: 10, completion_tokens: 2 } },
    { ...usage, input_audio_tokens: 400, output_audio_tokens: 200 },
    { ...usage, web_search_requests: 3 },
  ];
  const usageKeys = Object.keys(usageEventSchema.shape);

  it('accept the valid records they are there to speed up', () => {
    for (const base of usageBases) expect(isValidUsageEvent(base)).toBe(true);
    expect(isValidOutcome({ type: 'outcome', task_id: 't', outcome: 'failure', timestamp: '2026-03-01T12:00:00Z' })).toBe(true);
    expect(isValidRevenue({ type: 'revenue', user_id: 'u', amount_usd: 20, timestamp: '2026-03-01T12:00:00Z' })).toBe(true);
  });

  it('never accept a usage event zod refuses, over every single-field corruption', () => {
    let compared = 0;
    for (const base of usageBases) {
      for (const record of corruptions(base, [...usageKeys, 'unknown_field'])) {
        if (isValidUsageEvent(record)) expect(usageEventSchema.safeParse(record).success, JSON.stringify(record)).toBe(true);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(4000);
  });

  it('never accept a usage event zod refuses, over random token counts', () => {
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % 9;
    };
    const fields = ['input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'input_audio_tokens', 'output_tokens', 'reasoning_tokens', 'output_audio_tokens'];
    let accepted = 0;
    for (let round = 0; round < 3000; round += 1) {
      const record: Record<string, unknown> = { timestamp: '2026-03-01T12:00:00Z', model: 'm' };
      for (const field of fields) {
        const draw = next();
        const scale = field === 'input_tokens' || field === 'output_tokens' ? 4 : 1;
        if (draw > 0) record[field] = (draw - 1) * scale;
      }
      const fast = isValidUsageEvent(record);
      const zod = usageEventSchema.safeParse(record).success;
      if (fast) expect(zod, JSON.stringify(record)).toBe(true);
      // Token arithmetic is fully covered by the hand-written check: it should agree both ways.
      expect(fast, JSON.stringify(record)).toBe(zod);
      if (fast) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('never accept an outcome or a revenue record zod refuses', () => {
    const outcome = { type: 'outcome', task_id: 't', outcome: 'success', timestamp: '2026-03-01T12:00:00Z', feature: 'f', attributes: { a: 1 } };
    for (const record of corruptions(outcome, [...Object.keys(outcomeRecordSchema.shape), 'extra'])) {
      if (isValidOutcome(record)) expect(outcomeRecordSchema.safeParse(record).success, JSON.stringify(record)).toBe(true);
    }
    const revenue = { type: 'revenue', id: 'inv-1', user_id: 'u', amount_usd: 20, timestamp: '2026-03-01T12:00:00Z', feature: 'f', user_tier: 'pro' };
    for (const record of corruptions(revenue, [...Object.keys(revenueRecordSchema.shape), 'extra'])) {
      if (isValidRevenue(record)) expect(revenueRecordSchema.safeParse(record).success, JSON.stringify(record)).toBe(true);
    }
  });
});
