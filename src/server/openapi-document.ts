import { estimateFlagNames, type EstimateFlagName } from '../app/estimate-service.js';
import { eventsJsonSchema } from '../core/events/events-json-schema.js';
import { simulationScenarioJsonSchema } from '../core/simulate/scenario-schema.js';
import { eventContentTypes } from './read-event-body.js';

/*
 * The OpenAPI 3.1 description served at /openapi.json. Every route of create-server.ts has an entry here,
 * and a test walks the server's routes to hold the two in step.
 */

type Scope = 'ingest' | 'read' | 'admin' | null;

interface Parameter {
  name: string;
  description: string;
  repeated?: boolean;
}

/** One operation of the API, as the document describes it. */
export interface OperationSpec {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  scope: Scope;
  query?: Parameter[];
  pathParameters?: Parameter[];
  headers?: Parameter[];
  body?: { types: string[]; schema: Record<string, unknown>; description: string };
  responses: Record<string, string>;
}

const estimateFlagDescriptions: Record<EstimateFlagName, string> = {
  model: 'model to price (catalog id or alias); any name with inline prices',
  route: 'blend several models: "model=share,model=share", shares summing to 1',
  input: 'prompt tokens of one call, cached ones included (2000, 2k, 1.5M)',
  output: 'generated tokens of one call, reasoning included',
  cached: 'prompt tokens read from the cache (part of input)',
  'cache-write': 'prompt tokens written to the 5-minute cache (part of input)',
  'cache-write-1h': 'prompt tokens written to the 1-hour cache (part of input)',
  reasoning: 'reasoning tokens (part of output)',
  calls: 'calls per session (default 1)',
  'context-growth': 'tokens each agent step adds to the next prompt',
  'max-steps': 'steps per agent session',
  'cache-prefix': 'a cached prompt prefix (part of input), read on a hit and written on a miss',
  'cache-hit-rate': 'share of calls that find the prefix in the cache, 0–1',
  'sessions-per-month': 'sessions an average user runs per month',
  arpu: 'average revenue per user per month, in dollars',
  'max-cost-share': 'AI cost ceiling as a share of ARPU (default from the config, 0.25)',
  'min-margin': 'gross margin floor after AI cost (default from the config, 0.4)',
  'price-input': 'input price in $/M tokens (a custom model, or a what-if over a catalog one)',
  'price-output': 'output price in $/M tokens',
  'price-cache-read': 'cache read price in $/M tokens',
  'price-cache-write': 'cache write (5-minute) price in $/M tokens',
  at: 'use the prices in force at this date or timestamp (default: now)',
};

const errorResponses = {
  '400': 'bad input: unknown query parameter, malformed value or body; the body names the field',
  '401': 'no valid API key (the same answer for a missing, unknown or revoked key)',
  '403': "the key's scope does not allow this route",
};

/** Every operation of the server, described. */
export function operationSpecs(reportParameters: Parameter[], kpiParameters: Parameter[]): OperationSpec[] {
  return [
    { method: 'get', path: '/healthz', summary: 'Liveness: the server answers and its store is open.', scope: null, responses: { '200': '{ status: "ok", limits: { events: { max_items, max_body_bytes, max_decoded_bytes } } }: the batch limits of POST /v1/events, for clients that size their batches' } },
    { method: 'get', path: '/openapi.json', summary: 'This document.', scope: null, responses: { '200': 'OpenAPI 3.1' } },
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics: events accepted, duplicate and rejected; requests and their latency by route.',
      scope: 'read',
      responses: { '200': 'text/plain; version=0.0.4', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/models',
      summary: 'Models and their prices per token class, as `unitcost models --json`.',
      scope: 'read',
      query: [
        { name: 'q', description: 'words every listed model must contain in its provider, id or name' },
        { name: 'provider', description: 'only this provider' },
        { name: 'limit', description: 'at most this many models' },
        { name: 'at', description: 'prices in force at this date (default: now)' },
      ],
      responses: { '200': '{ at, count, models }', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/models/{id}',
      summary: 'One model, what it resolves to and its price history, as `unitcost models show ID --json`.',
      scope: 'read',
      pathParameters: [{ name: 'id', description: 'model id or alias, optionally provider/model' }],
      query: [{ name: 'provider', description: 'look the model up at this provider' }],
      responses: { '200': 'the model', '404': 'no such model; suggestions in the body', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/estimate',
      summary: 'Napkin math for one feature from the same flags as `unitcost estimate` (without the dashes); the JSON of `--json`.',
      scope: 'read',
      query: estimateFlagNames.map((name) => ({ name, description: estimateFlagDescriptions[name] })),
      responses: { '200': 'the estimate', '404': 'unknown model', '422': 'the model is known but not priced by tokens', ...errorResponses },
    },
    {
      method: 'post',
      path: '/v1/estimate',
      summary: 'Napkin math for a scenario of several features, as `unitcost estimate --scenario FILE --json`.',
      scope: 'read',
      query: [{ name: 'at', description: estimateFlagDescriptions.at }],
      body: { types: ['application/json', 'application/yaml'], schema: { type: 'object', description: 'a scenario file: see examples/support-assistant.yaml' }, description: 'the scenario' },
      responses: { '200': 'the estimate', '404': 'unknown model', '413': 'body over 1 MB', '415': 'not JSON or YAML', ...errorResponses },
    },
    {
      method: 'post',
      path: '/v1/events',
      summary: 'Store a batch of usage events, task outcomes and revenue records; answered once committed, with a result per record. Idempotent by record id.',
      scope: 'ingest',
      body: {
        types: eventContentTypes,
        schema: { type: 'array', items: eventsJsonSchema() },
        description: 'a JSON array of records, or one record a line (NDJSON); Content-Encoding: gzip accepted',
      },
      responses: {
        '200':
          '{ received, accepted, duplicates, rejected, unpriced, results }: at least one record is stored. accepted counts the records now in the store, duplicates (already stored with the same content, each marked duplicate: true in results) included; rejected ones carry their errors in results and were not stored',
        '400': 'every record was refused (each with its errors in results), or the body is not a batch',
        '413': 'too many records or bytes in one request: split the batch',
        '415': 'not JSON or NDJSON, or an encoding other than gzip',
        '401': errorResponses['401'],
        '403': errorResponses['403'],
      },
    },
    {
      method: 'post',
      path: '/v1/traces',
      summary: 'OTLP/HTTP trace receiver: GenAI spans of the OpenTelemetry semantic conventions, OpenLLMetry, OpenInference and the Vercel AI SDK become usage events, traces become tasks (docs/capture.md).',
      scope: 'ingest',
      body: {
        types: ['application/x-protobuf', 'application/json'],
        schema: { type: 'object', description: 'an OTLP ExportTraceServiceRequest' },
        description: 'an ExportTraceServiceRequest, protobuf or OTLP/JSON; Content-Encoding: gzip accepted',
      },
      responses: {
        '200': 'an ExportTraceServiceResponse in the request\'s encoding; partialSuccess counts the spans refused and says why. X-Unitcost-Calls, X-Unitcost-Spans-Without-Usage and X-Unitcost-Spans-Not-GenAI count the other spans',
        '400': 'the body is not an ExportTraceServiceRequest: a google.rpc.Status in the request\'s encoding',
        '413': 'more bytes than one request may carry: lower the exporter\'s batch size',
        '415': 'neither application/x-protobuf nor application/json, or an encoding other than gzip',
        '401': errorResponses['401'],
        '403': errorResponses['403'],
      },
    },
    {
      method: 'get',
      path: '/v1/report',
      headers: [readCacheHeader],
      summary: 'Unit-economics report grouped by tags and time, as `unitcost report --json`.',
      scope: 'read',
      query: reportParameters,
      responses: { '200': 'the report; with fields=, each row and the totals carry only the measures named (and the JSON names its fields)', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/kpis',
      headers: [readCacheHeader],
      summary: 'The KPIs against their thresholds, as `unitcost kpis --json`.',
      scope: 'read',
      query: kpiParameters,
      responses: { '200': 'the KPIs', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/budgets',
      summary: 'Every configured budget: spent, remaining, the forecast to the end of its period with a range, the projected day of breach and the alert points reached, as `unitcost budgets --json` (docs/budgets.md).',
      scope: 'read',
      query: [
        { name: 'at', description: 'as of this date (the end of that day) or timestamp; default now' },
        { name: 'burn_down', description: 'true: each scope also gets its burn-down, the cumulative spend per day of the period and the forecast to its end (the dashboard\'s budgets page)' },
      ],
      responses: { '200': 'the budgets', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/statements',
      summary: 'A showback statement (live: each group\'s direct cost, its share of shared cost, revenue and margin, with pending adjustments of closed periods), or with mode=chargeback the frozen statement of a closed period, as `unitcost statement --format json` (docs/statements.md). Closing a period is done by the CLI.',
      scope: 'read',
      query: [
        { name: 'period', description: 'a month (2026-11) or an ISO week (2026-W47), UTC' },
        { name: 'from', description: 'instead of period: the first day (YYYY-MM-DD)' },
        { name: 'to', description: 'with from: the first day after the period' },
        { name: 'by', description: 'the tag to group by (default team)' },
        { name: 'mode', description: 'showback (default) or chargeback (a period already closed)' },
        { name: 'format', description: 'json (default), csv (one row per line, exact decimal dollars) or html (a printable page), as `unitcost statement --format`' },
      ],
      responses: { '200': 'the statement', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/export/focus',
      summary: 'The FOCUS 1.2 file of the stored calls in [from, to), as `unitcost export focus` writes it (docs/focus.md), sent as an attachment named focus-<from>-<to>.<csv|parquet>; X-Unitcost-Focus-Rows and X-Unitcost-Billed-Picodollars say what it holds.',
      scope: 'read',
      query: [
        { name: 'from', description: 'the first day (2026-11-01) or instant of the export; required' },
        { name: 'to', description: 'the end, exclusive (2026-12-01 for November); required' },
        { name: 'format', description: 'csv (default) or parquet' },
        { name: 'tags', description: 'comma-separated tags for Tags and the rows\' grouping; default feature,team,user_tier,environment' },
      ],
      responses: { '200': 'the file (text/csv or application/vnd.apache.parquet)', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/alerts',
      summary: 'Every alert rule and budget evaluated now: KPI thresholds, budget points and projected breaches, spend anomalies with their cause decomposed exactly, as `unitcost alerts check --json` (docs/alerts.md).',
      scope: 'read',
      query: [{ name: 'at', description: 'evaluate as of this date (the end of that day) or timestamp; default now' }],
      responses: { '200': 'the alerts that fire', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/alerts/incidents',
      summary: 'Alert incidents (one per episode of an alert, however many evaluations saw it) with their alert and cause, the mutes, and the webhook outbox counts (docs/alert-delivery.md).',
      scope: 'read',
      query: [{ name: 'status', description: 'open (default), resolved or all' }],
      responses: { '200': '{ incidents, mutes, outbox }', ...errorResponses },
    },
    {
      method: 'post',
      path: '/v1/alerts/incidents/{id}/acknowledge',
      summary: 'Acknowledge an incident: someone is on it. The first acknowledgement is kept.',
      scope: 'admin',
      pathParameters: [{ name: 'id', description: 'the incident id (inc_…)' }],
      responses: { '200': 'the incident', '404': 'no such incident', ...errorResponses },
    },
    {
      method: 'post',
      path: '/v1/alerts/mutes',
      summary: 'Mute a rule, a scope, or a rule on a scope until a time: their new incidents open without notifying any webhook.',
      scope: 'admin',
      body: {
        types: ['application/json'],
        schema: {
          type: 'object',
          required: ['until'],
          additionalProperties: false,
          properties: {
            rule: { type: 'string', description: 'the rule (or budget) name' },
            scope: { type: 'object', additionalProperties: { type: 'string' }, description: 'tags the alert scope must carry, e.g. {"feature": "support-faq"}' },
            until: { type: 'string', description: 'a date or ISO timestamp in the future' },
            reason: { type: 'string' },
          },
        },
        description: 'the mute: a rule, a scope or both, and until when',
      },
      responses: { '201': 'the mute', ...errorResponses },
    },
    {
      method: 'delete',
      path: '/v1/alerts/mutes/{id}',
      summary: 'End a mute early.',
      scope: 'admin',
      pathParameters: [{ name: 'id', description: 'the mute id (mut_…)' }],
      responses: { '200': 'the deleted mute id', '404': 'no such mute', ...errorResponses },
    },
    {
      method: 'get',
      path: '/v1/gateway/effects',
      summary: "What the gateway's policies did over a window, per lever (calls capped, routed, cached, refused and the dollars each saved, with how each figure is worked out), beside the what-if replay's estimate for each policy; and the configured policies (docs/gateway.md).",
      scope: 'read',
      query: [
        { name: 'from', description: 'the first day (inclusive); default 30 days before to' },
        { name: 'to', description: 'the day after the last (exclusive); default the day after today' },
      ],
      responses: { '200': 'the effects', ...errorResponses },
    },
    {
      method: 'post',
      path: '/v1/simulate',
      summary: 'What if: replay the stored calls under a scenario of cost levers, baseline against scenario per feature, tier and in total, as `unitcost simulate --json` (docs/simulate.md).',
      scope: 'read',
      query: [
        { name: 'from', description: 'first day to replay, for a YAML body (in a JSON body: its from field)' },
        { name: 'to', description: 'the day after the last day to replay, for a YAML body (in a JSON body: its to field)' },
      ],
      body: {
        types: ['application/json', 'application/yaml'],
        schema: {
          type: 'object',
          required: ['scenario'],
          additionalProperties: false,
          properties: {
            scenario: simulationScenarioJsonSchema(),
            from: { type: 'string', description: 'first day (YYYY-MM-DD), default the first stored day' },
            to: { type: 'string', description: 'the day after the last (exclusive), default the day after the last stored day' },
          },
        },
        description: 'JSON {scenario, from?, to?}, or the YAML of a scenario file',
      },
      responses: { '200': 'the simulation (SimulationResult)', ...errorResponses, '400': 'a bad scenario: each error names its line and field', '404': 'no recorded calls in the window', '413': 'body over 1 MB', '415': 'not JSON or YAML' },
    },
    {
      method: 'get',
      path: '/v1/reconcile',
      headers: [{ name: 'Cache-Control', description: 'no-cache: pull the reports again instead of the answer kept for this provider and window (5 minutes)' }],
      summary: "What unitcost recorded against the provider's own usage and cost reports, pulled live with the admin key of the server's environment (OPENAI_ADMIN_KEY, ANTHROPIC_ADMIN_KEY): coverage, untracked spend by model, price mismatches with the config line that closes them, per day, model and class; as `unitcost reconcile PROVIDER --live --json` (docs/reconcile.md).",
      scope: 'read',
      query: [
        { name: 'provider', description: 'openai or anthropic' },
        { name: 'month', description: 'a calendar month YYYY-MM (UTC)' },
        { name: 'from', description: 'instead of month: the first UTC day (YYYY-MM-DD)' },
        { name: 'to', description: 'with from: the day after the last (exclusive)' },
      ],
      responses: { '200': 'the reconciliation (Reconciliation, with pulled_at)', ...errorResponses, '400': "bad input, no admin key in the server's environment (the body's field names the variable to set), or a key the admin API refused" },
    },
    {
      method: 'get',
      path: '/v1/plans',
      summary: 'Pricing from recorded usage: per user tier, the seat price, included allowance and overage rate that reach a target gross margin, against today, with the users served at a loss and the margin at a budget and a mid model, as `unitcost plans --json` (docs/plans.md).',
      scope: 'read',
      query: [
        { name: 'tier', description: 'only this user tier' },
        { name: 'target_margin', description: 'gross margin to reach, a fraction below 1; default 0.7' },
        { name: 'price_points', description: 'seat prices to choose from, $/month, comma-separated; default 5,9,19,29,49,99,199' },
        { name: 'max_overage_share', description: "at most this share of a tier's users exceed the allowance; default 0.2" },
        { name: 'allowance', description: 'what the allowance counts: calls (default), tasks or usd' },
        { name: 'month', description: 'a calendar month YYYY-MM; default the last 30 days of data, scaled to a month' },
        { name: 'models', description: 'false: skip repricing each tier at a budget and a mid model' },
      ],
      responses: { '200': 'the plans (PlansResult)', ...errorResponses, '404': 'no calls with a user tier and user id in the window' },
    },
    { method: 'get', path: '/v1/keys', summary: 'API keys (never their secrets).', scope: 'admin', responses: { '200': '{ keys }', ...errorResponses } },
    {
      method: 'post',
      path: '/v1/keys',
      summary: 'Create an API key; the key is in this answer only.',
      scope: 'admin',
      body: {
        types: ['application/json'],
        schema: { type: 'object', required: ['name', 'scope'], additionalProperties: false, properties: { name: { type: 'string' }, scope: { enum: ['ingest', 'read', 'admin'] } } },
        description: 'the new key',
      },
      responses: { '201': 'the key and its record', ...errorResponses },
    },
    {
      method: 'delete',
      path: '/v1/keys/{key}',
      summary: 'Revoke an API key by id or active name.',
      scope: 'admin',
      pathParameters: [{ name: 'key', description: 'key id or active name' }],
      responses: { '200': 'the revoked key', '404': 'no such key', ...errorResponses },
    },
  ];
}

// The server keeps read answers until its next batch commits (src/app/read-cache.ts); clients that time
// queries, or distrust a kept answer, need to know how to ask for one computed now.
const readCacheHeader: Parameter = {
  name: 'Cache-Control',
  description:
    '"no-cache" computes the answer now from the store. Without it the server may answer with the one it kept since its last committed batch, which is the same data: every batch clears the kept answers before it is acknowledged.',
};

/** The OpenAPI 3.1 document of these operations. */
export function openapiDocument(operations: OperationSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const parameters = [
      ...(operation.pathParameters ?? []).map((parameter) => ({ name: parameter.name, in: 'path', required: true, description: parameter.description, schema: { type: 'string' } })),
      ...(operation.query ?? []).map((parameter) => ({
        name: parameter.name,
        in: 'query',
        description: parameter.description,
        schema: parameter.repeated ? { type: 'array', items: { type: 'string' } } : { type: 'string' },
        ...(parameter.repeated ? { style: 'form', explode: true } : {}),
      })),
      ...(operation.headers ?? []).map((parameter) => ({ name: parameter.name, in: 'header', description: parameter.description, schema: { type: 'string' } })),
    ];
    (paths[operation.path] ??= {})[operation.method] = {
      summary: operation.summary,
      ...(operation.scope === null ? { security: [] } : { 'x-unitcost-scope': operation.scope }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body
        ? { requestBody: { required: true, description: operation.body.description, content: Object.fromEntries(operation.body.types.map((type) => [type, { schema: operation.body!.schema }])) } }
        : {}),
      responses: Object.fromEntries(Object.entries(operation.responses).map(([status, description]) => [status, { description }])),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'unitcost',
      version,
      description:
        'LLM unit economics over HTTP: the same JSON as the unitcost CLI. Send "Authorization: Bearer <key>" (keys from `unitcost keys create`); with no key configured the server listens on loopback only and needs none. Unknown query parameters are refused with 400. Errors are { error: { code, message, field? } }.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
