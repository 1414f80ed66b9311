import { describe, expect, it } from 'vitest';
import { SessionLedger } from './session-ledger.js';
import { sessionRefusal } from './session-refusal.js';

const usd = (dollars: number): number => Math.round(dollars * 1e12);
const agent = (session: string | undefined) => ({ tags: { feature: 'coding-agent', ...(session === undefined ? {} : { session_id: session }) }, model: 'gpt-4.1' });

describe('SessionLedger', () => {
  it('refuses the call after a session\'s last allowed one, and names the count and the limit', () => {
    const ledger = new SessionLedger([{ when: { feature: 'coding-agent' }, max_calls: 2, max_sessions: 100 }]);
    expect(ledger.reserve(agent('run-1'), 0)).toMatchObject({ ok: true });
    expect(ledger.reserve(agent('run-1'), 0)).toMatchObject({ ok: true });
    const refused = ledger.reserve(agent('run-1'), 0);
    expect(refused).toMatchObject({ ok: false, breach: { limit: 'calls', session: 'run-1', calls: 2, maxCalls: 2 } });
    if (refused.ok) return;
    expect(sessionRefusal(refused.breach, 0)).toMatchObject({
      status: 429,
      reason: 'session_limit',
      message: 'session "run-1" has made 2 calls, its limit of 2 (max_calls of gateway.policies.sessions[0])',
    });
  });

  it('keeps each session\'s count apart, and leaves calls without a session or a matching rule alone', () => {
    const ledger = new SessionLedger([{ when: { feature: 'coding-agent' }, max_calls: 1, max_sessions: 100 }]);
    expect(ledger.reserve(agent('run-1'), 0).ok).toBe(true);
    expect(ledger.reserve(agent('run-2'), 0).ok).toBe(true);
    expect(ledger.reserve(agent(undefined), 0)).toEqual({ ok: true, reservation: undefined });
    expect(ledger.reserve({ tags: { feature: 'search', session_id: 'run-1' }, model: 'gpt-4.1' }, 0)).toEqual({ ok: true, reservation: undefined });
  });

  it('holds concurrent calls\' worst cases against the dollars, and settles to the exact cost', () => {
    const ledger = new SessionLedger([{ when: {}, max_usd: 1, max_sessions: 100 }]);
    const first = ledger.reserve(agent('run-1'), usd(0.6));
    expect(first.ok).toBe(true);
    const second = ledger.reserve(agent('run-1'), usd(0.6));
    expect(second).toMatchObject({ ok: false, breach: { limit: 'usd', spent: 0, reserved: usd(0.6), maxSpend: usd(1) } });
    if (!first.ok || first.reservation === undefined) return;
    ledger.settle(first.reservation, usd(0.1));
    expect(ledger.reserve(agent('run-1'), usd(0.6)).ok).toBe(true);
    if (second.ok) return;
    expect(sessionRefusal(second.breach, usd(0.6)).message).toBe(
      'session "run-1" has spent $0 of its $1.00 (max_usd of gateway.policies.sessions[0]), $0.60 more held by calls in flight; this call could cost up to $0.60',
    );
  });

  it('forgets the least recently active session beyond its bound', () => {
    const ledger = new SessionLedger([{ when: {}, max_calls: 1, max_sessions: 2 }]);
    ledger.reserve(agent('run-1'), 0);
    ledger.reserve(agent('run-2'), 0);
    ledger.reserve(agent('run-3'), 0);
    expect(ledger.reserve(agent('run-3'), 0).ok).toBe(false);
    expect(ledger.reserve(agent('run-1'), 0).ok).toBe(true);
  });
});
