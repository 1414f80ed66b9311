import type { GatewayApi } from './gateway-config.js';

/** Why the gateway itself answered instead of the upstream. */
export type GatewayRefusalReason =
  | 'invalid_request'
  | 'unknown_provider'
  | 'missing_key'
  | 'upstream_timeout'
  | 'upstream_unreachable'
  | 'budget_exceeded'
  | 'session_limit'
  | 'not_found'
  | 'internal';

/** Which part of the gateway refused, named in the message so that the client knows what to fix. */
export type GatewayPart = 'request' | 'tags' | 'routing' | 'credentials' | 'budget' | 'session' | 'upstream' | 'gateway';

/** An answer of the gateway's own: a status, the part that refused and why. */
export interface GatewayRefusal {
  status: number;
  reason: GatewayRefusalReason;
  part: GatewayPart;
  message: string;
}

// Each reason in the words of each API, so that the official SDKs raise their usual error class for it.
const shapes: Record<GatewayRefusalReason, { status: number; openai: string; anthropic: string }> = {
  invalid_request: { status: 400, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  unknown_provider: { status: 404, openai: 'invalid_request_error', anthropic: 'not_found_error' },
  missing_key: { status: 401, openai: 'authentication_error', anthropic: 'authentication_error' },
  upstream_timeout: { status: 504, openai: 'timeout_error', anthropic: 'timeout_error' },
  upstream_unreachable: { status: 502, openai: 'api_error', anthropic: 'api_error' },
  // 429 like a provider's own quota refusal; the SDKs do not retry insufficient_quota, and a spent budget stays spent.
  budget_exceeded: { status: 429, openai: 'insufficient_quota', anthropic: 'rate_limit_error' },
  // The same for a session past its step cap or dollars: retrying the same session is refused again.
  session_limit: { status: 429, openai: 'insufficient_quota', anthropic: 'rate_limit_error' },
  not_found: { status: 404, openai: 'invalid_request_error', anthropic: 'not_found_error' },
  internal: { status: 500, openai: 'server_error', anthropic: 'api_error' },
};

/** Builds a refusal with the status its reason maps to. */
export function gatewayRefusal(reason: GatewayRefusalReason, part: GatewayPart, message: string): GatewayRefusal {
  return { status: shapes[reason].status, reason, part, message };
}

/** OpenAI's error JSON. */
export interface OpenaiErrorBody {
  error: { message: string; type: string; param: null; code: string };
}

/** Anthropic's error JSON. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

/** The refusal as the JSON body of the API the client called. */
export function gatewayErrorBody(api: GatewayApi, refusal: GatewayRefusal): OpenaiErrorBody | AnthropicErrorBody {
  const message = `unitcost gateway (${refusal.part}): ${refusal.message}`;
  if (api === 'anthropic') return { type: 'error', error: { type: shapes[refusal.reason].anthropic, message } };
  return { error: { message, type: shapes[refusal.reason].openai, param: null, code: `gateway_${refusal.reason}` } };
}
