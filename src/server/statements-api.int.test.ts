import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerServices } from '../app/server-types.js';
import { exactPicodollars, type StatementJson } from '../core/governance/statements/statement-json.js';
import { serveStoreWithConfig, type ServedStore } from './served-store-test-harness.js';
import type { RunningServer } from './start-server.js';

let served: ServedStore;
let directory: string;
let server: RunningServer;
let services: ServerServices;

function event(id: string, timestamp: string, team: string | null): Record<string, unknown> {
  return { id, timestamp, provider: 'openai', model: 'gpt-4o-mini', input_tokens: 100_003, output_tokens: 20_011, feature: 'support-bot', ...(team === null ? {} : { team }) };
}

beforeAll(async () => {
  served = await serveStoreWithConfig('unitcost-statements-api-', { statements: { allocation: { team: { rule: 'even' } } } }, '2026-12-02T12:00:00Z');
  ({ directory, server, services } = served);
});
afterAll(() => served.close());

describe('GET /v1/statements', () => {
  it('answers a showback statement of the stored calls, the shared cost split by the configured rule', async () => {
    const batch = [event('s-1', '2026-11-02T08:00:00Z', 'support'), event('s-2', '2026-11-03T09:00:00Z', 'search'), event('s-3', '2026-11-04T09:00:00Z', null)];
    expect((await fetch(`${server.url}/v1/events`, { method: 'POST', body: JSON.stringify(batch), headers: { 'Content-Type': 'application/json' } })).status).toBe(200);
    const response = await fetch(`${server.url}/v1/statements?period=2026-11&by=team`);
    expect(response.status).toBe(200);
    const statement = (await response.json()) as StatementJson;
    expect(statement).toMatchObject({ mode: 'showback', statement_id: null, period: '2026-11', by: 'team', allocation: { rule: 'even' } });
    expect(statement.lines.map((line) => line.group)).toEqual(['search', 'support']);
    // Even: the call without a team is split in two, to the picodollar.
    const shares = statement.lines.map((line) => exactPicodollars(line.shared.exact));
    expect(shares[0]! - shares[1]!).toBeLessThanOrEqual(1n);
    expect(shares[0]! + shares[1]!).toBe(exactPicodollars(statement.shared.total.exact));
    expect(statement.shared.sources).toEqual([expect.objectContaining({ group: null, calls: 1 })]);
  });

  it('does not close a period: chargeback of a period still open says to close it with the CLI', async () => {
    const response = await fetch(`${server.url}/v1/statements?period=2026-10&mode=chargeback`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('is not closed, and the server does not close periods: stop `unitcost serve`, then run `unitcost statement --mode chargeback` on the store file');
  });

  it('refuses a query parameter it does not know', async () => {
    expect((await fetch(`${server.url}/v1/statements?perod=2026-11`)).status).toBe(400);
  });
});
