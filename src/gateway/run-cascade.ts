import type { Logger } from 'pino';
import type { GatewayServices } from '../app/gateway/gateway-services.js';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { answerFormatOf, readAnswer, readStreamedAnswer, type AnswerFormat, type CascadeAnswer } from '../core/gateway/cascade-answer.js';
import { chooseCascade, compileChecks, judgeFirstAttempt, type CascadeChoice, type CompiledCheck } from '../core/gateway/cascade.js';
import type { RouteChoice } from '../core/gateway/choose-route.js';
import type { CascadeRule } from '../core/gateway/gateway-config.js';
import type { GatewayUsageEvent } from '../core/gateway/gateway-event.js';
import type { GatewayTags } from '../core/gateway/gateway-tags.js';
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
  request: Request;
  text: string;
  streamed: boolean;
  tags: GatewayTags;
  requestedModel: string;
  services: GatewayServices;
  logger: Logger;
  /** Runs one attempt through the ordinary pipeline: keys, caps, budgets, sessions, the cache and the recording. */
  forward(request: Request, attempt: CascadeAttempt): Promise<Response>;
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
export async function runCascade(call: CascadeCall): Promise<Response> {
  const { choice, services } = call;
  const checks = compiled.get(choice.rule) ?? compileChecks(choice.rule.escalate_on);
  compiled.set(choice.rule, checks);
  const taskId = call.tags.task_id ?? `task_${services.newCallId()}`;
  const attemptRequest = (step: number): Request => {
    const headers = new Headers(call.request.headers);
    headers.set('x-unitcost-task', taskId);
    // A client that numbers its own steps keeps its number on both attempts; the `cascade` attribute tells them apart.
    if (call.tags.step === undefined) headers.set('x-unitcost-step', String(step));
    return new Request(call.request.url, { method: 'POST', headers, body: call.text, signal: call.request.signal });
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
  const wholeStream = call.streamed && first.status === 200 && (first.headers.get('content-type') ?? '').includes('text/event-stream');
  const body = first.body === null ? '' : wholeStream ? await readWhole(first.body, call.request.signal) : await first.text();
  const headers = headerRecord(first.headers);
  const firstCost = firstEvent === undefined ? null : services.priceOf(firstEvent);
  const answered = (status: number, cascade: 'first' | 'escalated', cost: number | null): Response => {
    if (cost === null) delete headers['x-unitcost-cost-usd'];
    else headers['x-unitcost-cost-usd'] = formatPicodollarsExact(cost);
    headers['x-unitcost-cascade'] = cascade;
    return new Response(body, { status, headers });
  };

  // The gateway's own refusal (a budget, a session limit, no key) stands: escalating would walk around it.
  // A client gone, or a first attempt that left no event, ends the cascade too.
  const status = firstEvent?.status;
  if (firstEvent === undefined || firstEvent.attributes?.gateway_refusal !== undefined || status === 'cancelled' || call.request.signal.aborted) {
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
  const secondHeaders = headerRecord(second.headers);
  secondHeaders['x-unitcost-cascade'] = 'escalated';
  // A stream's cost is known only at its end, after the headers have gone; the stored events have both costs.
  const secondCost = secondEvent === undefined ? null : services.priceOf(secondEvent);
  if (firstCost === null || secondCost === null) delete secondHeaders['x-unitcost-cost-usd'];
  else secondHeaders['x-unitcost-cost-usd'] = formatPicodollarsExact(firstCost + secondCost);
  return new Response(second.body, { status: second.status, headers: secondHeaders });
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
async function readWhole(stream: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const cancel = (): void => void reader.cancel().catch(() => {});
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
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
    signal.removeEventListener('abort', cancel);
  }
}

// A plain record, as forwardCall answers with; set-cookie stays a list.
function headerRecord(headers: Headers): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') record[name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) record['set-cookie'] = cookies;
  return record;
}
