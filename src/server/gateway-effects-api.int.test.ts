import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { computeCostTotal } from '../core/cost/compute-cost.js';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { buildGatewayEvent, type GatewayCall } from '../core/gateway/gateway-event.js';
import { normalizedUsage } from '../core/usage/normalized-usage.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * GET /v1/gateway/effects over a real store file filled with events shaped exactly as the gateway writes them
 * (buildGatewayEvent, delivered by the gateway's own write path), read over HTTP. Expected dollars are worked out
 * here from the catalog's prices, call by call, never from the API's own sums.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-gateway-effects-'));
const day = '2026-03-05';
const dayMs = Date.parse(`${day}T00:00:00Z`);
let app: App;
let server: RunningServer;
let services: ServerServices;

interface Money {
  usd: number;
  exact: string;
}
interface Lever {
  lever: string;
  calls: number;
  saved: Money | null;
  basis: string;
  method: string;
  rows: Array<Record<string, unknown>>;
  what_if: Array<{ policy: string; savings_usd: number | null; calls_touched: number | null; caveats: string[]; error: string | null }>;
}
interface Effects {
  window: { from: string; to: string };
  gateway_calls: number;
  policies: Record<string, unknown[]>;
  levers: Lever[];
  refusals: Array<{ reason: string; budget: string | null; session_limit: string | null; calls: number }>;
  notes: string[];
}

let sequence = 0;
function call(overrides: Partial<GatewayCall> & { input: number; output: number; minute: number }): ReturnType<typeof buildGatewayEvent> {
  const { input, output, minute, ...rest } = overrides;
  sequence += 1;
  return buildGatewayEvent({
    id: `gw-${sequence}`,
    startedAtMs: dayMs + 10 * 3_600_000 + minute * 60_000,
    provider: 'openai',
    model: 'gpt-4.1-mini',
    usage: input + output === 0 ? null : normalizedUsage({ inputTotal: input, outputTotal: output }),
    estimated: false,
    status: 'ok',
    latencyMs: 100,
    tags: {},
    upstream: 'openai',
    endpoint: '/v1/chat/completions',
    ...rest,
  });
}

// What these tokens cost at a model on the test day, from the catalog: the figure the store itself would hold.
function costAt(model: string, input: number, output: number): bigint {
  const answer = app.catalog.priceAt(model, dayMs + 12 * 3_600_000, { provider: 'openai' });
  if (!answer.priced) throw new Error(`no price for ${model}`);
  return BigInt(computeCostTotal(normalizedUsage({ inputTotal: input, outputTotal: output }), answer.price.card));
}

const support = { feature: 'support', team: 'support' };
const routed = [
  call({ input: 2000, output: 300, minute: 1, tags: support, routedFrom: 'gpt-4.1', outputCap: { action: 'clamped', field: 'max_tokens', limit: 300, requested: 1000 } }),
  call({ input: 3000, output: 300, minute: 2, tags: support, routedFrom: 'gpt-4.1', outputCap: { action: 'clamped', field: 'max_tokens', limit: 300, requested: 800 } }),
  call({ input: 1500, output: 250, minute: 3, tags: support, routedFrom: 'gpt-4.1', outputCap: { action: 'set', field: 'max_tokens', limit: 300 } }),
];
// What `unitcost gateway --forward` posts to a server's POST /v1/events: a gateway call stored under the HTTP source.
const forwarded = call({ input: 2500, output: 200, minute: 5, tags: support, routedFrom: 'gpt-4.1' });
const faq = { feature: 'faq', team: 'web' };
const misses = [200, 300, 400].map((output, index) => call({ input: 1000, output, minute: 10 + index, model: 'gpt-4o-mini', tags: faq, responseCache: 'miss' }));
const hits = Array.from({ length: 5 }, (_, index) => call({ input: 0, output: 0, minute: 20 + index, model: 'gpt-4o-mini', tags: faq, responseCache: 'hit' }));
const refusals = [
  call({ input: 0, output: 0, minute: 30, tags: support, status: 'error', refusal: { reason: 'budget_exceeded', budget: 'support-daily' } }),
  call({ input: 0, output: 0, minute: 31, tags: support, status: 'error', refusal: { reason: 'budget_exceeded', budget: 'support-daily' } }),
  call({ input: 0, output: 0, minute: 32, tags: { feature: 'agent', session_id: 'run-7' }, status: 'error', refusal: { reason: 'session_limit', sessionLimit: 'calls' } }),
];
// Two cascaded requests: the first answered by gpt-4.1-nano; the second escalated to gpt-4.1 (the model asked for).
const extract = (task: string, step: number) => ({ feature: 'extract', task_id: task, step });
const cascades = [
  call({ input: 1200, output: 100, minute: 40, model: 'gpt-4.1-nano', tags: extract('t-1', 1), routedFrom: 'gpt-4.1', cascade: { attempt: 'first', rule: 0 } }),
  call({ input: 1300, output: 120, minute: 41, model: 'gpt-4.1-nano', tags: extract('t-2', 1), routedFrom: 'gpt-4.1', cascade: { attempt: 'first', rule: 0 } }),
  call({ input: 1300, output: 150, minute: 42, model: 'gpt-4.1', tags: extract('t-2', 2), cascade: { attempt: 'escalated', rule: 0, reason: 'length' } }),
];

beforeAll(async () => {
  writeFileSync(
    join(directory, 'unitcost.config.json'),
    JSON.stringify({
      gateway: {
        providers: { openai: { api_key_env: 'OPENAI_API_KEY' } },
        policies: {
          output_caps: [{ when: { feature: 'support' }, max_output_tokens: 300 }],
          routes: [{ when: { feature: 'support', model: 'gpt-4.1' }, to: { model: 'gpt-4.1-mini' } }],
          response_cache: [{ when: { feature: 'faq' }, ttl_seconds: 3600 }],
          sessions: [{ when: { feature: 'agent' }, max_calls: 3 }],
        },
      },
      budgets: [{ name: 'support-daily', per: 'team', equals: 'support', period: 'day', limit_usd: 1, mode: 'hard' }],
    }),
  );
  app = createApp({ directory, now: () => new Date('2026-03-08T12:00:00Z') });
  ({ services } = await openServerServices(app, { db: join(directory, 'store.duckdb') }));
  server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  const events = [...routed, ...misses, ...hits, ...refusals, ...cascades];
  const stored = await services.ingestBatch(events.map((value, index) => ({ index, value })), 'gateway');
  expect(stored.accepted).toBe(events.length);
  // A call posted by an application, not the gateway, is not the gateway's effect even with the same attributes.
  const posted = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([forwarded, { id: 'app-1', timestamp: `${day}T11:00:00Z`, provider: 'openai', model: 'gpt-4.1-mini', input_tokens: 5000, output_tokens: 500, feature: 'support', attributes: { routed_from: 'gpt-4.1' } }]),
  });
  expect(posted.status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  await services?.close();
  rmSync(directory, { recursive: true, force: true });
});

const read = async (query: string): Promise<{ text: string; json: Effects }> => {
  const response = await fetch(`${server.url}/v1/gateway/effects${query}`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, json: JSON.parse(text) as Effects };
};
// Each answer replays a what-if per policy: the default window is asked for once and its answer shared by the tests.
let defaultWindow: Promise<{ text: string; json: Effects }> | undefined;
const effects = async (query = ''): Promise<Effects> => (query === '' ? (await (defaultWindow ??= read(''))).json : (await read(query)).json);
const lever = (result: Effects, name: string): Lever => result.levers.find((candidate) => candidate.lever === name)!;
const tokensOf = (event: ReturnType<typeof buildGatewayEvent>) => ({ input: event.input_tokens as number, output: event.output_tokens as number });

describe('GET /v1/gateway/effects', () => {
  it('prices each routed call at the model the client asked for, to the picodollar, counting forwarded gateway calls and no call an application posted', async () => {
    const result = await effects();
    expect(result.window).toEqual({ from: '2026-02-07', to: '2026-03-09' });
    const expected = [...routed, forwarded].reduce((sum, event) => {
      const { input, output } = tokensOf(event);
      return sum + costAt('gpt-4.1', input, output) - costAt('gpt-4.1-mini', input, output);
    }, 0n);
    expect(expected).toBeGreaterThan(0n);
    const route = lever(result, 'route');
    expect(route).toMatchObject({ calls: 4, basis: 'exact', saved: { exact: formatPicodollarsExact(expected) } });
    expect(route.rows).toEqual([expect.objectContaining({ from: 'gpt-4.1', to: 'gpt-4.1-mini', calls: 4, unpriced_calls: 0 })]);
  });

  it('values response-cache hits at the average cost of their misses, and says it is an estimate', async () => {
    const missCost = misses.reduce((sum, event) => sum + costAt('gpt-4o-mini', tokensOf(event).input, tokensOf(event).output), 0n);
    const cache = lever(await effects(), 'response_cache');
    expect(cache).toMatchObject({ calls: hits.length, basis: 'estimate', saved: { exact: formatPicodollarsExact((missCost * BigInt(hits.length)) / BigInt(misses.length)) } });
    expect(cache.method).toMatch(/estimate/);
    expect(cache.rows).toEqual([expect.objectContaining({ feature: 'faq', hits: 5, misses: 3 })]);
  });

  it('bounds what clamped output caps saved by the tokens asked for above the limit at the output price, and counts caps set', async () => {
    const clamped = routed.filter((event) => (event.attributes as Record<string, unknown>).output_cap === 'clamped');
    const bound = clamped.reduce((sum, event) => {
      const attributes = event.attributes as Record<string, number>;
      const { input, output } = tokensOf(event);
      return sum + costAt('gpt-4.1-mini', input, output + attributes.output_cap_requested! - attributes.output_cap_limit!) - costAt('gpt-4.1-mini', input, output);
    }, 0n);
    const caps = lever(await effects(), 'output_cap');
    expect(caps).toMatchObject({ calls: 3, basis: 'upper_bound', saved: { exact: formatPicodollarsExact(bound) } });
    expect(caps.rows).toEqual([
      expect.objectContaining({ limit: 300, action: 'clamped', calls: 2, tokens_above_limit: 700 + 500 }),
      expect.objectContaining({ limit: 300, action: 'set', calls: 1, upper_bound: null }),
    ]);
  });

  it('counts refusals by reason and budget, and a cascade saves what its answered calls would have cost on the escalation model less its failed first attempts', async () => {
    const result = await effects();
    expect(result.refusals).toEqual([
      { reason: 'budget_exceeded', budget: 'support-daily', session_limit: null, calls: 2 },
      { reason: 'session_limit', budget: null, session_limit: 'calls', calls: 1 },
    ]);
    expect(lever(result, 'budget')).toMatchObject({ calls: 2, saved: null, basis: 'not_measurable' });
    expect(lever(result, 'session_limit')).toMatchObject({ calls: 1, saved: null });
    const [answered, failed] = cascades;
    const saved = costAt('gpt-4.1', 1200, 100) - costAt('gpt-4.1-nano', 1200, 100) - costAt('gpt-4.1-nano', tokensOf(failed!).input, tokensOf(failed!).output);
    expect(tokensOf(answered!)).toEqual({ input: 1200, output: 100 });
    const cascade = lever(result, 'cascade');
    expect(cascade).toMatchObject({ calls: 2, saved: { exact: formatPicodollarsExact(saved) } });
    expect(cascade.rows).toEqual([expect.objectContaining({ first_model: 'gpt-4.1-nano', escalation_model: 'gpt-4.1', answered_first: 1, escalated: 1 })]);
  });

  it("puts each policy's what-if estimate over the same window beside it, and says which policies have none", async () => {
    const result = await effects();
    const cap = lever(result, 'output_cap').what_if;
    expect(cap.map((estimate) => estimate.policy)).toEqual(['gateway.policies.output_caps[0]']);
    const simulated = await fetch(`${server.url}/v1/simulate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ scenario: { name: 'cap', levers: [{ output_cap: { feature: 'support', max_tokens: 300 } }] }, from: result.window.from, to: result.window.to }),
    });
    const simulation = (await simulated.json()) as { total: { savings_usd: number; calls_touched: number } };
    expect(cap[0]).toMatchObject({ savings_usd: simulation.total.savings_usd, calls_touched: simulation.total.calls_touched, error: null });
    // The route's condition on the model asked for is one the replay cannot select on: the estimate says so.
    expect(lever(result, 'route').what_if[0]!.caveats.join(' ')).toMatch(/cannot select calls by model gpt-4\.1/);
    // The cache is replayed at the hit rate measured: 5 hits of 8 lookups.
    expect(lever(result, 'response_cache').what_if[0]!.caveats[0]).toMatch(/62\.5%/);
    expect(lever(result, 'session_limit').what_if.map((estimate) => estimate.policy)).toEqual(['gateway.policies.sessions[0]']);
    expect(lever(result, 'budget').what_if).toEqual([]);
    expect(result.notes.join(' ')).toMatch(/budgets have no what-if counterpart/);
  });

  it('lists the configured policies without the providers and the key variables they name', async () => {
    await effects();
    const { text, json: result } = await defaultWindow!;
    expect(result.policies.routes).toEqual([{ when: { feature: 'support', model: 'gpt-4.1' }, to: { model: 'gpt-4.1-mini' }, share: 1 }]);
    expect(result.policies.budgets).toHaveLength(1);
    expect(text).not.toContain('OPENAI_API_KEY');
  });

  it('answers a window without gateway calls with an explanation, and refuses a window that is not whole days', async () => {
    const empty = await effects('?from=2026-01-01&to=2026-01-08');
    expect(empty.gateway_calls).toBe(0);
    expect(empty.levers.every((entry) => entry.calls === 0 && entry.saved === null)).toBe(true);
    // The what-ifs still run over the window, and say why they have no figure: there is nothing to replay.
    const estimates = empty.levers.flatMap((entry) => entry.what_if);
    expect(estimates.length).toBeGreaterThan(0);
    expect(estimates.every((estimate) => estimate.savings_usd === null)).toBe(true);
    expect(estimates.find((estimate) => estimate.policy === 'gateway.policies.output_caps[0]')!.error).toMatch(/no recorded calls/);
    expect(empty.notes.join(' ')).toMatch(/point an SDK at `unitcost gateway`/);
    const refused = await fetch(`${server.url}/v1/gateway/effects?from=2026-03-01T12:00:00Z`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { field: string } }).error.field).toBe('from');
  });
});
