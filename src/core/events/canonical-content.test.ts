import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalUsageContent } from './canonical-content.js';
import { parseEventRecord, type ParsedUsageEvent } from './parse-event-record.js';

// The ingest adapter's hash (src/ingest): the content hash of every row, and the id of events that carry none.
const hashContent = (canonical: string): string => createHash('sha256').update(canonical).digest('base64url').slice(0, 22);

function usageOf(value: Record<string, unknown>): ParsedUsageEvent {
  const result = parseEventRecord(value);
  if (!result.ok || result.record.type !== 'usage') throw new Error(JSON.stringify(result));
  return result.record;
}

const contentOf = (value: Record<string, unknown>): string => {
  const { event, timestampMs } = usageOf(value);
  return canonicalUsageContent(event, timestampMs);
};

const counted = {
  timestamp: '2026-03-02T14:05:11Z',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  input_tokens: 12000,
  cache_read_tokens: 8000,
  output_tokens: 640,
  feature: 'research-agent',
  user_id: 'user-7',
  attributes: { prompt_version: 'v7' },
};
const raw = {
  timestamp: '2026-03-02T14:05:11Z',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  usage_format: 'anthropic',
  usage: { input_tokens: 6039, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 931, server_tool_use: { web_search_requests: 3 } },
  feature: 'research-agent',
};

describe('canonical usage content across the web_search_requests field', () => {
  // Pinned: the text and hash the code gave these events before web_search_requests existed. A stored event
  // re-ingested from an old file must be a duplicate, never a conflict, so these must never change.
  it('keeps the content and hash of an event without the field exactly as before it existed', () => {
    expect(contentOf(counted)).toBe(
      '{"attributes":{"prompt_version":"v7"},"cache_read_tokens":8000,"feature":"research-agent","input_tokens":12000,"model":"claude-sonnet-4-5","output_tokens":640,"provider":"anthropic","status":"ok","timestamp":1772460311000,"user_id":"user-7"}',
    );
    expect(hashContent(contentOf(counted))).toBe('9tJIoiYQUkAnqghm-QvaZG');
    expect(hashContent(contentOf(raw))).toBe('Fbjsp7YOPeVLPCcd-BdrYa');
  });

  it('gives an event that says 0 searches, or null, the content of one that leaves the field out', () => {
    expect(contentOf({ ...counted, web_search_requests: 0 })).toBe(contentOf(counted));
    expect(contentOf({ ...counted, web_search_requests: null })).toBe(contentOf(counted));
  });

  it('tells an event with searches from the same call without them', () => {
    const searched = contentOf({ ...counted, web_search_requests: 3 });
    expect(searched).not.toBe(contentOf(counted));
    expect(searched).toContain('"web_search_requests":3');
  });
});
