import { describe, expect, it } from 'vitest';
import { budgetScopeValue } from './budget-scope-value.js';

describe('budgetScopeValue', () => {
  it('counts a call under the value of the budget\'s tag', () => {
    expect(budgetScopeValue({ per: 'team' }, { team: 'support', feature: 'faq' })).toBe('support');
  });

  it('leaves out a call without the tag, or with another value than equals', () => {
    expect(budgetScopeValue({ per: 'team' }, { feature: 'faq' })).toBeUndefined();
    expect(budgetScopeValue({ per: 'team', equals: 'support' }, { team: 'devtools' })).toBeUndefined();
  });

  it('counts every call in the one total of a budget over all spend', () => {
    expect(budgetScopeValue({}, {})).toBe('*');
    expect(budgetScopeValue({}, { team: 'support' })).toBe('*');
  });
});
