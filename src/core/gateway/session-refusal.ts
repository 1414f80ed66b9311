import { formatUsd, picodollarsToUsd } from '../cost/picodollars.js';
import { gatewayRefusal, type GatewayRefusal } from './gateway-refusal.js';
import type { SessionBreach } from './session-ledger.js';

/** The 429 a session past its limit answers with: the limit, the session, where it stands and the limit's value. */
export function sessionRefusal(breach: SessionBreach, worstCase: number): GatewayRefusal {
  const rule = `gateway.policies.sessions[${breach.rule}]`;
  if (breach.limit === 'calls') {
    return gatewayRefusal('session_limit', 'session', `session "${breach.session}" has made ${breach.calls} calls, its limit of ${breach.maxCalls} (max_calls of ${rule})`);
  }
  const money = (picodollars: number): string => formatUsd(picodollarsToUsd(picodollars));
  const inFlight = breach.reserved > 0 ? `, ${money(breach.reserved)} more held by calls in flight` : '';
  return gatewayRefusal(
    'session_limit',
    'session',
    `session "${breach.session}" has spent ${money(breach.spent)} of its ${money(breach.maxSpend ?? 0)} (max_usd of ${rule})${inFlight}; this call could cost up to ${money(worstCase)}`,
  );
}
