import type { MiddlewareHandler } from 'hono';
import { scopeAllows, type ApiKeys, type KeyIdentity, type KeyScope } from '../app/api-keys.js';
import { UnitcostError } from '../core/unitcost-error.js';

/** What the server knows to decide who may call it. */
export interface AccessPolicy {
  keys: ApiKeys;
  /** True when the server listens on loopback only, the one case where no key is needed. */
  loopbackOnly: boolean;
}

/** The variables routes may read: who called, when a key was given. */
export interface AccessVariables {
  identity: KeyIdentity | null;
}

const loopbackHosts = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;
const unauthenticated = 'a valid API key is required: send "Authorization: Bearer <key>" (create one with `unitcost keys create`)';

/**
 * Lets a request through when its key's scope allows what the route does. With no active key and a
 * loopback-only listener, anyone on this machine may call, as with a local database; the Host header
 * must then name loopback too, so a web page cannot reach the API through a rebound DNS name. Every
 * refusal of a key says the same, whether the key is unknown, revoked or malformed.
 */
export function requireScope(needed: KeyScope, policy: AccessPolicy): MiddlewareHandler<{ Variables: AccessVariables }> {
  return async (context, next) => {
    if (policy.loopbackOnly && !policy.keys.hasActiveKeys()) {
      if (!loopbackHosts.test(context.req.header('host') ?? '')) {
        throw new UnitcostError('forbidden', 'with no API key configured, the server answers only requests addressed to localhost');
      }
      context.set('identity', null);
      return next();
    }
    const header = context.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const identity = match ? policy.keys.verify(match[1]!) : null;
    if (!identity) throw new UnitcostError('unauthenticated', unauthenticated);
    if (!scopeAllows(identity.scope, needed)) {
      throw new UnitcostError('forbidden', `this key's scope (${identity.scope}) does not allow ${needed === 'ingest' ? 'sending events' : needed === 'read' ? 'reading' : 'managing keys'}; use a key with scope ${needed}${needed === 'admin' ? '' : ' or admin'}`);
    }
    context.set('identity', identity);
    return next();
  };
}
