import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const now = () => new Date('2026-11-01T12:00:00Z');

async function run(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, { now, directory: '/nonexistent-config-dir' });
  return { code, out: io.out(), err: io.err() };
}

describe('unitcost models', () => {
  it('lists the matching models with a price for each token class', async () => {
    const { code, out } = await run('models', 'claude', 'opus', '4-7', '--provider', 'anthropic');
    expect(code).toBe(0);
    expect(out).toMatch(/anthropic\/claude-opus-4-7\s*│\s*5\s*│\s*0\.5\s*│\s*6\.25\s*│\s*10\s*│\s*25/);
    expect(out).toContain('1 model, prices in $/M tokens at 2026-11-01');
  });

  it('prints JSON with snake_case prices and the long-context tiers', async () => {
    const { code, out } = await run('models', 'claude-sonnet-4-5', '--provider', 'anthropic', '--json', '--at', '2026-01-01');
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(parsed.models[0]).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', priced: true });
    expect(parsed.models[0].prices_per_million).toMatchObject({ input: 3, cache_read: 0.3, cache_write_5m: 3.75, cache_write_1h: 6, output: 15 });
    expect(parsed.models[0].long_context_tiers[0]).toMatchObject({ input_above: 200_000, prices_per_million: { input: 6, output: 22.5 } });
    // Web searches are priced per search ($10 per 1,000), beside the per-request fee.
    expect(parsed.models[0].prices_per_million.per_web_search_usd).toBe(0.01);
    expect(parsed.models[0].priced_apart).toContain('web_search');
  });

  it('shows one model with its price history', async () => {
    const { code, out } = await run('models', 'show', 'claude-opus-4.6');
    expect(code).toBe(0);
    expect(out).toContain('anthropic/claude-opus-4-6 — Claude Opus 4.6');
    expect(out).toMatch(/before\s*│\s*2026-03-13.*>200k: 10\/37\.5/);
    expect(out).toMatch(/2026-03-13\s*│\s*…/);
  });

  it('exits 2 on an unknown model and suggests the nearest names', async () => {
    const { code, err } = await run('models', 'show', 'claude-opuss-4-7');
    expect(code).toBe(2);
    expect(err).toContain('no model matches "claude-opuss-4-7"');
    expect(err).toMatch(/did you mean: .*anthropic\/claude-opus-4-7/);
  });

  it('rejects a date it cannot read, naming the flag', async () => {
    const { code, err } = await run('models', 'gpt', '--at', '2026-13-01');
    expect(code).toBe(2);
    expect(err).toContain('--at must be a date');
  });
});

describe('unitcost --config', () => {
  it('reads the config file it names, so its custom models are listed', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'unitcost-config-'));
    const file = join(dir, 'elsewhere.yaml');
    writeFileSync(file, 'models:\n  - id: llama-house-70b\n    provider: selfhosted\n    prices: { input: 0.2, output: 0.6 }\n');
    const { code, out, err } = await run('--config', file, 'models', 'llama-house', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out).models[0]).toMatchObject({ provider: 'selfhosted', model: 'llama-house-70b' });
  });
});
