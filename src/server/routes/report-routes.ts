import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/** The query of GET /v1/report: the flags of `unitcost report`, without the dashes. */
export const reportParameters = [
  { name: 'by', description: 'group keys, comma-separated: feature, team, user_tier, model, provider, user_id, session_id' },
  { name: 'period', description: 'time buckets: day, week or month' },
  { name: 'from', description: 'from this date or timestamp (inclusive)' },
  { name: 'to', description: 'until this date or timestamp (exclusive)' },
  { name: 'where', description: 'tag=value filter; repeat for several (values are bound parameters, never SQL)', repeated: true },
  { name: 'top', description: 'only the N costliest rows of each period (totals and group_count stay over every group); absent: every row' },
  {
    name: 'fields',
    description:
      'only these measures in each row (and the totals), comma-separated, e.g. calls,cost_usd,revenue_usd: the store then sums only what they need (docs/reports.md); absent: every measure',
  },
];

/** The query of GET /v1/kpis: the flags of `unitcost kpis`, without the dashes. */
export const kpiParameters = [
  { name: 'period', description: 'the last day, week or month of data, compared with the one before (default week)' },
  { name: 'to', description: 'the day after the period (default: the day after the last stored event)' },
  { name: 'where', description: 'tag=value filter, as /v1/report\'s (e.g. team=search, user_tier=pro); repeat for several', repeated: true },
];

/** GET /v1/report and GET /v1/kpis: the JSON of `unitcost report --json` and `unitcost kpis --json`. */
export function reportRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  const read = requireScope('read', policy);
  routes.get('/v1/report', read, async (context) => {
    const query = strictQuery(context.req.url, { single: ['by', 'period', 'from', 'to', 'top', 'fields'], repeated: ['where'] });
    const { by, period, from, to, top, fields } = query.values;
    const flags = { by, period, from, to, where: query.repeated.where, ...(top === undefined ? {} : { top }), ...(fields === undefined ? {} : { fields }) };
    return context.json(await services.report(flags, context.req.raw.signal, readOptions(context.req.header('cache-control'))));
  });
  routes.get('/v1/kpis', read, async (context) => {
    const query = strictQuery(context.req.url, { single: ['period', 'to'], repeated: ['where'] });
    const { period, to } = query.values;
    return context.json(await services.kpis({ period, to, where: query.repeated.where }, context.req.raw.signal, readOptions(context.req.header('cache-control'))));
  });
  return routes;
}

// Answers are kept until the next batch; "Cache-Control: no-cache" asks for one computed now (as the benchmark does).
function readOptions(cacheControl: string | undefined): { fresh: boolean } {
  return { fresh: /\bno-cache\b/i.test(cacheControl ?? '') };
}
