import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openGatewayServices } from '../app/gateway/gateway-services.js';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { ClickhouseStore } from '../store/clickhouse/clickhouse-store.js';
import { startClickhouseServer, type ClickhouseTestServer } from '../testing/clickhouse-server.js';
import { startFakeProvider } from '../testing/fake-provider-server.js';
import { startGateway } from './start-gateway.js';

/*
 * `unitcost gateway` with store.backend: clickhouse: the calls it forwards are recorded in the ClickHouse
 * database, priced as the header said, and a budget's spend is read back from it after a restart.
 */

let server: ClickhouseTestServer;

beforeAll(async () => {
  server = await startClickhouseServer();
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

describe('the gateway on the ClickHouse store', () => {
  it('records every call in ClickHouse with the cost its header said, and enforces a budget from the spend stored there', async () => {
    const fake = await startFakeProvider();
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-clickhouse-gateway-'));
    const configure = (budgets: unknown[]) =>
      writeFileSync(
        join(directory, 'unitcost.config.json'),
        JSON.stringify({
          store: { backend: 'clickhouse', clickhouse: { url: server.url, database: 'gateway' } },
          gateway: { providers: { openai: { base_url: `${fake.url}/v1` }, anthropic: { base_url: fake.url } } },
          budgets,
        }),
      );
    configure([]);
    const start = async () => {
      const app = createApp({ directory, environment: {} });
      const services = await openGatewayServices(app, { environment: {} });
      const gateway = await startGateway({ services, host: '127.0.0.1', port: 0, logLevel: 'silent', logDestination: { write: () => undefined } });
      return { services, gateway, openai: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-client-key', maxRetries: 0 }) };
    };
    const messages = [{ role: 'user' as const, content: 'When does my order ship?' }];
    const tagged = { headers: { 'x-unitcost-feature': 'support-faq' } };
    try {
      const first = await start();
      const answer = await first.openai.chat.completions.create({ model: 'gpt-4.1', messages }, tagged).withResponse();
      await first.openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }, tagged).then(async (stream) => {
        for await (const _chunk of stream);
      });
      await first.gateway.close();
      await first.services.close();

      const store = await ClickhouseStore.open(server.settings('gateway'));
      const counts = await store.counts();
      const [stored] = await store.connection.rows<{ cost: string }>(`SELECT toString(cost_total) AS cost FROM usage_events FINAL WHERE feature = 'support-faq' ORDER BY ts_us LIMIT 1`);
      await store.close();
      expect(counts.usageEvents).toBe(2);
      expect(answer.response.headers.get('x-unitcost-cost-usd')).toBe(formatPicodollarsExact(BigInt(stored!.cost)));

      // A limit the recorded calls already passed: the restarted gateway reads their spend from ClickHouse and refuses.
      configure([{ name: 'faq', per: 'feature', equals: 'support-faq', period: 'month', limit_usd: 0.000001, mode: 'hard' }]);
      const second = await start();
      try {
        // Before any call the message said "has spent $0"; now it is the stored calls' spend.
        await expect(second.openai.chat.completions.create({ model: 'gpt-4.1', messages }, tagged)).rejects.toThrow(/budget "faq" \(feature support-faq\) has spent \$0\.0\d*[1-9]/);
      } finally {
        await second.gateway.close();
        await second.services.close();
      }
    } finally {
      await fake.close();
    }
  });
});
