import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import type { SimulateRequest } from '../../app/simulate-service.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { readTextBody } from '../read-text-body.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

// A scenario is a few dozen lines; a megabyte is generous and keeps a runaway client from filling memory.
const maxScenarioBytes = 1_000_000;
const yamlTypes = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * POST /v1/simulate: the what-if replay, the JSON of `unitcost simulate --json`. The body is JSON
 * {scenario, from?, to?}, or the YAML of a scenario file (from and to then in the query).
 */
export function simulateRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.post('/v1/simulate', requireScope('read', policy), async (context) => {
    const query = strictQuery(context.req.url, { single: ['from', 'to'] }).values;
    const text = await readTextBody(context.req.raw, { maxBytes: maxScenarioBytes, types: ['application/json', ...yamlTypes], what: 'a JSON body {"scenario": {"levers": […]}, "from"?: …, "to"?: …} or a YAML scenario' });
    const mediaType = (context.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const request: SimulateRequest = yamlTypes.includes(mediaType) ? { scenario: { text, name: 'request body' }, ...query } : jsonRequest(text);
    return context.json(await services.simulate(request, context.req.raw.signal));
  });
  return routes;
}

function jsonRequest(text: string): SimulateRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new UnitcostError('invalid_argument', `the body is not JSON: ${(error as Error).message}`, { field: 'body' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UnitcostError('invalid_argument', 'the body must be an object {"scenario": {…}, "from"?: …, "to"?: …}', { field: 'body' });
  const { scenario, from, to, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new UnitcostError('invalid_argument', `unknown field ${unknown[0]} in the body: it takes scenario, from and to`, { field: unknown[0]! });
  if (scenario === undefined) throw new UnitcostError('invalid_argument', 'the body needs a scenario: {"scenario": {"levers": […]}}', { field: 'scenario' });
  for (const [field, value] of [['from', from], ['to', to]] as const) {
    if (value !== undefined && typeof value !== 'string') throw new UnitcostError('invalid_argument', `${field} must be a date string such as "2026-03-01"`, { field });
  }
  return { scenario: { value: scenario, name: 'scenario' }, ...(from === undefined ? {} : { from: from as string }), ...(to === undefined ? {} : { to: to as string }) };
}
