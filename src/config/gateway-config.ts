import type { GatewayConfig } from '../core/gateway/gateway-config.js';
import type { NamedProvider } from '../core/gateway/resolve-provider.js';
import { SecretKey } from '../core/gateway/secret-key.js';

/** A configured upstream with the key its api_key_env names, read from the environment. */
export interface GatewayUpstream extends NamedProvider {
  /** Undefined when the config names no variable (the client's key passes through) or the variable is unset. */
  key: SecretKey | undefined;
}

/** The gateway section with what it names in the environment resolved. */
export interface LoadedGatewayConfig extends Omit<GatewayConfig, 'providers'> {
  upstreams: GatewayUpstream[];
  /** The api_key_env variables that are not set, so that the command can warn at start and not at the first call. */
  unsetKeyVariables: string[];
  /** The key `--forward` sends to a unitcost server, from forward_api_key_env. */
  forwardKey: SecretKey | undefined;
}

/**
 * Reads the keys the gateway section names from the environment: the config module is the only reader of
 * process.env, and keys stay out of files. A variable that is unset is not an error here, since other
 * providers still work; calls to that provider are refused, naming the variable.
 */
export function loadGatewayConfig(gateway: GatewayConfig, environment: NodeJS.ProcessEnv = process.env): LoadedGatewayConfig {
  const { providers, ...rest } = gateway;
  const unsetKeyVariables: string[] = [];
  const upstreams = Object.entries(providers).map(([name, provider]): GatewayUpstream => {
    const variable = provider.api_key_env;
    const value = variable === undefined ? undefined : environment[variable];
    if (variable !== undefined && !value) unsetKeyVariables.push(variable);
    return { name, ...provider, key: value ? new SecretKey(value) : undefined };
  });
  const forwardKey = environment[gateway.forward_api_key_env];
  return { ...rest, upstreams, unsetKeyVariables, forwardKey: forwardKey ? new SecretKey(forwardKey) : undefined };
}
