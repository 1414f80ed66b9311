import { describe, expect, it } from 'vitest';
import { eventFieldNames, suggestFieldNames, unknownFieldHint } from './unknown-field-message.js';

describe('suggestFieldNames', () => {
  it('reads a shortened field as the fields it begins, the id first, not as the nearest short word', () => {
    expect(suggestFieldNames('user')).toEqual(['user_id', 'user_tier']);
    expect(suggestFieldNames('session')).toEqual(['session_id']);
  });

  it('suggests the nearest field for a misspelling, and the field itself whatever its case', () => {
    expect(suggestFieldNames('input_token')).toEqual(['input_tokens']);
    expect(suggestFieldNames('Model')).toEqual(['model']);
  });

  it('suggests nothing for a name far from every field', () => {
    expect(suggestFieldNames('department_budget_code')).toEqual([]);
  });

  it('draws from the fields of all three record kinds', () => {
    expect(eventFieldNames).toEqual(expect.arrayContaining(['user_id', 'input_tokens', 'outcome', 'amount_usd', 'task_id']));
  });
});

describe('unknownFieldHint', () => {
  it('gives the fix for names other tools use, else the fields it may have meant', () => {
    expect(unknownFieldHint('prompt_tokens')).toContain('use input_tokens');
    expect(unknownFieldHint('user')).toBe(' (did you mean user_id or user_tier?)');
    expect(unknownFieldHint('department_budget_code')).toBe('');
  });
});
