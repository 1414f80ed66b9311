import { Hono } from 'hono';
import { UnitcostError } from '../../core/unitcost-error.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';

/** /v1/simulate: the what-if levers. Answers 501 until the simulator exists, rather than a made-up result. */
export function simulateRoutes(policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.on(['GET', 'POST'], '/v1/simulate', requireScope('read', policy), () => {
    throw new UnitcostError('not_implemented', 'the what-if simulator is not built yet: /v1/simulate will compare the baseline with a scenario once `unitcost simulate` exists');
  });
  return routes;
}
