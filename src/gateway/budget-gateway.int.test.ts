import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness, type HarnessOptions } from './gateway-test-harness.js';

const harnesses: GatewayHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(options: HarnessOptions): Promise<{ harness: GatewayHarness; client: OpenAI }> {
  const harness = await startGatewayHarness(options);
  harnesses.push(harness);
  return { harness, client: new OpenAI({ baseURL: harness.openaiBaseUrl, apiKey: 'sk-client-key', maxRetries: 0 }) };
}

// gpt-4.1 at $2/M input, $0.50/M cached and $8/M output: the fake's usage costs $0.010916 a call, and a call
// limited to 2,000 output tokens reserves about $0.016, more than it can cost, as a reservation must.
const request = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'When does my order ship?' }], max_completion_tokens: 2_000 };
const picodollars = (usd: number): bigint => BigInt(Math.round(usd * 1e12));
const budgets = (limitUsd: number) => [{ name: 'support-daily', per: 'feature', period: 'day', limit_usd: limitUsd, mode: 'hard' }];
const tagged = { headers: { 'x-unitcost-feature': 'support-faq' } };

describe('the gateway\'s hard budgets', () => {
  it('lets 100 concurrent callers spend no more than the budget and one reservation', async () => {
    const { harness, client } = await start({ budgets: budgets(0.1) });
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () =>
        client.chat.completions.create(request, tagged).then(
          () => 'ok',
          (error: unknown) => error,
        ),
      ),
    );
    const refused = outcomes.filter((outcome) => outcome !== 'ok');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(100);
    for (const failure of refused) {
      expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
      expect((failure as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ type: 'insufficient_quota', code: 'gateway_budget_exceeded' });
      expect((failure as Error).message).toMatch(/unitcost gateway \(budget\): budget "support-daily" \(feature support-faq\) has spent \$[\d.]+ of its \$0\.10 today/);
    }
    expect(harness.fake.requests).toHaveLength(100 - refused.length);
    const events = await harness.storedEvents();
    const spent = events.filter((event) => event.status === 'ok').reduce((sum, event) => sum + (event.cost_total as bigint), 0n);
    expect(spent).toBeLessThanOrEqual(picodollars(0.1) + picodollars(0.017));
    const refusals = events.filter((event) => event.status === 'error');
    expect(refusals).toHaveLength(refused.length);
    expect(JSON.parse(String(refusals[0]!.attributes))).toMatchObject({ gateway_refusal: 'budget_exceeded', budget: 'support-daily' });
  });

  it('keeps a budget spent across a restart, reading the spend back from the store', async () => {
    const first = await start({ budgets: budgets(0.02) });
    await first.client.chat.completions.create(request, tagged);
    await expect(first.client.chat.completions.create(request, tagged)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await first.harness.close();

    const second = await start({ budgets: budgets(0.02), directory: first.harness.directory });
    const failure = await second.client.chat.completions.create(request, tagged).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as Error).message).toContain('has spent $0.0109 of its $0.02 today');
    expect(second.harness.fake.requests).toHaveLength(0);
    await second.client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'other-feature' } });
  });

  it('holds a budget over all spend against every call, tagged or not, and after a restart', async () => {
    const overall = [{ name: 'all-daily', period: 'day', limit_usd: 0.02, mode: 'hard' }];
    const first = await start({ budgets: overall });
    await first.client.chat.completions.create(request, tagged);
    const failure = await first.client.chat.completions.create(request).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as Error).message).toMatch(/budget "all-daily" \(all spend\) has spent \$0\.0109 of its \$0\.02 today/);
    await first.harness.close();

    const second = await start({ budgets: overall, directory: first.harness.directory });
    await expect(second.client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'other-feature' } })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    expect(second.harness.fake.requests).toHaveLength(0);
  });

  it('lets calls pass a soft budget and marks them', async () => {
    const { harness, client } = await start({ budgets: [{ name: 'soft-cap', per: 'feature', period: 'month', limit_usd: 0.001, mode: 'soft' }] });
    await client.chat.completions.create(request, tagged);
    const [event] = await harness.storedEvents();
    expect(event).toMatchObject({ status: 'ok' });
    expect(JSON.parse(String(event!.attributes))).toMatchObject({ soft_budgets_exceeded: 'soft-cap' });
    expect(harness.logs.join('\n')).toContain('soft budget exceeded');
  });
});
