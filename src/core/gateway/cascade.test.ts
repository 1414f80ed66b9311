import { describe, expect, it } from 'vitest';
import { chooseCascade, compileChecks, judgeFirstAttempt, type CompiledCheck } from './cascade.js';
import { cascadeRuleSchema, type CascadeRule } from './gateway-config.js';

const rule = (input: Record<string, unknown>): CascadeRule => cascadeRuleSchema.parse(input);
// Through the config's schema, as the gateway gets them: defaults filled in.
const checksOf = (checks: unknown[]): CompiledCheck[] => compileChecks(rule({ first: { model: 'gpt-4.1-mini' }, escalate_on: checks }).escalate_on);
const extraction = rule({ when: { feature: 'extraction' }, first: { model: 'gpt-4.1-mini' }, then: { model: 'gpt-4.1' }, escalate_on: ['error', 'length'] });
const anyCall = rule({ when: {}, first: { model: 'claude-haiku-4-5', provider: 'anthropic' }, escalate_on: ['error'] });

const ok = (text: string, truncated = false) => ({ status: 'ok' as const, answer: { text, truncated } });
const answerSchema = { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } }, required: ['answer'] };

describe('chooseCascade', () => {
  it('takes the first rule that matches, and names both models', () => {
    expect(chooseCascade([extraction, anyCall], { tags: { feature: 'extraction' }, model: 'gpt-4.1' })).toMatchObject({
      index: 0,
      first: { model: 'gpt-4.1-mini', provider: undefined },
      then: { model: 'gpt-4.1', provider: undefined },
    });
  });

  it('escalates to the model the client asked for when the rule names no `then`', () => {
    expect(chooseCascade([extraction, anyCall], { tags: { feature: 'search' }, model: 'claude-opus-4-1' })).toMatchObject({
      index: 1,
      first: { model: 'claude-haiku-4-5', provider: 'anthropic' },
      then: { model: 'claude-opus-4-1', provider: undefined },
    });
  });

  it('matches `when.model` against the model the client asked for', () => {
    const onlyGpt5 = rule({ when: { model: 'gpt-5*' }, first: { model: 'gpt-5-nano' }, escalate_on: ['length'] });
    expect(chooseCascade([onlyGpt5], { tags: {}, model: 'gpt-5' })?.then.model).toBe('gpt-5');
    expect(chooseCascade([onlyGpt5], { tags: {}, model: 'gpt-4.1' })).toBeUndefined();
  });
});

describe('judgeFirstAttempt', () => {
  it('lets a good first answer stand', () => {
    expect(judgeFirstAttempt(checksOf(['error', 'length']), ok('Thursday.'))).toEqual({ escalate: false });
  });

  it('escalates a failed or timed-out first call only when `error` is among the checks', () => {
    expect(judgeFirstAttempt(checksOf(['error']), { status: 'error', answer: undefined })).toMatchObject({ escalate: true, reason: 'error' });
    expect(judgeFirstAttempt(checksOf(['error']), { status: 'timeout', answer: undefined })).toMatchObject({ escalate: true, reason: 'error', detail: 'the first call ended in timeout' });
    expect(judgeFirstAttempt(checksOf(['length', { regex: 'x' }]), { status: 'error', answer: undefined })).toEqual({ escalate: false });
  });

  it('escalates an answer cut off at its output limit under `length`', () => {
    expect(judgeFirstAttempt(checksOf(['length']), ok('The order ships on', true))).toMatchObject({ escalate: true, reason: 'length' });
    expect(judgeFirstAttempt(checksOf(['error']), ok('The order ships on', true))).toEqual({ escalate: false });
  });

  it('escalates an answer that is not JSON, or JSON that does not fit the schema, naming where it fails', () => {
    const checks = checksOf([{ json_schema: answerSchema }]);
    expect(judgeFirstAttempt(checks, ok('{"answer":"Thursday","confidence":0.9}'))).toEqual({ escalate: false });
    expect(judgeFirstAttempt(checks, ok('Sure! {"answer":"Thursday"}'))).toEqual({ escalate: true, reason: 'json_schema', detail: 'the answer is not JSON' });
    const outOfRange = judgeFirstAttempt(checks, ok('{"answer":"Thursday","confidence":7}'));
    expect(outOfRange).toMatchObject({ escalate: true, reason: 'json_schema' });
    expect(outOfRange.escalate && outOfRange.detail).toContain('/confidence');
    expect(judgeFirstAttempt(checks, ok('{"confidence":0.5}'))).toMatchObject({ escalate: true, reason: 'json_schema' });
  });

  it('escalates an answer that misses a required form, or that matches a form to avoid', () => {
    const mustBeYesNo = checksOf([{ regex: '^(yes|no)$', flags: 'i' }]);
    expect(judgeFirstAttempt(mustBeYesNo, ok('YES'))).toEqual({ escalate: false });
    expect(judgeFirstAttempt(mustBeYesNo, ok('Probably yes'))).toMatchObject({ escalate: true, reason: 'regex', detail: 'the answer does not match /^(yes|no)$/' });
    const noHedging = checksOf([{ regex: "I (don't|do not) know", escalate_if: 'match' }]);
    expect(judgeFirstAttempt(noHedging, ok("I don't know when it ships."))).toMatchObject({ escalate: true, reason: 'regex' });
    expect(judgeFirstAttempt(noHedging, ok('It ships on Thursday.'))).toEqual({ escalate: false });
  });

  it('reports the first failing check in the order the config lists them', () => {
    const checks = checksOf([{ regex: '^\\{' }, 'length']);
    expect(judgeFirstAttempt(checks, ok('cut', true))).toMatchObject({ reason: 'regex' });
    expect(judgeFirstAttempt(checksOf(['length', { regex: '^\\{' }]), ok('cut', true))).toMatchObject({ reason: 'length' });
  });

  it('treats an unreadable answer as failing its text checks, and as an error under `error`', () => {
    expect(judgeFirstAttempt(checksOf([{ regex: "I don't know", escalate_if: 'match' }]), { status: 'ok', answer: undefined })).toEqual({ escalate: false });
    expect(judgeFirstAttempt(checksOf([{ regex: '.' }]), { status: 'ok', answer: undefined })).toMatchObject({ escalate: true, reason: 'regex' });
    expect(judgeFirstAttempt(checksOf(['error']), { status: 'ok', answer: undefined })).toMatchObject({ escalate: true, reason: 'error' });
  });
});
