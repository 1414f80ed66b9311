import { Hono } from 'hono';
import { servedReconcile } from '../../app/reconcile/served-reconcile.js';
import type { ServerServices } from '../../app/server-types.js';
import { reconcileProviders, type ReconcileProvider } from '../../core/reconcile/provider-report.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/** The query parameters of GET /v1/reconcile, as `unitcost reconcile` names its flags. */
export const reconcileParameters = ['provider', 'month', 'from', 'to'] as const;

/**
 * GET /v1/reconcile: the JSON of `unitcost reconcile PROVIDER --live --json`, pulled with the admin key of
 * the server's environment and kept a few minutes per provider and window (docs/reconcile.md).
 * "Cache-Control: no-cache" pulls again.
 */
export function reconcileRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  const reconcile = servedReconcile({ app: services.app, readRecorded: (query) => services.readStore((store) => store.recordedByProviderDay(query)) });
  routes.get('/v1/reconcile', requireScope('read', policy), async (context) => {
    const { values } = strictQuery(context.req.url, { single: reconcileParameters });
    const provider = values.provider;
    if (provider === undefined || !(reconcileProviders as readonly string[]).includes(provider)) {
      throw new UnitcostError('invalid_argument', `provider must be ${reconcileProviders.join(' or ')}, got ${provider === undefined ? 'none' : `"${provider}"`}`, { field: 'provider' });
    }
    const fresh = /\bno-cache\b/i.test(context.req.header('cache-control') ?? '');
    return context.json(await reconcile({ provider: provider as ReconcileProvider, ...windowOf(values), fresh }));
  });
  return routes;
}

function windowOf(values: Partial<Record<(typeof reconcileParameters)[number], string>>): { from: string; to: string } {
  if (values.month !== undefined) {
    if (values.from !== undefined || values.to !== undefined) throw new UnitcostError('invalid_argument', 'give month, or from and to, not both', { field: 'month' });
    const match = /^(\d{4})-(\d{2})$/.exec(values.month);
    const month = Number(match?.[2]);
    if (match === null || month < 1 || month > 12) throw new UnitcostError('invalid_argument', `month must be YYYY-MM, got "${values.month}"`, { field: 'month' });
    const year = Number(match[1]);
    const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
    return { from: `${values.month}-01`, to: `${next}-01` };
  }
  if (values.from === undefined || values.to === undefined) throw new UnitcostError('invalid_argument', 'say which days: month=YYYY-MM, or from and to (YYYY-MM-DD, to exclusive)', { field: values.from === undefined ? 'from' : 'to' });
  for (const field of ['from', 'to'] as const) {
    const value = values[field]!;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !Number.isFinite(Date.parse(`${value}T00:00:00Z`))) throw new UnitcostError('invalid_argument', `${field} must be a UTC day, YYYY-MM-DD, got "${value}"`, { field });
  }
  if (values.to! <= values.from) throw new UnitcostError('invalid_argument', `to (${values.to}) must be after from (${values.from}): the window is [from, to)`, { field: 'to' });
  return { from: values.from, to: values.to! };
}
