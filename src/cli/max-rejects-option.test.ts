import { describe, expect, it } from 'vitest';
import { parseMaxRejects, tooManyRejects } from './max-rejects-option.js';

describe('--max-rejects', () => {
  it('reads a count from 0 up, or "unlimited"', () => {
    expect(parseMaxRejects('0')).toBe(0);
    expect(parseMaxRejects('25')).toBe(25);
    expect(parseMaxRejects('unlimited')).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses what is not a count', () => {
    for (const value of ['-1', '1.5', '', 'all']) expect(() => parseMaxRejects(value), value).toThrow('--max-rejects must be a whole number from 0 up');
  });

  it('fails when more lines were refused than allowed, counting conflicts as refused', () => {
    expect(tooManyRejects({ rejected: 0, conflicts: 0 }, 0, undefined)).toBeUndefined();
    expect(tooManyRejects({ rejected: 2, conflicts: 1 }, 3, 'x.rejects.jsonl')).toBeUndefined();
    expect(tooManyRejects({ rejected: 2, conflicts: 1 }, 2, 'x.rejects.jsonl')).toBe(
      '3 lines refused, more than --max-rejects 2 allows (pass --max-rejects unlimited to accept any); see x.rejects.jsonl',
    );
    expect(tooManyRejects({ rejected: 1_000_000, conflicts: 0 }, Number.POSITIVE_INFINITY, undefined)).toBeUndefined();
  });
});
