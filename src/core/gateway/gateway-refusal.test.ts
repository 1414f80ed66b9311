import { describe, expect, it } from 'vitest';
import { gatewayErrorBody, gatewayRefusal } from './gateway-refusal.js';

describe('gatewayErrorBody', () => {
  const refusal = gatewayRefusal('upstream_timeout', 'upstream', 'openai did not answer within 50 ms');

  it('maps a timeout to 504', () => {
    expect(refusal.status).toBe(504);
  });

  it('answers in OpenAI error JSON, naming the part that refused', () => {
    expect(gatewayErrorBody('openai', refusal)).toEqual({
      error: { message: 'unitcost gateway (upstream): openai did not answer within 50 ms', type: 'timeout_error', param: null, code: 'gateway_upstream_timeout' },
    });
  });

  it('answers in Anthropic error JSON for the Messages API', () => {
    expect(gatewayErrorBody('anthropic', gatewayRefusal('missing_key', 'credentials', 'no key'))).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'unitcost gateway (credentials): no key' },
    });
  });
});
