import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from './gateway-config.js';

const withCascade = (rule: Record<string, unknown>) => gatewayConfigSchema.safeParse({ policies: { cascades: [rule] } });
const base = { when: { feature: 'extraction' }, first: { model: 'gpt-4.1-mini' }, then: { model: 'gpt-4.1' } };
const firstIssue = (rule: Record<string, unknown>) => {
  const result = withCascade(rule);
  expect(result.success).toBe(false);
  return result.error!.issues[0]!;
};

describe('gateway.policies.cascades', () => {
  it('takes every kind of check, with the regex defaulting to "the answer must match"', () => {
    const result = withCascade({ ...base, escalate_on: ['error', 'length', { json_schema: { type: 'object', required: ['answer'] } }, { regex: '^\\{' }] });
    expect(result.success).toBe(true);
    expect(result.data?.policies.cascades[0]?.escalate_on).toEqual(['error', 'length', { json_schema: { type: 'object', required: ['answer'] } }, { regex: '^\\{', escalate_if: 'no_match' }]);
  });

  it('refuses a regex that does not compile, naming the field', () => {
    const issue = firstIssue({ ...base, escalate_on: ['length', { regex: '([a-z]+' }] });
    expect(issue.path).toEqual(['policies', 'cascades', 0, 'escalate_on', 1, 'regex']);
    expect(issue.message).toMatch(/^is not a valid regular expression: .*Unterminated group/);
  });

  it('refuses the regex flags that would make a test depend on the one before', () => {
    expect(firstIssue({ ...base, escalate_on: [{ regex: 'x', flags: 'g' }] })).toMatchObject({ path: ['policies', 'cascades', 0, 'escalate_on', 0, 'flags'] });
  });

  it('refuses a JSON schema with a misspelt keyword, naming where it is', () => {
    const issue = firstIssue({ ...base, escalate_on: [{ json_schema: { type: 'object', properties: { answer: { type: 'string', minLenght: 1 } } } }] });
    expect(issue.path).toEqual(['policies', 'cascades', 0, 'escalate_on', 0, 'json_schema', 'properties', 'answer', 'minLenght']);
    expect(issue.message).toContain('is not a JSON schema keyword');
  });

  it('refuses a JSON schema whose keyword has the wrong shape, or which it cannot check', () => {
    expect(firstIssue({ ...base, escalate_on: [{ json_schema: { type: 'strin' } }] })).toMatchObject({ path: ['policies', 'cascades', 0, 'escalate_on', 0, 'json_schema', 'type'] });
    expect(firstIssue({ ...base, escalate_on: [{ json_schema: { type: 'object', required: 'answer' } }] })).toMatchObject({ path: ['policies', 'cascades', 0, 'escalate_on', 0, 'json_schema', 'required'] });
    expect(firstIssue({ ...base, escalate_on: [{ json_schema: { if: { type: 'object' }, then: {} } }] }).path).toEqual(['policies', 'cascades', 0, 'escalate_on', 0, 'json_schema', 'if']);
    expect(firstIssue({ ...base, escalate_on: [{ json_schema: { $ref: '#/$defs/missing' } }] }).message).toContain('#/$defs/missing');
  });

  it('says which checks exist when given an unknown one', () => {
    const issue = firstIssue({ ...base, escalate_on: ['timeout'] });
    expect(issue.path).toEqual(['policies', 'cascades', 0, 'escalate_on', 0]);
    expect(issue.message).toContain('must be error, length, { json_schema: {...} } or { regex:');
    expect(firstIssue({ ...base, escalate_on: [{ regx: 'x' }] }).message).toContain('must be error, length');
  });

  it('requires at least one check, and a `then` other than `first`', () => {
    expect(firstIssue({ ...base, escalate_on: [] }).message).toContain('must list at least one check');
    expect(firstIssue({ ...base, then: { model: 'gpt-4.1-mini' }, escalate_on: ['error'] })).toMatchObject({ path: ['policies', 'cascades', 0, 'then', 'model'] });
  });

  it('refuses a provider that is not configured, naming the step', () => {
    expect(firstIssue({ ...base, first: { model: 'gpt-4.1-mini', provider: 'openia' }, escalate_on: ['error'] })).toMatchObject({
      path: ['policies', 'cascades', 0, 'first', 'provider'],
      message: 'names "openia", which is not in gateway.providers (openai, anthropic)',
    });
  });

  it('refuses unknown fields of a rule and of its checks', () => {
    expect(firstIssue({ ...base, escalate_on: ['error'], fallback: 'gpt-4.1' }).path).toEqual(['policies', 'cascades', 0]);
    expect(firstIssue({ ...base, escalate_on: [{ regex: 'x', must: true }] }).path).toEqual(['policies', 'cascades', 0, 'escalate_on', 0]);
  });
});
