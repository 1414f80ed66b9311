import { describe, expect, it } from 'vitest';
import { parseGroupBy, parsePeriod, parseTop, parseWhere } from './report-request.js';

describe('report requests', () => {
  it('reads comma-separated and repeated --by values, with time apart', () => {
    expect(parseGroupBy(['feature,model', 'time', 'user-tier', 'feature'])).toEqual({ groupBy: ['feature', 'model', 'user_tier'], byTime: true });
  });

  it('refuses a dimension it does not know, suggesting the nearest', () => {
    expect(() => parseGroupBy(['featur'])).toThrow(/--by cannot use "featur"/);
    try {
      parseGroupBy(['featur']);
    } catch (error) {
      expect((error as { details: { suggestions: string[] } }).details.suggestions).toEqual(['feature']);
    }
  });

  it('refuses SQL in a dimension name', () => {
    expect(() => parseGroupBy(['feature; DROP TABLE usage_events'])).toThrow(/cannot use/);
    expect(() => parseWhere(['feature) OR 1=1 --=x'])).toThrow(/cannot use/);
  });

  it('reads --where tag=value, keeping either value of a repeated tag and any = in the value', () => {
    expect(parseWhere(['team=search', 'team=chat', 'feature=a=b'])).toEqual([
      { dimension: 'team', values: ['search', 'chat'] },
      { dimension: 'feature', values: ['a=b'] },
    ]);
  });

  it('keeps SQL in a --where value as a plain value', () => {
    expect(parseWhere(["feature=x' OR '1'='1"])).toEqual([{ dimension: 'feature', values: ["x' OR '1'='1"] }]);
  });

  it('refuses a --where without a value and an unknown period', () => {
    expect(() => parseWhere(['team='])).toThrow(/tag=value/);
    expect(() => parseWhere(['team'])).toThrow(/tag=value/);
    expect(() => parsePeriod('year')).toThrow(/day, week, month/);
  });

  it('reads --top as a whole number of rows, naming the flag when it is not one', () => {
    expect(parseTop('3000')).toBe(3000);
    expect(parseTop(' 1 ')).toBe(1);
    for (const value of ['0', '-5', '2.5', '1e3', 'ten', '', '1000001']) expect(() => parseTop(value), value).toThrow(/^--top must be a whole number of rows from 1 to 1,000,000/);
    expect(() => parseTop('0', 'top')).toThrow(/^top must be/);
  });
});
