import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { findProvider, type Provider } from '@pydantic/genai-prices';
import { UnitcostError } from '../core/unitcost-error.js';

let cached: Provider[] | undefined;

/**
 * The providers bundled in @pydantic/genai-prices, in the package's own order of precedence.
 * The package exposes its data only through findProvider, so the candidate ids are read from its bundle
 * and each one is confirmed through that public function: the data itself never comes from our parsing.
 */
export function loadBundledProviders(): Provider[] {
  if (cached) return cached;
  const bundlePath = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
  const bundle = readFileSync(bundlePath, 'utf8');
  const providers = new Map<string, { provider: Provider; position: number }>();
  for (const match of bundle.matchAll(/\bid:\s*"([^"]+)"/g)) {
    const provider = findProvider({ providerId: match[1]! });
    if (provider && !providers.has(provider.id)) providers.set(provider.id, { provider, position: match.index ?? 0 });
  }
  // Fewer than this means the package's layout changed and we would silently price most models as unknown.
  if (providers.size < 10 || !providers.has('openai') || !providers.has('anthropic')) {
    throw new UnitcostError(
      'internal',
      `could not read the provider list of @pydantic/genai-prices at ${bundlePath} (found ${providers.size}); the package layout may have changed`,
    );
  }
  cached = [...providers.values()].sort((a, b) => a.position - b.position).map((entry) => entry.provider);
  return cached;
}
