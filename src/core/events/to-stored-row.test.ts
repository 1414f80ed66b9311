import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PriceCatalog } from '../catalog/price-catalog.js';
import { testProviders } from '../catalog/test-providers.js';
import { canonicalJson, canonicalUsageContent } from './canonical-content.js';
import { parseEventRecord, type ParsedEventRecord, type ParsedUsageEvent } from './parse-event-record.js';
import { priceRowFor } from './price-row-for.js';
import { priceUsageEvent, toStoredOutcomeRow, toStoredRevenueRow, toStoredRow, toStoredUsageRow, type RowContext } from './to-stored-row.js';

const hashContent = (canonical: string): string => createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
const context: RowContext = { catalog: new PriceCatalog(testProviders), hashContent };

function parsed(value: Record<string, unknown>): ParsedEventRecord {
  const result = parseEventRecord(value);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.record;
}

function usageOf(value: Record<string, unknown>): ParsedUsageEvent {
  const record = parsed(value);
  if (record.type !== 'usage') throw new Error('not a usage event');
  return record;
}

const call = {
  timestamp: '2026-02-01T12:00:00Z',
  provider: 'acme',
  model: 'acme-large',
  input_tokens: 10_000,
  cache_read_tokens: 6_000,
  cache_write_tokens: 1_000,
  cache_write_1h_tokens: 400,
  output_tokens: 500,
  feature: 'support-faq',
  user_id: 'user-1',
  attributes: { prompt_version: 'v7' },
};

describe('toStoredUsageRow', () => {
  it('prices the web searches of a call apart and counts them in its total', () => {
    const searching = new PriceCatalog([
      { id: 'acme', name: 'Acme AI', api_pattern: 'acme', models: [{ id: 'acme-search', match: { equals: 'acme-search' }, prices: { input_mtok: 3, output_mtok: 15, web_searches_kcount: 10 } }] },
    ]);
    const result = toStoredUsageRow(usageOf({ timestamp: call.timestamp, provider: 'acme', model: 'acme-search', input_tokens: 2000, output_tokens: 800, web_search_requests: 3 }), { ...context, catalog: searching });
    if (!result.ok) throw new Error('refused');
    // 3 searches at $10 per 1,000: 3 cents, in picodollars.
    expect(result.row).toMatchObject({ webSearchRequests: 3, costWebSearch: 30_000_000_000, costTotal: 2000 * 3_000_000 + 800 * 15_000_000 + 30_000_000_000 });
    const without = toStoredUsageRow(usageOf({ timestamp: call.timestamp, provider: 'acme', model: 'acme-search', input_tokens: 2000, output_tokens: 800 }), { ...context, catalog: searching });
    expect(without.ok && [without.row.webSearchRequests, without.row.costWebSearch]).toEqual([0, 0]);
    const unpriced = toStoredUsageRow(usageOf({ timestamp: call.timestamp, model: 'no-such-model', input_tokens: 1, output_tokens: 1, web_search_requests: 2 }), context);
    expect(unpriced.ok && [unpriced.row.webSearchRequests, unpriced.row.costWebSearch]).toEqual([2, null]);
  });

  it('refuses a token count too costly for one call by naming its field, the cost and the largest count accepted', () => {
    const result = toStoredUsageRow(usageOf({ ...call, input_tokens: 1_000, cache_read_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, output_tokens: 9_000_000_000 }), context);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: 'output_tokens',
          message:
            '9,000,000,000 output tokens of acme/acme-large would cost about $135,000.00 in one call, more than the $9,007.00 one call may cost; a call of this model may have at most 600,479,950 of them. A record that sums many calls should be sent as one record per call (or per smaller batch)',
        },
      ],
    });
    const input = toStoredUsageRow(usageOf({ ...call, input_tokens: 9_000_000_000, cache_read_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0 }), context);
    expect(input.ok ? undefined : input.errors[0]!.field).toBe('input_tokens');
    expect(input.ok ? '' : input.errors[0]!.message).not.toMatch(/picodollar|2\^53/);
  });

  it('bills each token class at its rate and keeps the parts apart', () => {
    const result = toStoredUsageRow(usageOf(call), context, 'events.jsonl:3');
    if (!result.ok) throw new Error('refused');
    const row = result.row;
    // acme-large before 2026-03-01: input $3, cache read $0.3, 5m write $3.75, 1h write $6, output $15 per M.
    expect(row.costInput).toBe(3_000 * 3_000_000);
    expect(row.costCacheRead).toBe(6_000 * 300_000);
    expect(row.costCacheWrite5m).toBe(600 * 3_750_000);
    expect(row.costCacheWrite1h).toBe(400 * 6_000_000);
    expect(row.costOutput).toBe(500 * 15_000_000);
    expect(row.costTotal).toBe(9_000_000_000 + 1_800_000_000 + 2_250_000_000 + 2_400_000_000 + 7_500_000_000);
    expect(row).toMatchObject({
      inputTokens: 10_000,
      cacheReadTokens: 6_000,
      cacheWrite5mTokens: 600,
      cacheWrite1hTokens: 400,
      outputTokens: 500,
      pricedProvider: 'acme',
      pricedModel: 'acme-large',
      unpricedReason: null,
      feature: 'support-faq',
      status: 'ok',
      attributes: '{"prompt_version":"v7"}',
      source: 'events.jsonl:3',
      timestampMs: Date.parse('2026-02-01T12:00:00Z'),
    });
    expect(result.price?.priceId).toBe(row.priceId);
  });

  it('uses the price in force at the call, not today', () => {
    const before = toStoredUsageRow(usageOf(call), context);
    const after = toStoredUsageRow(usageOf({ ...call, timestamp: '2026-03-02T00:00:00Z' }), context);
    if (!before.ok || !after.ok) throw new Error('refused');
    expect(after.row.costOutput).toBe(500 * 10_000_000);
    expect(after.row.priceId).not.toBe(before.row.priceId);
  });

  it('stores an unknown model unpriced with the reason, never at $0', () => {
    const result = toStoredUsageRow(usageOf({ ...call, provider: undefined, model: 'mystery-model-9' }), context);
    if (!result.ok) throw new Error('refused');
    expect(result.price).toBeNull();
    expect(result.row.priceId).toBeNull();
    expect(result.row.costTotal).toBeNull();
    expect(result.row.costInput).toBeNull();
    expect(result.row.unpricedReason).toContain('no model matches "mystery-model-9"');
    expect(result.row.inputTokens).toBe(10_000);
  });

  it('stores a model priced by something other than tokens unpriced', () => {
    const result = toStoredUsageRow(usageOf({ ...call, model: 'acme-whisper' }), context);
    if (!result.ok) throw new Error('refused');
    expect(result.row.costTotal).toBeNull();
    expect(result.row.unpricedReason).toBe('acme/acme-whisper is not priced by token in the catalog');
  });

  it('refuses token counts that would make an impossible cost', () => {
    const result = toStoredUsageRow(usageOf({ ...call, cache_read_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, output_tokens: 9_000_000_000 }), context);
    expect(result.ok).toBe(false);
  });

  it('derives the same id for the same content however it is written', () => {
    const first = toStoredUsageRow(usageOf(call), context);
    const second = toStoredUsageRow(
      usageOf({ ...call, timestamp: '2026-02-01T13:00:00.000+01:00', status: 'ok', team: null, type: 'usage', schema_version: 1, attributes: { prompt_version: 'v7', none: null } }),
      context,
    );
    if (!first.ok || !second.ok) throw new Error('refused');
    expect(second.row.id).toBe(first.row.id);
    expect(second.row.contentHash).toBe(first.row.contentHash);
  });

  it('derives a different id when anything billed or tagged differs', () => {
    const base = toStoredUsageRow(usageOf(call), context);
    const other = toStoredUsageRow(usageOf({ ...call, output_tokens: 501 }), context);
    const tagged = toStoredUsageRow(usageOf({ ...call, feature: 'summarizer' }), context);
    if (!base.ok || !other.ok || !tagged.ok) throw new Error('refused');
    expect(new Set([base.row.id, other.row.id, tagged.row.id]).size).toBe(3);
  });

  it('keeps a given id and hashes the content without it, so a re-send is a duplicate and a change a conflict', () => {
    const first = toStoredUsageRow(usageOf({ ...call, id: 'req_1' }), context);
    const again = toStoredUsageRow(usageOf({ ...call, id: 'req_1' }), context);
    const changed = toStoredUsageRow(usageOf({ ...call, id: 'req_1', output_tokens: 900 }), context);
    const derived = toStoredUsageRow(usageOf(call), context);
    if (!first.ok || !again.ok || !changed.ok || !derived.ok) throw new Error('refused');
    expect(first.row.id).toBe('req_1');
    expect(again.row.contentHash).toBe(first.row.contentHash);
    expect(changed.row.contentHash).not.toBe(first.row.contentHash);
    expect(derived.row.id).toBe(first.row.contentHash);
  });
});

describe('canonical content', () => {
  it('escapes strings exactly as JSON does', () => {
    for (const text of ['plain', 'a "quote"', 'back\\slash', 'new\nline', '\u0001', 'emoji 😀', 'lone \ud800', 'é']) {
      expect(canonicalJson(text)).toBe(JSON.stringify(text));
      expect(canonicalJson({ [text]: text })).toBe(JSON.stringify({ [text]: text }));
    }
  });

  it('sorts keys at every level and leaves out nulls, id and type', () => {
    expect(canonicalJson({ b: 1, a: { d: null, c: [2, { f: 1, e: 0 }] } })).toBe('{"a":{"c":[2,{"e":0,"f":1}]},"b":1}');
    const event = usageOf({ id: 'x', type: 'usage', timestamp: '2026-02-01T12:00:00Z', model: 'm', output_tokens: 1, input_tokens: 2 });
    expect(canonicalUsageContent(event.event, event.timestampMs)).toBe(`{"input_tokens":2,"model":"m","output_tokens":1,"status":"ok","timestamp":${Date.parse('2026-02-01T12:00:00Z')}}`);
  });
});

describe('priceRowFor', () => {
  it('gives the same price the same id and rates in picodollars per token', () => {
    const answer = context.catalog.priceAt('acme-large', Date.parse('2026-02-01T00:00:00Z'));
    if (!answer.priced) throw new Error('unpriced');
    const row = priceRowFor(answer.price);
    expect(row.priceId).toMatch(/^acme\/acme-large:[0-9a-f]{16}$/);
    expect(row).toMatchObject({ provider: 'acme', model: 'acme-large', inputRate: 3_000_000, cacheWrite1hRate: 6_000_000, outputRate: 15_000_000 });
    expect(JSON.parse(row.tiers)).toEqual([expect.objectContaining({ inputAbove: 200_000 })]);
    const fresh = new PriceCatalog(testProviders).priceAt('acme-large', Date.parse('2026-02-02T00:00:00Z'));
    if (!fresh.priced) throw new Error('unpriced');
    expect(priceRowFor(fresh.price).priceId).toBe(row.priceId);
  });

  it('gives a discounted price another id', () => {
    const discounted = new PriceCatalog(testProviders, { models: [], prices: [], discounts: [{ provider: 'acme', percent: 20 }] });
    const plain = context.catalog.priceAt('acme-large', Date.parse('2026-02-01T00:00:00Z'));
    const cheaper = discounted.priceAt('acme-large', Date.parse('2026-02-01T00:00:00Z'));
    if (!plain.priced || !cheaper.priced) throw new Error('unpriced');
    expect(priceRowFor(cheaper.price).priceId).not.toBe(priceRowFor(plain.price).priceId);
    expect(priceRowFor(cheaper.price).sources).toBe('genai-prices; discount 20%');
  });
});

describe('outcome and revenue rows', () => {
  it('keeps an outcome with a content hash', () => {
    const record = parsed({ type: 'outcome', task_id: 'task-1', outcome: 'success', timestamp: '2026-02-01T12:00:00Z', feature: 'coding-agent' });
    if (record.type !== 'outcome') throw new Error('not an outcome');
    const row = toStoredOutcomeRow(record, context, 'a.jsonl:9');
    expect(row).toEqual({ taskId: 'task-1', outcome: 'success', timestampMs: Date.parse('2026-02-01T12:00:00Z'), feature: 'coding-agent', contentHash: expect.any(String), source: 'a.jsonl:9' });
  });

  it('stores revenue in exact picodollars with a derived id', () => {
    const record = parsed({ type: 'revenue', user_id: 'user-1', amount_usd: 4.35, timestamp: '2026-02-01T12:00:00Z', user_tier: 'pro' });
    if (record.type !== 'revenue') throw new Error('not revenue');
    const row = toStoredRevenueRow(record, context);
    expect(row.amountPicodollars).toBe(4_350_000_000_000n);
    expect(row.id).toBe(row.contentHash);
    expect(row.userTier).toBe('pro');
  });

  it('dispatches any record to its row kind', () => {
    const result = toStoredRow(parsed({ type: 'revenue', id: 'inv-1', user_id: 'u', amount_usd: 20, timestamp: '2026-02-01T12:00:00Z' }), context);
    expect(result.ok && result.type).toBe('revenue');
    expect(result.ok && result.type === 'revenue' && result.row.id).toBe('inv-1');
  });
});

describe('priceUsageEvent', () => {
  it('gives the cost the stored row gets, at the price in force at the call, without hashing its content', () => {
    let hashed = 0;
    const counting: RowContext = { ...context, hashContent: (canonical) => ((hashed += 1), hashContent(canonical)) };
    for (const timestamp of [call.timestamp, '2026-03-02T00:00:00Z']) {
      const usage = usageOf({ ...call, timestamp });
      const before = hashed;
      const pricing = priceUsageEvent(usage, context.catalog);
      expect(hashed).toBe(before);
      const row = toStoredUsageRow(usage, counting);
      if (!pricing.ok || pricing.cost === null || !row.ok) throw new Error('not priced');
      expect(pricing.cost.total).toBe(row.row.costTotal);
      expect(priceRowFor(pricing.price).priceId).toBe(row.row.priceId);
    }
    expect(hashed).toBe(2);
  });

  it('says why a call is unpriced, and refuses a count no single call could reach, as the row does', () => {
    const unknown = priceUsageEvent(usageOf({ ...call, provider: undefined, model: 'mystery-model-9' }), context.catalog);
    expect(unknown).toMatchObject({ ok: true, cost: null, price: null });
    expect(unknown.ok && unknown.unpricedReason).toContain('no model matches "mystery-model-9"');
    expect(priceUsageEvent(usageOf({ ...call, model: 'acme-whisper' }), context.catalog)).toEqual({
      ok: true,
      cost: null,
      price: null,
      unpricedReason: 'acme/acme-whisper is not priced by token in the catalog',
    });
    const huge = usageOf({ ...call, cache_read_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, output_tokens: 9_000_000_000 });
    const refused = priceUsageEvent(huge, context.catalog);
    expect(refused).toEqual(toStoredUsageRow(huge, context));
    expect(refused.ok).toBe(false);
  });
});
