import { describe, expect, it } from 'vitest';
import { describeIssue } from './estimate-issue.js';
import { routeOf, sessionStepCount, validateFeatureShape, type FeatureShape } from './feature-shape.js';

const asWritten = (field: string): string => `<${field}>`;

function problems(shape: FeatureShape): string[] {
  return validateFeatureShape(shape).map((issue) => describeIssue(issue, asWritten));
}

const base: FeatureShape = { model: 'm', input: 2000, output: 800 };

describe('validateFeatureShape', () => {
  it('accepts a plain call', () => {
    expect(validateFeatureShape(base)).toEqual([]);
  });

  it('rejects negative, fractional and non-numeric token counts, naming the field', () => {
    expect(problems({ ...base, input: -5 })).toEqual(['<input> must be a whole number of tokens, 0 or more (got -5)']);
    expect(problems({ ...base, output: 2.5 })).toEqual(['<output> must be a whole number of tokens, 0 or more (got 2.5)']);
    expect(problems({ ...base, cached: Number.NaN })).toEqual(['<cached> must be a whole number of tokens, 0 or more (got NaN)']);
    expect(problems({ ...base, calls: 0 })).toEqual(['<calls> must be a whole number, 1 or more (got 0)']);
  });

  it('rejects cached parts that exceed the input total, naming every part given', () => {
    expect(problems({ ...base, cached: 1500, cacheWrite: 600 })).toEqual([
      '<cached> + <cacheWrite> (2100 tokens) exceed <input> (2000): <input> is the whole prompt, cached tokens included',
    ]);
    expect(validateFeatureShape({ ...base, cached: 2001 })[0]!.path).toEqual(['cached']);
  });

  it('rejects reasoning beyond the output total', () => {
    expect(problems({ ...base, reasoning: 900 })).toEqual([
      '<reasoning> (900) exceeds <output> (800): <output> counts every generated token, reasoning included',
    ]);
  });

  it('rejects a hit rate outside 0–1 and a prefix without a hit rate', () => {
    expect(problems({ ...base, cachePrefix: 1000, cacheHitRate: 1.2 })).toEqual(['<cacheHitRate> must be a rate between 0 and 1, such as 0.8 (got 1.2)']);
    expect(problems({ ...base, cachePrefix: 1000 })[0]).toContain('<cachePrefix> and <cacheHitRate> go together');
    expect(problems({ ...base, cachePrefix: 3000, cacheHitRate: 0.5 })).toEqual(['<cachePrefix> (3000) exceeds <input> (2000): the prefix is part of the prompt']);
  });

  it('rejects route shares that do not sum to 1, but forgives float noise', () => {
    const route = (shares: number[]) => ({ input: 100, output: 10, route: shares.map((share, index) => ({ model: `m${index}`, share })) });
    expect(problems(route([0.8, 0.3]))).toEqual(['<route>: the shares must sum to 1, but they sum to 1.1']);
    expect(problems(route([0.7, 0.2, 0.1]))).toEqual([]);
    expect(problems(route([1.5, -0.5]))).toEqual([
      '<route>: the share of m0 must be between 0 and 1 (got 1.5)',
      '<route>: the share of m1 must be between 0 and 1 (got -0.5)',
    ]);
  });

  it('rejects a route with a model or with inline prices, and a feature without any model', () => {
    const route = [{ model: 'a', share: 1 }];
    expect(problems({ ...base, route })[0]).toBe('<route> and <model> are exclusive: a route names every model with its share');
    expect(problems({ input: 1, output: 1, route, prices: { input: 1 } })[0]).toMatch(/^inline prices \(<prices>\) cannot be combined with <route>: one set of prices would not say which/);
    expect(problems({ input: 1, output: 1 })).toEqual([
      'name a model with <model> or <route>, or give inline prices (<prices.input> and <prices.output>) for a custom model',
    ]);
  });

  it('needs a step count for a growing context, and one step count only', () => {
    expect(problems({ ...base, contextGrowth: 500 })[0]).toMatch(/^<contextGrowth> needs <maxSteps> \(or <calls>\)/);
    expect(problems({ ...base, contextGrowth: 500, calls: 5, maxSteps: 6 })).toEqual(['<maxSteps> (6) and <calls> (5) both set the calls per session; give one']);
    expect(sessionStepCount({ ...base, contextGrowth: 500, calls: 5 })).toBe(5);
    expect(sessionStepCount(base)).toBe(1);
  });

  it('calls an unnamed inline-priced model "custom"', () => {
    expect(routeOf({ input: 1, output: 1, prices: { input: 1, output: 1 } })).toEqual([{ model: 'custom', share: 1 }]);
  });
});
