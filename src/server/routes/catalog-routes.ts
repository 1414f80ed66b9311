import { Hono } from 'hono';
import { estimateFlagNames, estimateFromFlags, estimateFromScenarioText } from '../../app/estimate-service.js';
import { listModelsJson, showModelJson } from '../../app/models-service.js';
import { parseInstant } from '../../app/parse-instant.js';
import type { ServerServices } from '../../app/server-types.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { readTextBody } from '../read-text-body.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

// A scenario is a few dozen lines; a megabyte is generous and keeps a runaway client from filling memory.
const maxScenarioBytes = 1_000_000;

/** GET /v1/models, /v1/models/:id and GET/POST /v1/estimate: the catalog and the napkin math, as the CLI prints them with --json. */
export function catalogRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  const read = requireScope('read', policy);

  routes.get('/v1/models', read, (context) => {
    const query = strictQuery(context.req.url, { single: ['q', 'provider', 'limit', 'at'] }).values;
    const limit = query.limit === undefined ? undefined : positiveInteger(query.limit, 'limit');
    return context.json(
      listModelsJson(services.app, {
        ...(query.q === undefined ? {} : { words: query.q }),
        ...(query.provider === undefined ? {} : { provider: query.provider }),
        ...(limit === undefined ? {} : { limit }),
        ...(query.at === undefined ? {} : { at: parseInstant(query.at, 'at') }),
      }),
    );
  });

  // An id may name its provider, as in anthropic/claude-opus-4-7, so it may hold a slash.
  routes.get('/v1/models/:id{.+}', read, (context) => {
    const query = strictQuery(context.req.url, { single: ['provider'] }).values;
    return context.json(showModelJson(services.app, context.req.param('id'), query.provider === undefined ? {} : { provider: query.provider }));
  });

  routes.get('/v1/estimate', read, (context) => {
    const flags = strictQuery(context.req.url, { single: estimateFlagNames }).values;
    return context.json(estimateFromFlags(services.app, flags));
  });

  routes.post('/v1/estimate', read, async (context) => {
    const query = strictQuery(context.req.url, { single: ['at'] }).values;
    const text = await readTextBody(context.req.raw, { maxBytes: maxScenarioBytes, types: ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml'], what: 'a scenario (the JSON or YAML of a scenario file)' });
    return context.json(estimateFromScenarioText(services.app, text, query.at === undefined ? {} : { at: query.at }));
  });

  return routes;
}

function positiveInteger(value: string, field: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new UnitcostError('invalid_argument', `${field} must be a positive whole number, got "${value}"`, { field });
  }
  return parsed;
}
