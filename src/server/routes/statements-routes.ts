import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { statementCsv, statementHtml } from '../../core/governance/statements/statement-documents.js';
import type { StatementJson } from '../../core/governance/statements/statement-json.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

const formats = ['json', 'csv', 'html'] as const;

/**
 * GET /v1/statements: the JSON of `unitcost statement --format json` (showback, or a closed period's chargeback
 * statement); with format=csv or html, the CLI's CSV or printable page of the same statement.
 */
export function statementsRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.get('/v1/statements', requireScope('read', policy), async (context) => {
    const query = strictQuery(context.req.url, { single: ['period', 'from', 'to', 'by', 'mode', 'format'], repeated: [] });
    const { format = 'json', ...flags } = query.values;
    if (!(formats as readonly string[]).includes(format)) throw new UnitcostError('invalid_argument', `format must be json, csv or html (a printable page), got "${format}"`, { field: 'format' });
    const statement = (await services.statements(flags, context.req.raw.signal)) as StatementJson;
    if (format === 'html') return context.html(statementHtml(statement));
    if (format === 'csv') {
      const name = `statement-${statement.statement_id ?? `${statement.by}-${statement.period}-showback`}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
      return context.body(statementCsv(statement), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename=${name}` });
    }
    return context.json(statement);
  });
  return routes;
}
