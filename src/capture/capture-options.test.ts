import { describe, expect, it } from 'vitest';
import { applyTags, deliver, isoTimestamp, statusOfError, tagsForCall, withUnitcostTags, type CapturedEvent } from './capture-options.js';

const event = (): CapturedEvent => ({ timestamp: '2026-03-02T14:05:11Z', model: 'gpt-4.1', input_tokens: 1, output_tokens: 1 });

describe('capture options', () => {
  it('merges nested withUnitcostTags over the wrapper tags, the innermost winning, attributes key by key', () => {
    const tags = withUnitcostTags({ feature: 'outer', attributes: { a: 1, b: 1 } }, () =>
      withUnitcostTags({ user_id: 'user-1', attributes: { b: 2 } }, () => tagsForCall({ feature: 'base', team: 'platform', attributes: { c: 3 } })),
    );
    expect(tags).toEqual({ feature: 'outer', team: 'platform', user_id: 'user-1', attributes: { a: 1, b: 2, c: 3 } });
  });

  it('gives the wrapper tags alone outside withUnitcostTags', () => {
    const base = { feature: 'base' };
    expect(tagsForCall(base)).toBe(base);
  });

  it('leaves out empty tags, which the event format would refuse, but keeps step 0', () => {
    expect(applyTags(event(), { feature: '', team: 'support', step: 0 })).toEqual({ ...event(), team: 'support', step: 0 });
  });

  it('tells a cancelled call and a timed-out one from other failures by the SDK error class', () => {
    class APIUserAbortError extends Error {}
    class APIConnectionTimeoutError extends Error {}
    expect(statusOfError(new APIUserAbortError())).toBe('cancelled');
    expect(statusOfError(new DOMException('aborted', 'AbortError'))).toBe('cancelled');
    expect(statusOfError(new APIConnectionTimeoutError())).toBe('timeout');
    expect(statusOfError(new DOMException('timed out', 'TimeoutError'))).toBe('timeout');
    expect(statusOfError(new Error('500'))).toBe('error');
    expect(statusOfError(undefined)).toBe('error');
  });

  it('reports a sink whose write rejects, instead of leaving an unhandled rejection', async () => {
    const errors: unknown[] = [];
    const sink = { write: () => Promise.reject(new Error('later')) as unknown as void, flush: async () => {}, close: async () => {} };
    deliver({ sink, onError: (error) => errors.push(error) }, event());
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
  });
});

describe('isoTimestamp', () => {
  it('writes the same text as Date.toISOString, across seconds and for the same second twice', () => {
    for (const milliseconds of [0, 999, 1000, 1_764_926_400_007, 1_764_926_400_999, 1_764_926_401_000, 1_764_926_401_000, 951_782_400_123]) {
      expect(isoTimestamp(milliseconds)).toBe(new Date(milliseconds).toISOString());
    }
  });
});
