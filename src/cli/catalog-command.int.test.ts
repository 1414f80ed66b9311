import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundledProviders } from '../app/load-bundled-providers.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

// The bundled data, with the long-context tier the issue found missing for Claude Sonnet 4 put in: what a newer data file brings.
function newerData(): unknown[] {
  const providers = structuredClone(loadBundledProviders()) as unknown as Array<{ id: string; models: Array<{ id: string; prices: unknown }> }>;
  const sonnet = providers.find((provider) => provider.id === 'anthropic')!.models.find((model) => model.id === 'claude-sonnet-4-0')!;
  sonnet.prices = {
    input_mtok: { base: 3, tiers: [{ start: 200_000, price: 6 }] },
    output_mtok: { base: 15, tiers: [{ start: 200_000, price: 22.5 }] },
    cache_read_mtok: 0.3,
    cache_write_mtok: 3.75,
    cache_write_1h_mtok: 6,
    web_searches_kcount: 10,
  };
  return providers;
}

async function estimate(directory: string): Promise<number> {
  const io = captureIo();
  expect(await runCli(['node', 'unitcost', 'estimate', '--model', 'claude-sonnet-4', '--input', '250000', '--output', '0', '--json'], io, { directory, environment: {} })).toBe(0);
  return (JSON.parse(io.out()) as { per_call_usd: number }).per_call_usd;
}

describe('unitcost catalog update', () => {
  it('prices with a newer data file from then on, says what changed, and keeps where and when it came from', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-catalog-'));
    const file = join(directory, 'data.json');
    writeFileSync(file, JSON.stringify(newerData()));
    expect(await estimate(directory)).toBe(0.75);

    const io = captureIo();
    const now = () => new Date('2026-12-05T10:00:00Z');
    expect(await runCli(['node', 'unitcost', 'catalog', 'update', '--from', file], io, { directory, environment: {}, now })).toBe(0);
    expect(io.out()).toContain('repriced  1: anthropic/claude-sonnet-4-0 (long-context tiers)');
    const kept = JSON.parse(readFileSync(join(directory, 'unitcost-prices.json'), 'utf8')) as { source: string; fetched_at: string };
    expect(kept).toMatchObject({ source: file, fetched_at: '2026-12-05T10:00:00.000Z' });
    // 250k tokens of input cross the 200k tier: $6/M instead of $3/M.
    expect(await estimate(directory)).toBe(1.5);
  });

  it('fetches from a URL', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-catalog-url-'));
    const body = JSON.stringify(newerData());
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/data.json`;
      const io = captureIo();
      expect(await runCli(['node', 'unitcost', 'catalog', 'update', '--from', url, '--json'], io, { directory, environment: {} })).toBe(0);
      expect(JSON.parse(io.out())).toMatchObject({ source: url, repriced: [{ model: 'anthropic/claude-sonnet-4-0' }] });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a file that is not genai-prices data, naming the field, and keeps the data in force', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-catalog-bad-'));
    const broken = newerData() as Array<{ id: string; models: Array<Record<string, unknown>> }>;
    delete broken[0]!.models[2]!.match;
    const file = join(directory, 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'catalog', 'update', '--from', file], io, { directory, environment: {} })).toBe(2);
    expect(io.err()).toMatch(/broken\.json is not genai-prices data: \[0\]\.models\[2\]\.match /);
    expect(existsSync(join(directory, 'unitcost-prices.json'))).toBe(false);

    const noOpenai = (newerData() as Array<{ id: string }>).filter((provider) => provider.id !== 'openai');
    writeFileSync(file, JSON.stringify(noOpenai));
    const second = captureIo();
    expect(await runCli(['node', 'unitcost', 'catalog', 'update', '--from', file], second, { directory, environment: {} })).toBe(2);
    expect(second.err()).toContain('has no provider "openai"');
  });

  it('names a damaged price file instead of falling back to older prices', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-catalog-damaged-'));
    writeFileSync(join(directory, 'unitcost-prices.json'), '{"source":"x","fetched_at":"y","providers":[');
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'estimate', '--model', 'gpt-4o', '--input', '10', '--output', '1'], io, { directory, environment: {} })).not.toBe(0);
    expect(io.err()).toContain('unitcost-prices.json: is not JSON');
  });
});

describe('unitcost catalog diff', () => {
  it("lists the models and classes where LiteLLM's price list differs by more than the threshold", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-catalog-diff-'));
    const litellm = {
      sample_spec: { input_cost_per_token: 0 },
      'gpt-4o': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 2.75e-6, output_cost_per_token: 1e-5 },
      'claude-sonnet-4-5': { litellm_provider: 'anthropic', mode: 'chat', input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5, cache_read_input_token_cost: 3e-7 },
      'dall-e-3': { litellm_provider: 'openai', mode: 'image_generation' },
      'some-future-model': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 1e-6 },
    };
    const file = join(directory, 'litellm.json');
    writeFileSync(file, JSON.stringify(litellm));
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'catalog', 'diff', '--against', file, '--json'], io, { directory, environment: {} })).toBe(0);
    const result = JSON.parse(io.out()) as { compared: number; differences: Array<{ model: string; tokenClass: string; ours: number; theirs: number }>; onlyTheirs: unknown[]; skipped: number };
    expect(result.compared).toBe(2);
    // gpt-4o is $2.50/M input in the catalog: LiteLLM's $2.75 is 10% above; its output ($10) agrees.
    expect(result.differences).toEqual([{ model: 'gpt-4o', provider: 'openai', tokenClass: 'input', ours: 2.5, theirs: 2.75, relative: expect.closeTo(0.1, 6) }]);
    expect(result.onlyTheirs).toEqual([{ model: 'some-future-model', provider: 'openai' }]);
    expect(result.skipped).toBe(1);
  });
});
