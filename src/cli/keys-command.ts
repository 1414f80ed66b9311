import type { Command } from 'commander';
import { keyScopes } from '../app/api-keys.js';
import { withApiKeys } from '../app/key-service.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';

/** Registers `unitcost keys create|list|revoke`: the API keys of `unitcost serve`. */
export function registerKeysCommand(program: Command, context: CliContext): void {
  const keys = program
    .command('keys')
    .description('API keys for `unitcost serve`: ingest keys send events, read keys read reports, admin keys do both and manage keys')
    .addHelpText(
      'after',
      `
Keys are stored in the store (the DuckDB file, or the ClickHouse database every server shares) as SHA-256
hashes: a key is shown once, when it is created. Requests send
it as "Authorization: Bearer <key>". With no active key, \`unitcost serve\` listens on loopback only.
While the server holds the store, manage keys over its API with an admin key (GET/POST /v1/keys).

Examples:
  KEY=$(unitcost keys create --name ci-ingest --scope ingest)   the key alone on stdout
  unitcost keys list
  unitcost keys revoke ci-ingest`,
    );

  keys
    .command('create')
    .description('create a key and print it once')
    .requiredOption('--name <name>', 'who or what holds the key, e.g. "billing-service"')
    .requiredOption('--scope <scope>', `what it may do: ${keyScopes.join(', ')}`)
    .option('--db <file>', 'the store file (default: $UNITCOST_DB, the config, or ./unitcost.duckdb)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { name: string; scope: string; db?: string; json?: boolean }) => {
      const created = await withApiKeys(context.app(), dbOption(options), (registry) => registry.create(options.name, options.scope));
      if (options.json) {
        context.io.stdout(`${JSON.stringify({ ...snakeRecord(created.record), key: created.key }, null, 2)}\n`);
        return;
      }
      // The key alone on stdout, so `KEY=$(unitcost keys create …)` captures it; the words go to stderr.
      context.io.stderr(`created key "${created.record.name}" (id ${created.record.id}, scope ${created.record.scope}); copy it now, it cannot be shown again:\n`);
      context.io.stdout(`${created.key}\n`);
    });

  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--db <file>', 'the store file')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { db?: string; json?: boolean }) => {
      const records = await withApiKeys(context.app(), dbOption(options), async (registry) => registry.list());
      if (options.json) {
        context.io.stdout(`${JSON.stringify({ keys: records.map(snakeRecord) }, null, 2)}\n`);
        return;
      }
      if (records.length === 0) {
        context.io.stdout('no API keys: `unitcost serve` listens on loopback only and needs none\n');
        return;
      }
      const rows = records.map((record) => [record.id, record.name, record.scope, record.createdAt.slice(0, 19).replace('T', ' '), record.revokedAt ? `revoked ${record.revokedAt.slice(0, 10)}` : 'active']);
      context.io.stdout(formatTable(['id', 'name', 'scope', 'created (UTC)', 'status'], rows));
    });

  keys
    .command('revoke')
    .description('revoke a key by id or name; requests with it are refused from then on')
    .argument('<key>', 'the key id or the name of an active key')
    .option('--db <file>', 'the store file')
    .action(async (key: string, options: { db?: string }) => {
      const record = await withApiKeys(context.app(), dbOption(options), (registry) => registry.revoke(key));
      context.io.stdout(`revoked key "${record.name}" (id ${record.id}, scope ${record.scope})\n`);
    });
}

function dbOption(options: { db?: string }): { db?: string } {
  return options.db === undefined ? {} : { db: options.db };
}

function snakeRecord(record: { id: string; name: string; scope: string; createdAt: string; revokedAt: string | null }): Record<string, unknown> {
  return { id: record.id, name: record.name, scope: record.scope, created_at: record.createdAt, revoked_at: record.revokedAt };
}
