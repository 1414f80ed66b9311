import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness } from './gateway-test-harness.js';

const harnesses: GatewayHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(sessions: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<{ harness: GatewayHarness; openai: OpenAI; anthropic: Anthropic }> {
  const harness = await startGatewayHarness({ gateway: () => ({ policies: { sessions, ...extra } }) });
  harnesses.push(harness);
  return {
    harness,
    openai: new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey: 'sk-client-key', maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: harness.anthropicBaseUrl, apiKey: 'sk-ant-client-key', maxRetries: 0 }),
  };
}

// gpt-4.1 with at most 2,000 output tokens reserves about $0.016; the fake's answer costs $0.010916.
const request = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'Fix the failing test.' }], max_completion_tokens: 2_000 };
const inSession = (session: string) => ({ headers: { 'x-unitcost-feature': 'coding-agent', 'x-unitcost-session': session } });

describe('the gateway\'s session limits', () => {
  it('refuses the call after a session\'s last allowed one, and lets another session go on', async () => {
    const { harness, openai } = await start([{ when: { feature: 'coding-agent' }, max_calls: 3 }]);
    for (let step = 0; step < 3; step += 1) await openai.chat.completions.create(request, inSession('run-1'));
    const failure = await openai.chat.completions.create(request, inSession('run-1')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ type: 'insufficient_quota', code: 'gateway_session_limit' });
    expect((failure as Error).message).toContain('unitcost gateway (session): session "run-1" has made 3 calls, its limit of 3 (max_calls of gateway.policies.sessions[0])');
    await openai.chat.completions.create(request, inSession('run-2'));
    await openai.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'coding-agent' } });
    expect(harness.fake.requests).toHaveLength(5);
    const refusals = (await harness.storedEvents()).filter((event) => event.status === 'error');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ session_id: 'run-1', output_tokens: 0n });
    expect(JSON.parse(String(refusals[0]!.attributes))).toMatchObject({ gateway_refusal: 'session_limit', session_limit: 'calls' });
  });

  it('stops a session at its dollars, reserving each call\'s worst case first', async () => {
    const { harness, openai } = await start([{ when: { feature: 'coding-agent' }, max_usd: 0.03 }]);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => openai.chat.completions.create(request, inSession('run-1')).then(() => 'ok', (error: unknown) => error)),
    );
    const answered = outcomes.filter((outcome) => outcome === 'ok').length;
    // Each call holds ~$0.016 until it settles at ~$0.011: however they interleave, the spend stays under the limit.
    expect(answered).toBeGreaterThanOrEqual(1);
    expect(answered).toBeLessThan(10);
    const failure = await openai.chat.completions.create(request, inSession('run-1')).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(/session "run-1" has spent \$0\.0[12]\d* of its \$0\.03 \(max_usd of gateway\.policies\.sessions\[0\]\); this call could cost up to \$0\.01\d*/);
    expect(harness.fake.requests).toHaveLength(answered);
    const events = await harness.storedEvents();
    const spent = events.filter((event) => event.status === 'ok').reduce((sum, event) => sum + (event.cost_total as bigint), 0n);
    expect(spent).toBeLessThanOrEqual(30_000_000_000n);
  });

  it('counts an answer from the response cache as a step', async () => {
    const cache = { response_cache: [{ when: { feature: 'coding-agent' }, ttl_seconds: 60 }] };
    const { harness, openai } = await start([{ when: { feature: 'coding-agent' }, max_calls: 2 }], cache);
    await openai.chat.completions.create(request, inSession('run-1'));
    await openai.chat.completions.create(request, inSession('run-1'));
    await expect(openai.chat.completions.create(request, inSession('run-1'))).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    expect(harness.fake.requests).toHaveLength(1);
  });

  it('refuses in Anthropic\'s error shape on the Messages API', async () => {
    const { anthropic } = await start([{ when: {}, max_calls: 1 }]);
    const message = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Fix the failing test.' }] };
    await anthropic.messages.create(message, { headers: { 'x-unitcost-session': 'run-1' } });
    const failure = await anthropic.messages.create(message, { headers: { 'x-unitcost-session': 'run-1' } }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
    expect((failure as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect((failure as Error).message).toContain('session "run-1" has made 1 calls, its limit of 1');
  });
});
