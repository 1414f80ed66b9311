import { z } from 'zod';
import { compileJsonSchema } from './json-schema-check.js';
import { matchesModelPattern } from './model-pattern.js';

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

/** A semantic cache for matching calls: a prompt close enough in meaning to one answered before gets that answer. */
export const semanticCacheRuleSchema = z
  .object({
    when: policyMatchSchema.prefault({}),
    // The prompt is embedded by a model of an OpenAI-compatible upstream (its /embeddings), so the lookup is billed
    // like any call and recorded as one: that cost is what the lever costs.
    embedding: z
      .object({
        model: z.string().min(1, 'must name an embedding model, e.g. text-embedding-3-small'),
        // Named when several upstreams speak the OpenAI API; else the usual provider choice for that model applies.
        provider: z.string().min(1).optional(),
        // Shorter embeddings, for models that can give them (OpenAI's text-embedding-3-*): a lookup compares every
        // entry of its partition, so 512 dimensions instead of 1,536 make it three times faster and smaller.
        dimensions: z.number().int('must be a whole number').positive('must be at least 1').max(8192, 'must be at most 8192').optional(),
        // A lookup sits on the request's path: past this the call goes upstream as a miss, never fails.
        timeout_ms: z.number().int('must be a whole number of milliseconds').positive('must be at least 1').max(60_000, 'must be at most 60000: a slow lookup delays every call it cannot answer').default(2000),
      })
      .strict(),
    // Cosine similarity of the two prompts' embeddings. Below ~0.9 different questions start to share answers.
    min_similarity: z
      .number({ error: () => 'must be a cosine similarity, e.g. 0.95' })
      .gt(0, 'must be above 0: it is the cosine similarity two prompts need to share an answer, e.g. 0.95')
      .max(1, 'must be at most 1, the similarity of identical prompts'),
    // An answer goes stale: the lifetime is always said, as for the exact cache.
    ttl_seconds: z.number().int('must be a whole number of seconds').positive('must be at least 1'),
    // Each lookup compares the prompt with every entry of its partition, and each entry holds a vector and an answer
    // in memory: the bound keeps both the lookup time and the memory in check.
    max_entries: z
      .number()
      .int('must be a whole number')
      .positive('must be at least 1')
      .max(100_000, 'must be at most 100000: each lookup compares the prompt with every entry')
      .default(10_000),
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

const cascadeTargetSchema = z
  .object({
    model: z.string().min(1, 'must name a model'),
    // Named when the model lives on another upstream of the same API; else the usual provider choice applies.
    provider: z.string().min(1).optional(),
  })
  .strict();

// The text checks compile here, at start: a regex or a schema that cannot be used would otherwise fail every call.
const jsonSchemaCheckSchema = z
  .object({ json_schema: z.record(z.string(), z.unknown(), { error: () => 'must be a JSON schema object, e.g. { type: object, required: [answer] }' }) })
  .strict()
  .superRefine((check, context) => {
    const compiled = compileJsonSchema(check.json_schema);
    if (!compiled.ok) context.addIssue({ code: 'custom', path: ['json_schema', ...compiled.path], message: compiled.message });
  });

const regexCheckSchema = z
  .object({
    // JavaScript syntax; the whole answer's text is tested, so anchor it (^…$) to require a form rather than a fragment.
    regex: z.string().min(1, 'must not be empty'),
    // g and y would make a test depend on the one before it, hence only these.
    flags: z.string().regex(/^[imsu]*$/, 'may hold only the flags i, m, s and u').optional(),
    // no_match: the answer must match (a form it must have); match: the answer must not (e.g. "I don't know").
    escalate_if: z.enum(['no_match', 'match'], { error: () => 'must be no_match (escalate when the answer does not match) or match' }).default('no_match'),
  })
  .strict()
  .superRefine((check, context) => {
    try {
      new RegExp(check.regex, check.flags);
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['regex'], message: `is not a valid regular expression: ${(error instanceof Error ? error.message : String(error)).replace(/^Invalid regular expression: /, '')}` });
    }
  });

const escalationNames = ['error', 'length'] as const;
const escalationHelp = `must be error, length, { json_schema: {...} } or { regex: '...' }`;

/** One reason a cascade's first answer is not good enough. */
export type EscalationCheck = (typeof escalationNames)[number] | z.output<typeof jsonSchemaCheckSchema> | z.output<typeof regexCheckSchema>;

// Picked by shape rather than by z.union, whose failure says only "Invalid input": the error here says which check is wrong and why.
const escalationCheckSchema = z.unknown().transform((value, context): EscalationCheck => {
  const schema =
    typeof value === 'string'
      ? z.enum(escalationNames, { error: () => `${escalationHelp}; got "${value}"` })
      : typeof value === 'object' && value !== null && 'json_schema' in value
        ? jsonSchemaCheckSchema
        : typeof value === 'object' && value !== null && 'regex' in value
          ? regexCheckSchema
          : undefined;
  if (schema === undefined) {
    context.addIssue({ code: 'custom', message: escalationHelp });
    return z.NEVER;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

/** A cascade: matching calls go to a cheap model first, and to a capable one when that answer fails a check. */
export const cascadeRuleSchema = z
  .object({
    // `when.model` sees the model the client asked for.
    when: policyMatchSchema.prefault({}),
    first: cascadeTargetSchema,
    // Left out, the escalated call goes to the model the client asked for.
    then: cascadeTargetSchema.optional(),
    // The first answer escalates when any check fails: an error, a cut-off answer, or text of the wrong form.
    escalate_on: z.array(escalationCheckSchema).min(1, 'must list at least one check: error, length, { json_schema: {...} } or { regex: ... }'),
  })
  .strict()
  .refine((rule) => rule.then === undefined || rule.then.model !== rule.first.model || rule.then.provider !== rule.first.provider, {
    message: 'names the model of first: a cascade escalates to another model',
    path: ['then', 'model'],
  });

/** The gateway's levers. */
export const gatewayPoliciesSchema = z
  .object({
    // The first cap whose `when` matches applies, so a specific exception goes above a general rule.
    output_caps: z.array(outputCapSchema).default([]),
    // The first rule that matches (and whose share the call falls in) picks the model; its `when.model` sees the model asked for.
    routes: z.array(routeRuleSchema).default([]),
    // The first rule that matches decides whether and how long a call's answer is cached; features without one are never cached.
    response_cache: z.array(responseCacheRuleSchema).default([]),
    // Looked up only when the exact cache has no answer; the first rule that matches applies, other features are never looked up.
    semantic_cache: z.array(semanticCacheRuleSchema).default([]),
    // The first rule that matches a call carrying x-unitcost-session limits that session; calls without the header are not limited.
    sessions: z.array(sessionLimitSchema).default([]),
    // The first rule that matches takes the call: a cheap model first, the capable one when its answer fails a check.
    cascades: z.array(cascadeRuleSchema).default([]),
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
    // Checked at start rather than at the first lookup: a semantic cache that can never embed would only ever miss.
    for (const [index, rule] of gateway.policies.semantic_cache.entries()) {
      const path = ['policies', 'semantic_cache', index, 'embedding', 'provider'];
      const requested = rule.embedding.provider;
      const provider = requested === undefined ? undefined : providers[requested];
      if (requested !== undefined && provider === undefined) {
        context.addIssue({ code: 'custom', path, message: `names "${requested}", which is not in gateway.providers (${Object.keys(providers).join(', ') || 'none configured'})` });
      } else if (provider !== undefined && provider.api !== 'openai') {
        context.addIssue({ code: 'custom', path, message: `names "${requested}", which speaks the ${provider.api} API; embeddings need a provider with api: openai (its /embeddings)` });
      } else if (requested === undefined) {
        // The choice resolveProvider makes at call time: a provider listing the model, else one without a list.
        const openai = Object.values(providers).filter((candidate) => candidate.api === 'openai');
        const serves = openai.some((candidate) => candidate.models === undefined || candidate.models.some((pattern) => matchesModelPattern(pattern, rule.embedding.model)));
        if (!serves) {
          const why = openai.length === 0 ? 'no provider in gateway.providers speaks the openai API' : `no provider of the openai API in gateway.providers serves model "${rule.embedding.model}"`;
          context.addIssue({ code: 'custom', path, message: `is needed: ${why}; name one with api: openai, or add the model to one's models` });
        }
      }
    }
    // A cascade whose model can never be reached would fail every call it takes, so the provider it names is checked here.
    for (const [index, rule] of gateway.policies.cascades.entries()) {
      for (const step of ['first', 'then'] as const) {
        const requested = rule[step]?.provider;
        if (requested !== undefined && providers[requested] === undefined) {
          context.addIssue({ code: 'custom', path: ['policies', 'cascades', index, step, 'provider'], message: `names "${requested}", which is not in gateway.providers (${Object.keys(providers).join(', ') || 'none configured'})` });
        }
      }
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
/** A validated semantic cache rule. */
export type SemanticCacheRule = z.output<typeof semanticCacheRuleSchema>;
/** A validated session limit. */
export type SessionLimit = z.output<typeof sessionLimitSchema>;
/** The conditions of a policy. */
export type PolicyMatch = z.output<typeof policyMatchSchema>;
/** A validated cascade rule. */
export type CascadeRule = z.output<typeof cascadeRuleSchema>;
