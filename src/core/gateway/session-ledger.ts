import type { SessionLimit } from './gateway-config.js';
import type { GatewayTags } from './gateway-tags.js';
import { matchesPolicy } from './matches-policy.js';

/** What a call holds on its session until its exact cost is known. */
export interface SessionReservation {
  rule: number;
  session: string;
  amount: number;
}

/** A session a call would take past its limit: which limit, and where the session stands, in calls and picodollars. */
export interface SessionBreach {
  /** The index of the rule in gateway.policies.sessions. */
  rule: number;
  session: string;
  limit: 'calls' | 'usd';
  calls: number;
  maxCalls: number | undefined;
  spent: number;
  reserved: number;
  maxSpend: number | undefined;
}

/** The outcome of asking a session for room: a reservation (none when no rule limits the call), or the breach. */
export type SessionReserveResult = { ok: true; reservation: SessionReservation | undefined } | { ok: false; breach: SessionBreach };

interface SessionState {
  calls: number;
  spent: number;
  reserved: number;
}

const picodollarsPerUsd = 1_000_000_000_000;

/**
 * Calls and spend per session under gateway.policies.sessions. A call counts and reserves its worst-case
 * cost in one synchronous step before it goes upstream, and settles to its exact cost after, as budgets
 * do, so concurrent steps of one session cannot overshoot its dollars by more than their costs beyond
 * their reservations. Sessions live in memory, at most `max_sessions` per rule, the least recently active
 * forgotten first.
 */
export class SessionLedger {
  private readonly sessions: Array<Map<string, SessionState>>;

  constructor(private readonly rules: readonly SessionLimit[]) {
    this.sessions = rules.map(() => new Map());
  }

  /** The index of the rule limiting a call, or undefined when none matches or the call names no session. */
  choose(call: { tags: GatewayTags; model: string }): number | undefined {
    if (call.tags.session_id === undefined) return undefined;
    const rule = this.rules.findIndex((candidate) => matchesPolicy(candidate.when, call));
    return rule === -1 ? undefined : rule;
  }

  /** Whether the rule limits dollars, so that a call must be priced at its worst case before it goes. */
  limitsSpend(rule: number): boolean {
    return this.rules[rule]?.max_usd !== undefined;
  }

  /** Counts the call on its session and reserves `amount` picodollars, unless either limit is reached. */
  reserve(call: { tags: GatewayTags; model: string }, amount: number): SessionReserveResult {
    const rule = this.choose(call);
    if (rule === undefined) return { ok: true, reservation: undefined };
    const limits = this.rules[rule]!;
    const sessions = this.sessions[rule]!;
    const session = call.tags.session_id!;
    const state = sessions.get(session) ?? { calls: 0, spent: 0, reserved: 0 };
    // Re-inserted on every call, so the Map's first key is always the least recently active session.
    sessions.delete(session);
    sessions.set(session, state);
    while (sessions.size > limits.max_sessions) sessions.delete(sessions.keys().next().value as string);

    const maxSpend = limits.max_usd === undefined ? undefined : Math.round(limits.max_usd * picodollarsPerUsd);
    const breach = (limit: SessionBreach['limit']): SessionReserveResult => ({
      ok: false,
      breach: { rule, session, limit, calls: state.calls, maxCalls: limits.max_calls, spent: state.spent, reserved: state.reserved, maxSpend },
    });
    if (limits.max_calls !== undefined && state.calls >= limits.max_calls) return breach('calls');
    if (maxSpend !== undefined && state.spent + state.reserved + amount > maxSpend) return breach('usd');
    state.calls += 1;
    state.reserved += amount;
    return { ok: true, reservation: { rule, session, amount } };
  }

  /** Replaces a reservation by the call's exact cost; a session forgotten meanwhile is not brought back. */
  settle(reservation: SessionReservation, cost: number): void {
    const state = this.sessions[reservation.rule]?.get(reservation.session);
    if (state === undefined) return;
    state.reserved = Math.max(0, state.reserved - reservation.amount);
    state.spent += cost;
  }
}
