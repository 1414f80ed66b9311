import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from '../core/gateway/gateway-config.js';
import { loadGatewayConfig } from './gateway-config.js';

const gateway = gatewayConfigSchema.parse({
  providers: { openai: { api_key_env: 'OPENAI_API_KEY' }, anthropic: { api_key_env: 'ANTHROPIC_API_KEY' }, local: { api: 'openai', base_url: 'http://127.0.0.1:8000/v1' } },
});

describe('loadGatewayConfig', () => {
  it('reads each provider\'s key from the variable its api_key_env names', () => {
    const loaded = loadGatewayConfig(gateway, { OPENAI_API_KEY: 'sk-proj-123', UNITCOST_API_KEY: 'uc_key' });
    expect(loaded.upstreams.find((upstream) => upstream.name === 'openai')?.key?.reveal()).toBe('sk-proj-123');
    expect(loaded.upstreams.find((upstream) => upstream.name === 'local')?.key).toBeUndefined();
    expect(loaded.forwardKey?.reveal()).toBe('uc_key');
  });

  it('lists the variables that are named but not set, so the command can warn at start', () => {
    expect(loadGatewayConfig(gateway, { OPENAI_API_KEY: 'sk-proj-123' }).unsetKeyVariables).toEqual(['ANTHROPIC_API_KEY']);
  });

  it('keeps the keys out of anything that serializes or prints the config', () => {
    const loaded = loadGatewayConfig(gateway, { OPENAI_API_KEY: 'sk-proj-SECRET' });
    expect(JSON.stringify(loaded)).not.toContain('sk-proj-SECRET');
    expect(inspect(loaded, { depth: 10 })).not.toContain('sk-proj-SECRET');
    expect(`${loaded.upstreams[0]?.key}`).toBe('[redacted]');
  });
});
