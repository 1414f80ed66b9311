import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { fakeUsage } from '../testing/fake-provider-server.js';
import { startGatewayHarness, type GatewayHarness, type HarnessOptions } from './gateway-test-harness.js';

/*
 * The built CLI stores the gateway's events from a process of its own (src/app/gateway/process-store-delivery.ts),
 * which vitest's own runs do not pick by default: these run the gateway with it, through the official SDKs.
 */

const harnesses: GatewayHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(options: HarnessOptions = {}): Promise<{ harness: GatewayHarness; openai: OpenAI; anthropic: Anthropic }> {
  const harness = await startGatewayHarness({ ...options, storeWriterProcess: true });
  harnesses.push(harness);
  return {
    harness,
    openai: new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey: 'sk-client-key', maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: harness.anthropicBaseUrl, apiKey: 'sk-ant-client-key', maxRetries: 0 }),
  };
}

const messages = [{ role: 'user' as const, content: 'When does my order ship?' }];
const tagged = { headers: { 'x-unitcost-feature': 'support-faq' } };

describe('the gateway storing its events from a writer process', () => {
  it('stores every call once, streamed or not, with the exact usage and the cost its header said', async () => {
    const { harness, openai, anthropic } = await start();
    const plain = await openai.chat.completions.create({ model: 'gpt-4.1', messages }, tagged).withResponse();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }, tagged);
    for await (const _chunk of stream);
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages }, tagged);
    // Forty at once: they share deliveries, and each is still one row.
    await Promise.all(Array.from({ length: 40 }, () => openai.chat.completions.create({ model: 'gpt-4.1', messages }, tagged)));
    const events = await harness.storedEvents();
    expect(harness.problems).toEqual([]);
    expect(events).toHaveLength(43);
    expect(new Set(events.map((event) => event.id)).size).toBe(43);
    const chat = events.filter((event) => event.model === 'gpt-4.1');
    expect(chat).toHaveLength(42);
    for (const event of chat) {
      expect(event).toMatchObject({ input_tokens: BigInt(fakeUsage.openaiChat.prompt_tokens), output_tokens: BigInt(fakeUsage.openaiChat.completion_tokens), status: 'ok', feature: 'support-faq', source: 'gateway' });
    }
    // Every chat call billed the same usage, so each stored cost is the one the plain call's header said.
    expect(new Set(chat.map((event) => event.cost_total))).toEqual(new Set([chat[0]!.cost_total]));
    expect(plain.response.headers.get('x-unitcost-cost-usd')).toBe(formatPicodollarsExact(chat[0]!.cost_total as bigint));
    expect(events.find((event) => event.model === 'claude-sonnet-4-5')).toMatchObject({ provider: 'anthropic', status: 'ok' });
    expect(harness.services.recorderCounters()).toMatchObject({ recorded: 43, delivered: 43, dropped: 0, queued: 0 });
  });

  it('keeps a budget spent across a restart: the writer’s rows are what the next gateway reads back', async () => {
    const budgets = [{ name: 'support-daily', per: 'feature', period: 'day', limit_usd: 0.02, mode: 'hard' }];
    const request = { model: 'gpt-4.1', messages, max_completion_tokens: 2_000 };
    const first = await start({ budgets });
    await first.openai.chat.completions.create(request, tagged);
    await expect(first.openai.chat.completions.create(request, tagged)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await first.harness.close();

    const second = await start({ budgets, directory: first.harness.directory });
    const failure = await second.openai.chat.completions.create(request, tagged).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as Error).message).toContain('has spent $0.0109 of its $0.02 today');
    const events = await second.harness.storedEvents();
    expect(events.map((event) => event.status)).toEqual(['ok', 'error', 'error']);
  });
});
