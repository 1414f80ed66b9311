import type { CascadeAnswer } from './cascade-answer.js';
import type { CascadeRule, EscalationCheck } from './gateway-config.js';
import type { GatewayTags } from './gateway-tags.js';
import { compileJsonSchema, type JsonSchemaFailure } from './json-schema-check.js';
import { matchesPolicy } from './matches-policy.js';

/** The cascade a call falls under: its rule, where that rule is in the config, and the two models it names. */
export interface CascadeChoice {
  rule: CascadeRule;
  /** Its index in gateway.policies.cascades. */
  index: number;
  first: { model: string; provider: string | undefined };
  /** The escalated call's model: the rule's `then`, else the model the client asked for. */
  then: { model: string; provider: string | undefined };
}

/** Picks the first cascade whose `when` matches the call, `when.model` read against the model the client asked for. */
export function chooseCascade(rules: readonly CascadeRule[], call: { tags: GatewayTags; model: string }): CascadeChoice | undefined {
  const index = rules.findIndex((rule) => matchesPolicy(rule.when, call));
  const rule = rules[index];
  if (rule === undefined) return undefined;
  return {
    rule,
    index,
    first: { model: rule.first.model, provider: rule.first.provider },
    then: rule.then === undefined ? { model: call.model, provider: undefined } : { model: rule.then.model, provider: rule.then.provider },
  };
}

/** Why a first answer escalated, as recorded in the escalated call's `cascade_reason`. */
export type EscalationReason = 'error' | 'length' | 'json_schema' | 'regex';

/** A check ready to run on answers: regexes and schemas compiled once per rule, not once per call. */
export type CompiledCheck =
  | { kind: 'error' }
  | { kind: 'length' }
  | { kind: 'json_schema'; check: (value: unknown) => JsonSchemaFailure | undefined }
  | { kind: 'regex'; pattern: RegExp; escalateIf: 'no_match' | 'match' };

/**
 * Compiles a rule's checks. The config schema has already compiled each one to validate it, so a failure here
 * means a rule that bypassed validation: that is a bug, and it throws.
 */
export function compileChecks(checks: readonly EscalationCheck[]): CompiledCheck[] {
  return checks.map((check): CompiledCheck => {
    if (check === 'error' || check === 'length') return { kind: check };
    if ('json_schema' in check) {
      const compiled = compileJsonSchema(check.json_schema);
      if (!compiled.ok) throw new Error(`cascade json_schema at ${compiled.path.join('.')}: ${compiled.message}`);
      return { kind: 'json_schema', check: compiled.check };
    }
    return { kind: 'regex', pattern: new RegExp(check.regex, check.flags), escalateIf: check.escalate_if };
  });
}

/** How the first attempt ended: the status of its event, and its answer when it produced one. */
export interface FirstAttempt {
  status: 'ok' | 'error' | 'timeout';
  /** Undefined when the answer could not be read (an error, or a body that is not the API's shape). */
  answer: CascadeAnswer | undefined;
}

/** Whether the first answer stands, or escalates and why (`detail` says what the check found, never the answer's text). */
export type CascadeVerdict = { escalate: false } | { escalate: true; reason: EscalationReason; detail: string };

/**
 * Judges the first attempt against the rule's checks, in the order the config lists them; the first that
 * fails decides. A failed call escalates only under `error`: without it the failure is the answer. The text
 * checks judge only an answer that came back whole and readable.
 */
export function judgeFirstAttempt(checks: readonly CompiledCheck[], attempt: FirstAttempt): CascadeVerdict {
  if (attempt.status !== 'ok') {
    return checks.some((check) => check.kind === 'error') ? { escalate: true, reason: 'error', detail: `the first call ended in ${attempt.status}` } : { escalate: false };
  }
  const answer = attempt.answer;
  for (const check of checks) {
    switch (check.kind) {
      case 'error':
        if (answer === undefined) return { escalate: true, reason: 'error', detail: 'the first answer could not be read' };
        break;
      case 'length':
        if (answer?.truncated === true) return { escalate: true, reason: 'length', detail: 'the first answer stopped at its output limit' };
        break;
      case 'json_schema': {
        const failure = answer === undefined ? { pointer: '', message: 'no answer to read' } : jsonFailure(check.check, answer.text);
        if (failure !== undefined) return { escalate: true, reason: 'json_schema', detail: `${failure.pointer} ${failure.message}`.trim() };
        break;
      }
      case 'regex': {
        const matched = answer !== undefined && check.pattern.test(answer.text);
        if (matched === (check.escalateIf === 'match')) {
          return { escalate: true, reason: 'regex', detail: check.escalateIf === 'match' ? `the answer matches /${check.pattern.source}/` : `the answer does not match /${check.pattern.source}/` };
        }
        break;
      }
    }
  }
  return { escalate: false };
}

function jsonFailure(check: (value: unknown) => JsonSchemaFailure | undefined, text: string): JsonSchemaFailure | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { pointer: '', message: 'the answer is not JSON' };
  }
  return check(value);
}
