import type { Logger } from 'pino';
import type { GatewayServices } from '../app/gateway/gateway-services.js';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { answerFormatOf, readAnswer, readStreamedAnswer, type AnswerFormat, type CascadeAnswer } from '../core/gateway/cascade-answer.js';
import { chooseCascade, compileChecks, judgeFirstAttempt, type CascadeChoice, type CompiledCheck } from '../core/gateway/cascade.js';
import type { RouteChoice } from '../core/gateway/choose-route.js';
import type { CascadeRule } from '../core/gateway/gateway-config.js';
import type { GatewayUsageEvent } from '../core/gateway/gateway-event.js';
import type { GatewayTags } from '../core/gateway/gateway-tags.js';
import type { CallAnswer, CallRequest, RequestHeaders } from './call-exchange.js';
import type { ClientConnection } from './client-connection.js';
import { parseJson } from './json-fields.js';
import { SseSplitter } from './sse-splitter.js';

/** What forwardCall is told for one attempt of a cascade, in place of what it would work out itself. */
export interface CascadeAttempt {
  /** The attempt's model: the cascade chose it, so the routing rules are not consulted. */
  routing: RouteChoice;
  /** Recorded in the event's attributes. */
  cascade: { attempt: 'first' | 'escalated'; rule: number; escalationModel?: string | undefined; reason?: string | undefined; detail?: string | undefined };
  /** Hears the attempt's event once it is recorded: the cascade judges the status and sums the costs. */
  onRecorded(event: GatewayUsageEvent): void;
}

/** A call a cascade takes: the rule, and how its answers are read. */
export interface CascadeMatch {
  choice: CascadeChoice;
  format: AnswerFormat;
}

/** The cascade a call falls under, or undefined: no rule matches, or the route generates no text to judge (embeddings). */
export function cascadeFor(rules: readonly CascadeRule[], route: string, call: { tags: GatewayTags; model: string }): CascadeMatch | undefined {
  if (rules.length === 0) return undefined;
  const format = answerFormatOf(route);
  const choice = format === undefined ? undefined : chooseCascade(rules, call);
  return choice === undefined || format === undefined ? undefined : { choice, format };
}

/** Everything a cascade needs of the client's call, whose body forwardCall has already read. */
export interface CascadeCall extends CascadeMatch {
  request: CallRequest;
  text: string;
  streamed: boolean;
  tags: GatewayTags;
  requestedModel: string;
  services: GatewayServices;
  logger: Logger;
  /** Runs one attempt through the ordinary pipeline: keys, caps, budgets, sessions, the cache and the recording. */
  forward(request: CallRequest, attempt: CascadeAttempt): Promise<CallAnswer>;
}

// Regexes and schemas compile once per rule, not per call; the config's rules live as long as the gateway.
const compiled = new WeakMap<CascadeRule, CompiledCheck[]>();

/**
 * Runs a call as a cascade: the first attempt goes to the cheap model and is read whole; if it passes the
 * rule's checks its answer is the client's, else the client's original request goes to the capable model
 * and that answer is. Each attempt is an ordinary call of the gateway, with its own event, reservation and
 * session step, and both carry one task id (the client's x-unitcost-task, else a new one) and steps 1 and 2.
 * A streamed first answer cannot be judged before its end, so it is read whole and replayed as the events it
 * was; an escalated stream is relayed live.
 */
export async function runCascade(call: CascadeCall): Promise<CallAnswer> {
  const { choice, services } = call;
  const checks = compiled.get(choice.rule) ?? compileChecks(choice.rule.escalate_on);
  compiled.set(choice.rule, checks);
  const taskId = call.tags.task_id ?? `task_${services.newCallId()}`;
  const client = call.request.client;
  const attemptRequest = (step: number): CallRequest => {
    const own: Record<string, string> = { 'x-unitcost-task': taskId };
    // A client that numbers its own steps keeps its number on both attempts; the `cascade` attribute tells them apart.
    if (call.tags.step === undefined) own['x-unitcost-step'] = String(step);
    return { headers: withHeaders(call.request.headers, own), text: () => Promise.resolve(call.text), client };
  };
  const routeTo = (target: { model: string; provider: string | undefined }): RouteChoice =>
    target.model === call.requestedModel && target.provider === undefined ? { routed: false } : { routed: true, model: target.model, provider: target.provider, rule: choice.index };

  let firstEvent: GatewayUsageEvent | undefined;
  const first = await call.forward(attemptRequest(1), {
    routing: routeTo(choice.first),
    // The model it would escalate to, kept on the first attempt: what its saving is priced against, whatever the config says later.
    cascade: { attempt: 'first', rule: choice.index, escalationModel: choice.then.model },
    onRecorded: (event) => (firstEvent = event),
  });
  const wholeStream = call.streamed && first.status === 200 && String(first.headers['content-type'] ?? '').includes('text/event-stream');
  const body = first.body === null ? '' : typeof first.body === 'string' ? first.body : await readWhole(first.body, client);
  const headers = { ...first.headers };
  const firstCost = firstEvent === undefined ? null : services.priceOf(firstEvent);
  const answered = (status: number, cascade: 'first' | 'escalated', cost: number | null): CallAnswer => {
    if (cost === null) delete headers['x-unitcost-cost-usd'];
    else headers['x-unitcost-cost-usd'] = formatPicodollarsExact(cost);
    headers['x-unitcost-cascade'] = cascade;
    return { status, headers, body };
  };

  // The gateway's own refusal (a budget, a session limit, no key) stands: escalating would walk around it.
  // A client gone, or a first attempt that left no event, ends the cascade too.
  const status = firstEvent?.status;
  if (firstEvent === undefined || firstEvent.attributes?.gateway_refusal !== undefined || status === 'cancelled' || client.gone) {
    return answered(first.status, 'first', firstCost);
  }
  const answer = first.status === 200 ? readFirstAnswer(call.format, body, wholeStream) : undefined;
  const verdict = judgeFirstAttempt(checks, { status: status === 'ok' ? 'ok' : status === 'timeout' ? 'timeout' : 'error', answer });
  if (!verdict.escalate) return answered(first.status, 'first', firstCost);

  call.logger.debug({ cascade: choice.index, first: choice.first.model, then: choice.then.model, reason: verdict.reason }, 'cascade escalated');
  let secondEvent: GatewayUsageEvent | undefined;
  const second = await call.forward(attemptRequest(2), {
    routing: routeTo(choice.then),
    cascade: { attempt: 'escalated', rule: choice.index, reason: verdict.reason, detail: verdict.detail },
    onRecorded: (event) => (secondEvent = event),
  });
  const secondHeaders = { ...second.headers };
  secondHeaders['x-unitcost-cascade'] = 'escalated';
  // A stream's cost is known only at its end, after the headers have gone; the stored events have both costs.
  const secondCost = secondEvent === undefined ? null : services.priceOf(secondEvent);
  if (firstCost === null || secondCost === null) delete secondHeaders['x-unitcost-cost-usd'];
  else secondHeaders['x-unitcost-cost-usd'] = formatPicodollarsExact(firstCost + secondCost);
  return { status: second.status, headers: secondHeaders, body: second.body };
}

function readFirstAnswer(format: AnswerFormat, body: string, streamed: boolean): CascadeAnswer | undefined {
  if (!streamed) {
    const parsed = parseJson(body);
    return parsed === undefined ? undefined : readAnswer(format, parsed);
  }
  const splitter = new SseSplitter();
  const events = [...splitter.push(body), ...splitter.finish()].map((event) => ({ event: event.event, data: parseJson(event.data) }));
  return readStreamedAnswer(format, events);
}

// Reads a relayed stream to its end. A client that leaves meanwhile cancels the relay, which then drains the
// upstream for its usage and records the attempt as cancelled, as it would for a stream the client read itself.
async function readWhole(stream: ReadableStream<Uint8Array>, client: ClientConnection): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const stopListening = client.onGone(() => void reader.cancel().catch(() => {}));
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return text;
  } finally {
    stopListening();
  }
}

// The client's headers with the attempt's own over them (its task and step), without copying the rest.
function withHeaders(base: RequestHeaders, own: Record<string, string>): RequestHeaders {
  const ownValue = (name: string): string | undefined => (Object.hasOwn(own, name) ? own[name] : undefined);
  return {
    get: (name) => ownValue(name.toLowerCase()) ?? base.get(name),
    has: (name) => ownValue(name.toLowerCase()) !== undefined || base.has(name),
    forEach: (callback) => {
      base.forEach((value, name) => {
        if (ownValue(name) === undefined) callback(value, name);
      });
      for (const name in own) callback(own[name]!, name);
    },
  };
}
