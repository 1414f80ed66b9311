import { z } from 'zod';

/** The wire formats the gateway speaks: each provider upstream speaks one of them. */
export const gatewayApis = ['openai', 'anthropic'] as const;

/** One of the wire formats the gateway speaks. */
export type GatewayApi = (typeof gatewayApis)[number];

/** Where the providers that share their name with an API live, so that `providers: { openai: {} }` is enough. */
export const defaultBaseUrls: Record<GatewayApi, string> = {
  // What each official SDK takes as baseURL: OpenAI's includes /v1, Anthropic's does not.
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
};

const environmentVariableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable, e.g. OPENAI_API_KEY (never the key itself)');

// A bare * matches any model; a trailing or inner * matches any characters, the rest matches exactly.
const modelPattern = z.string().min(1, 'must not be empty').regex(/^[^\s]+$/, 'must not contain spaces');

const providerInputSchema = z
  .object({
    // Decides which routes reach this upstream and how its usage is read; inferred for providers named openai or anthropic.
    api: z.enum(gatewayApis, { error: () => `must be one of ${gatewayApis.join(', ')}` }).optional(),
    // What that provider's own SDK would take as baseURL, so Azure, OpenRouter, vLLM or any compatible server fits.
    base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://api.openai.com/v1' }).optional(),
    // The key stays in the environment: a config file gets committed, and a key in it leaks with it.
    // Without one, the client's own key (Authorization or x-api-key) is passed through.
    api_key_env: environmentVariableName.optional(),
    // Which models this upstream serves, e.g. ["gpt-*", "o4-mini"]; a provider without a list takes what no list claims.
    models: z.array(modelPattern).min(1, 'must list at least one model pattern; leave it out to serve any model').optional(),
    // The catalog provider the calls are priced as: an OpenRouter or Azure deployment of gpt-4.1 is priced as openai's unless told otherwise.
    price_as: z.string().min(1).optional(),
  })
  .strict();

/** One upstream as configured, with its API and base URL filled in. */
export interface GatewayProviderConfig {
  api: GatewayApi;
  base_url: string;
  api_key_env?: string | undefined;
  models?: string[] | undefined;
  price_as?: string | undefined;
}

const tagValue = z.string().min(1).max(512);

/** Which calls a policy applies to: every condition given must hold; none given matches every call. */
export const policyMatchSchema = z
  .object({
    feature: tagValue.optional(),
    team: tagValue.optional(),
    user_tier: tagValue.optional(),
    // A model pattern as in providers.models: "gpt-5*".
    model: modelPattern.optional(),
  })
  .strict();

/** An output cap: the most tokens a matching call may generate. */
export const outputCapSchema = z
  .object({
    when: policyMatchSchema.prefault({}),
    // Set where the client sent no limit, clamped where it asked for more: long answers are where output spend runs away.
    max_output_tokens: z.number().int('must be a whole number of tokens').positive('must be at least 1'),
  })
  .strict();

/** A routing rule: send matching calls (or a share of them) to another model, e.g. the free tier to a budget model. */
export const routeRuleSchema = z
  .object({
    when: policyMatchSchema.prefault({}),
    to: z
      .object({
        model: z.string().min(1),
        // Named when the model lives on another upstream of the same API; else the usual provider choice applies.
        provider: z.string().min(1).optional(),
      })
      .strict(),
    // The fraction of matching calls the rule takes, for a gradual switch or an A/B test; the rest go on to the next rules.
    // A user (else a session) always falls on the same side, so that one person does not meet two models at random.
    share: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1').default(1),
  })
  .strict();

/** An exact response cache for matching calls: an identical request from the same tenant is answered from memory. */
export const responseCacheRuleSchema = z
  .object({
    when: policyMatchSchema.prefault({}),
    // An answer goes stale: a FAQ's answer for an hour is fine, a price quote is not, so the lifetime is always said.
    ttl_seconds: z.number().int('must be a whole number of seconds').positive('must be at least 1'),
    // Answers are held in the gateway's memory, so the cache is bounded; past this the least recently used goes.
    max_entries: z.number().int('must be a whole number').positive('must be at least 1').default(10_000),
  })
  .strict();

/** Step caps and budgets per session (x-unitcost-session): what stops a runaway agent loop before the invoice does. */
export const sessionLimitSchema = z
  .object({
    when: policyMatchSchema.prefault({}),
    // Calls of one session, answered or not, cache hits included: an agent that loops is stopped by its step count.
    max_calls: z.number().int('must be a whole number of calls').positive('must be at least 1').optional(),
    // Dollars of one session, reserved at worst case before each call as budgets are, so concurrent steps cannot overshoot together.
    max_usd: z.number().positive('must be above 0').optional(),
    // Sessions are counted in the gateway's memory; past this many the least recently active one is forgotten.
    max_sessions: z.number().int('must be a whole number').positive('must be at least 1').default(10_000),
  })
  .strict()
  .refine((rule) => rule.max_calls !== undefined || rule.max_usd !== undefined, { message: 'must set max_calls, max_usd or both', path: ['max_calls'] });

/** The gateway's levers. */
export const gatewayPoliciesSchema = z
  .object({
    // The first cap whose `when` matches applies, so a specific exception goes above a general rule.
    output_caps: z.array(outputCapSchema).default([]),
    // The first rule that matches (and whose share the call falls in) picks the model; its `when.model` sees the model asked for.
    routes: z.array(routeRuleSchema).default([]),
    // The first rule that matches decides whether and how long a call's answer is cached; features without one are never cached.
    response_cache: z.array(responseCacheRuleSchema).default([]),
    // The first rule that matches a call carrying x-unitcost-session limits that session; calls without the header are not limited.
    sessions: z.array(sessionLimitSchema).default([]),
    // Budgets live in the config's top-level `budgets:` (governance reads them too). Each call reserves its worst
    // case on them before it goes upstream, so concurrent calls cannot overspend together; this is the output a
    // reservation assumes for a request that sets no limit of its own (an output cap sets one).
    reserve_output_tokens: z.number().int().positive().default(4096),
  })
  .strict();

const milliseconds = z.number().int('must be a whole number of milliseconds').positive('must be at least 1');

/** How long the gateway waits on an upstream. */
export const gatewayTimeoutsSchema = z
  .object({
    // The SDKs' own default is 10 minutes: a long reasoning call answers its headers only when it is done.
    upstream_ms: milliseconds.default(600_000),
    // A stream that sends nothing for this long is cut and recorded as a timeout.
    stream_idle_ms: milliseconds.default(120_000),
    // After a client hangs up mid-stream, how long the gateway keeps reading to learn what the upstream billed.
    drain_after_abort_ms: milliseconds.default(10_000),
  })
  .strict();

const defaultProviders = { openai: {}, anthropic: {} };

/** The `gateway` section of the config: upstreams, levers and timeouts of `unitcost gateway`. */
export const gatewayConfigSchema = z
  .object({
    // Keyed by a name of your choosing; the names openai and anthropic need no api or base_url.
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, - or _'), providerInputSchema).default(defaultProviders),
    policies: gatewayPoliciesSchema.prefault({}),
    timeouts: gatewayTimeoutsSchema.prefault({}),
    // The key `--forward` sends to a unitcost server that requires one (scope ingest).
    forward_api_key_env: environmentVariableName.default('UNITCOST_API_KEY'),
  })
  .strict()
  .transform((gateway, context) => {
    const providers: Record<string, GatewayProviderConfig> = {};
    for (const [name, provider] of Object.entries(gateway.providers)) {
      const api = provider.api ?? (gatewayApis as readonly string[]).find((candidate) => candidate === name);
      if (api === undefined) {
        context.addIssue({ code: 'custom', path: ['providers', name, 'api'], message: `is required for a provider not named ${gatewayApis.join(' or ')}` });
        continue;
      }
      const baseUrl = provider.base_url ?? (provider.api === undefined || provider.api === name ? defaultBaseUrls[api as GatewayApi] : undefined);
      if (baseUrl === undefined) {
        context.addIssue({ code: 'custom', path: ['providers', name, 'base_url'], message: `is required for a provider not named ${api}` });
        continue;
      }
      providers[name] = { ...provider, api: api as GatewayApi, base_url: baseUrl.replace(/\/+$/, '') };
    }
    return { ...gateway, providers };
  });

/** The validated gateway section. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
/** A validated output cap. */
export type OutputCap = z.output<typeof outputCapSchema>;
/** A validated routing rule. */
export type RouteRule = z.output<typeof routeRuleSchema>;
/** A validated response cache rule. */
export type ResponseCacheRule = z.output<typeof responseCacheRuleSchema>;
/** A validated session limit. */
export type SessionLimit = z.output<typeof sessionLimitSchema>;
/** The conditions of a policy. */
export type PolicyMatch = z.output<typeof policyMatchSchema>;
