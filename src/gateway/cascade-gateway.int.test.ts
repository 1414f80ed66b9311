import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { startGatewayHarness, type GatewayHarness, type HarnessOptions, type StoredEventRow } from './gateway-test-harness.js';

const harnesses: GatewayHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(options: HarnessOptions): Promise<{ harness: GatewayHarness; openai: OpenAI; anthropic: Anthropic }> {
  const harness = await startGatewayHarness(options);
  harnesses.push(harness);
  return {
    harness,
    openai: new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey: 'sk-client-key', maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: harness.anthropicBaseUrl, apiKey: 'sk-ant-client-key', maxRetries: 0 }),
  };
}

const cascades = (...rules: Array<Record<string, unknown>>): HarnessOptions['gateway'] => () => ({ policies: { cascades: rules } });
const answerSchema = { type: 'object', properties: { ships: { type: 'string' } }, required: ['ships'], additionalProperties: false };
const jsonCascade = { when: { feature: 'extraction' }, first: { model: 'gpt-4.1-mini' }, escalate_on: ['error', 'length', { json_schema: answerSchema }] };
const extraction = { headers: { 'x-unitcost-feature': 'extraction' } };
const messages = [{ role: 'user' as const, content: 'When does my order ship? Answer in JSON.' }];
const attributesOf = (event: StoredEventRow | undefined): Record<string, unknown> => JSON.parse(String(event?.attributes));

describe('the gateway\'s cascade', () => {
  it('answers from the cheap model when its answer passes, recording one call of a new task', async () => {
    const { harness, openai } = await start({ gateway: cascades(jsonCascade), fake: { text: '{"ships":"Thursday"}' } });
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4.1', messages }, extraction).withResponse();
    expect(data.choices[0]?.message.content).toBe('{"ships":"Thursday"}');
    expect(harness.fake.requests.map((request) => request.body.model)).toEqual(['gpt-4.1-mini']);
    expect(response.headers.get('x-unitcost-route')).toBe('openai/gpt-4.1-mini');
    expect(response.headers.get('x-unitcost-cascade')).toBe('first');
    const [event, ...rest] = await harness.storedEvents();
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({ model: 'gpt-4.1-mini', step: 1, status: 'ok', feature: 'extraction' });
    expect(String(event!.task_id)).toMatch(/^task_gw_/);
    // The model it would have escalated to is kept, so its saving is priced against it even after the config changes.
    expect(attributesOf(event)).toMatchObject({ cascade: 'first', cascade_rule: 0, cascade_escalation_model: 'gpt-4.1', routed_from: 'gpt-4.1' });
    expect(response.headers.get('x-unitcost-cost-usd')).toBe(formatPicodollarsExact(event!.cost_total as bigint));
  });

  it('escalates an answer that fails the JSON schema to the model asked for, recording both calls under the client\'s task', async () => {
    const { harness, openai } = await start({
      gateway: cascades(jsonCascade),
      fake: { textByModel: { 'gpt-4.1-mini': 'It ships on Thursday.', 'gpt-4.1': '{"ships":"Thursday"}' } },
    });
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4.1', messages, temperature: 0 }, { headers: { ...extraction.headers, 'x-unitcost-task': 'ticket-42' } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('{"ships":"Thursday"}');
    // The capable model gets the client's request as it was sent, not the first attempt's.
    expect(harness.fake.requests.map((request) => request.body.model)).toEqual(['gpt-4.1-mini', 'gpt-4.1']);
    expect(harness.fake.requests[1]?.body).toEqual({ model: 'gpt-4.1', messages, temperature: 0 });
    expect(response.headers.get('x-unitcost-route')).toBe('openai/gpt-4.1');
    expect(response.headers.get('x-unitcost-cascade')).toBe('escalated');
    const events = await harness.storedEvents();
    const first = events.find((event) => attributesOf(event).cascade === 'first');
    const escalated = events.find((event) => attributesOf(event).cascade === 'escalated');
    expect(first).toMatchObject({ model: 'gpt-4.1-mini', task_id: 'ticket-42', step: 1, status: 'ok' });
    expect(escalated).toMatchObject({ model: 'gpt-4.1', task_id: 'ticket-42', step: 2, status: 'ok' });
    expect(first!.id).not.toBe(escalated!.id);
    expect(attributesOf(escalated)).toMatchObject({ cascade_reason: 'json_schema', cascade_detail: 'the answer is not JSON' });
    expect(attributesOf(escalated).routed_from).toBeUndefined();
    expect(response.headers.get('x-unitcost-cost-usd')).toBe(formatPicodollarsExact((first!.cost_total as bigint) + (escalated!.cost_total as bigint)));
  });

  it('replays a streamed first answer that passes, and streams the escalated one live when it does not', async () => {
    const passing = await start({ gateway: cascades(jsonCascade), fake: { text: '{"ships":"Thursday"}' } });
    const read = async (client: OpenAI): Promise<{ text: string; cascade: string | null; cost: string | null }> => {
      const { data, response } = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }, extraction).withResponse();
      let text = '';
      for await (const chunk of data) {
        text += chunk.choices[0]?.delta.content ?? '';
        // The usage chunk the gateway asked for is held back, in the replayed stream as in the live one.
        expect(chunk.choices.length > 0 && chunk.usage == null).toBe(true);
      }
      return { text, cascade: response.headers.get('x-unitcost-cascade'), cost: response.headers.get('x-unitcost-cost-usd') };
    };
    const replayed = await read(passing.openai);
    expect(replayed).toMatchObject({ text: '{"ships":"Thursday"}', cascade: 'first' });
    expect(passing.harness.fake.requests).toHaveLength(1);
    // Read whole before it was sent, the first answer's cost is known when its headers leave.
    const [firstEvent] = await passing.harness.storedEvents();
    expect(replayed.cost).toBe(formatPicodollarsExact(firstEvent!.cost_total as bigint));

    const { harness, openai } = await start({ gateway: cascades(jsonCascade), fake: { truncatedModels: ['gpt-4.1-mini'], text: '{"ships":"Thursday"}' } });
    const escalated = await read(openai);
    expect(escalated).toEqual({ text: '{"ships":"Thursday"}', cascade: 'escalated', cost: null });
    expect(harness.fake.requests.map((request) => [request.body.model, request.body.stream])).toEqual([
      ['gpt-4.1-mini', true],
      ['gpt-4.1', true],
    ]);
    const events = await harness.storedEvents();
    expect(events.map((event) => [event.model, event.step, attributesOf(event).cascade, attributesOf(event).cascade_reason ?? null])).toEqual(
      expect.arrayContaining([
        ['gpt-4.1-mini', 1, 'first', null],
        ['gpt-4.1', 2, 'escalated', 'length'],
      ]),
    );
    expect(events.every((event) => (event.output_tokens as bigint) > 0n && event.task_id === events[0]!.task_id)).toBe(true);
  });

  it('escalates an Anthropic stream cut at max_tokens, and an upstream error, to the capable model', async () => {
    const rule = { when: { model: 'claude-sonnet-4-5' }, first: { model: 'claude-haiku-4-5' }, escalate_on: ['error', 'length'] };
    const { harness, anthropic } = await start({ gateway: cascades(rule), fake: { truncatedModels: ['claude-haiku-4-5'], textByModel: { 'claude-sonnet-4-5': 'Thursday, by courier.' } } });
    const request = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user' as const, content: 'When does my order ship?' }] };
    const message = await anthropic.messages.stream(request).finalMessage();
    expect(message).toMatchObject({ model: 'claude-sonnet-4-5', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Thursday, by courier.' }] });
    const { data, response } = await anthropic.messages.create(request).withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'Thursday, by courier.' });
    expect(response.headers.get('x-unitcost-cascade')).toBe('escalated');
    expect(response.headers.get('x-unitcost-route')).toBe('anthropic/claude-sonnet-4-5');
    expect(harness.fake.requests.map((request) => request.body.model)).toEqual(['claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-sonnet-4-5']);

    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const failing = await start({ gateway: cascades(rule), fake: { failWith: { status: 529, body: overloaded, times: 1 } } });
    const recovered = await failing.anthropic.messages.create(request).withResponse();
    expect(recovered.data.model).toBe('claude-sonnet-4-5');
    expect(recovered.response.headers.get('x-unitcost-cascade')).toBe('escalated');
    const events = await failing.harness.storedEvents();
    expect(events.map((event) => [event.model, event.status, attributesOf(event).cascade_reason ?? null])).toEqual(
      expect.arrayContaining([
        ['claude-haiku-4-5', 'error', null],
        ['claude-sonnet-4-5', 'ok', 'error'],
      ]),
    );
  });

  it('passes an upstream error through when `error` is not a check, and never escalates past the gateway\'s own refusal', async () => {
    const upstreamError = { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } };
    const lengthOnly = { ...jsonCascade, escalate_on: ['length'] };
    const { harness, openai } = await start({ gateway: cascades(lengthOnly), fake: { failWith: { status: 429, body: upstreamError, times: 1 } } });
    const failure = await openai.chat.completions.create({ model: 'gpt-4.1', messages }, extraction).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect(harness.fake.requests).toHaveLength(1);

    const refused = await start({ gateway: cascades(jsonCascade), budgets: [{ name: 'tiny', period: 'day', limit_usd: 0.000001, mode: 'hard' }] });
    const refusal = await refused.openai.chat.completions.create({ model: 'gpt-4.1', messages }, extraction).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refusal as Error).message).toContain('budget "tiny"');
    expect(refused.harness.fake.requests).toHaveLength(0);
    const [event, ...rest] = await refused.harness.storedEvents();
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({ model: 'gpt-4.1-mini', step: 1 });
    expect(attributesOf(event)).toMatchObject({ cascade: 'first', gateway_refusal: 'budget_exceeded', budget: 'tiny' });
  });

  it('counts each attempt as a step of its session, and a budget\'s spend, as any call', async () => {
    const { harness, openai } = await start({
      gateway: () => ({ policies: { cascades: [jsonCascade], sessions: [{ when: { feature: 'extraction' }, max_calls: 3 }] } }),
      budgets: [{ name: 'extraction-daily', per: 'feature', equals: 'extraction', period: 'day', limit_usd: 100, mode: 'hard' }],
      fake: { textByModel: { 'gpt-4.1-mini': 'Thursday', 'gpt-4.1': '{"ships":"Thursday"}' } },
    });
    const inSession = { headers: { ...extraction.headers, 'x-unitcost-session': 'run-1' } };
    await openai.chat.completions.create({ model: 'gpt-4.1', messages }, inSession);
    // A reservation larger than any limit is refused with what the budget holds: both attempts spent, nothing left reserved.
    const probe = harness.services.budgets.reserve({ feature: 'extraction' }, Number.MAX_SAFE_INTEGER, harness.services.now());
    expect(probe.ok).toBe(false);
    // The third step is the second call's cheap attempt; its escalation would be a fourth, which the session refuses.
    const refusal = await openai.chat.completions.create({ model: 'gpt-4.1', messages }, inSession).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refusal as Error).message).toContain('has made 3 calls, its limit of 3');
    expect(harness.fake.requests.map((request) => request.body.model)).toEqual(['gpt-4.1-mini', 'gpt-4.1', 'gpt-4.1-mini']);
    const events = await harness.storedEvents();
    const firstTwo = events.filter((event) => event.status === 'ok').slice(0, 2);
    expect(firstTwo.map((event) => attributesOf(event).cascade)).toEqual(['first', 'escalated']);
    expect(probe.ok ? undefined : { spent: probe.breach.spent, reserved: probe.breach.reserved }).toEqual({
      spent: Number((firstTwo[0]!.cost_total as bigint) + (firstTwo[1]!.cost_total as bigint)),
      reserved: 0,
    });
  });

  it('sends nothing further when the client leaves while the first stream is read', async () => {
    const { harness, openai } = await start({ gateway: cascades(jsonCascade), fake: { streamDelayMs: 40, text: 'one two three four five six seven eight nine ten' } });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 120);
    const failure = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }, { ...extraction, signal: abort.signal }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIUserAbortError);
    const events = await (async () => {
      // The relay drains the upstream for its usage before it records the attempt.
      for (let waited = 0; waited < 2_000 && harness.services.recorderCounters().recorded === 0; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      return harness.storedEvents();
    })();
    expect(harness.fake.requests).toHaveLength(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ model: 'gpt-4.1-mini', status: 'cancelled' });
  });

  it('judges a Responses API answer left incomplete for want of output tokens', async () => {
    const rule = { when: {}, first: { model: 'gpt-5-nano' }, escalate_on: ['length'] };
    const { harness, openai } = await start({ gateway: cascades(rule), fake: { truncatedModels: ['gpt-5-nano'] } });
    const response = await openai.responses.create({ model: 'gpt-5-mini', input: 'Summarize the ticket.' }, { headers: { 'x-unitcost-step': '7' } });
    expect(response.model).toBe('gpt-5-mini');
    expect(response.status).toBe('completed');
    expect(harness.fake.requests.map((request) => request.body.model)).toEqual(['gpt-5-nano', 'gpt-5-mini']);
    // Embeddings generate no text to judge: they are never cascaded.
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'ticket' });
    expect(harness.fake.requests.at(-1)?.body.model).toBe('text-embedding-3-small');
    // A client that numbers its own steps keeps its number on both attempts.
    const events = await harness.storedEvents();
    expect(events.filter((event) => attributesOf(event).cascade !== undefined).map((event) => [event.model, event.step])).toEqual(
      expect.arrayContaining([
        ['gpt-5-nano', 7],
        ['gpt-5-mini', 7],
      ]),
    );
  });
});
