import type { GatewayApi, GatewayProviderConfig } from './gateway-config.js';
import { matchesModelPattern } from './model-pattern.js';

/** A configured upstream with its name. */
export interface NamedProvider extends GatewayProviderConfig {
  name: string;
}

/** The upstream chosen for a call, or why none could be. */
export type ProviderChoice = { ok: true; provider: NamedProvider } | { ok: false; message: string };

/**
 * Picks the upstream for a call to one API: the provider the client named (x-unitcost-provider), else the
 * first whose `models` list matches, else the one of that API without a list. Several without a list is
 * ambiguous, so the first in the config wins, as a config reader would expect.
 */
export function resolveProvider(providers: readonly NamedProvider[], api: GatewayApi, model: string, requested?: string): ProviderChoice {
  const candidates = providers.filter((provider) => provider.api === api);
  if (requested !== undefined) {
    const named = providers.find((provider) => provider.name === requested);
    if (named === undefined) return { ok: false, message: `x-unitcost-provider names "${requested}", which is not in gateway.providers (${names(providers)})` };
    if (named.api !== api) return { ok: false, message: `x-unitcost-provider names "${requested}", which speaks the ${named.api} API, not ${api}` };
    return { ok: true, provider: named };
  }
  const listed = candidates.find((provider) => provider.models?.some((pattern) => matchesModelPattern(pattern, model)));
  if (listed !== undefined) return { ok: true, provider: listed };
  const fallback = candidates.find((provider) => provider.models === undefined);
  if (fallback !== undefined) return { ok: true, provider: fallback };
  if (candidates.length === 0) return { ok: false, message: `no provider in gateway.providers speaks the ${api} API; add one with api: ${api}` };
  return { ok: false, message: `no provider in gateway.providers serves model "${model}" for the ${api} API; add it to a provider's models` };
}

function names(providers: readonly NamedProvider[]): string {
  return providers.length === 0 ? 'none configured' : providers.map((provider) => provider.name).join(', ');
}
