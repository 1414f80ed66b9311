import type { Command } from 'commander';
import { type RateCard, type TokenClass } from '../core/catalog/rate-card.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { formatTable } from './format-table.js';
import type { CliContext } from './cli-context.js';
import { parseDateOption } from './parse-date-option.js';
import { listModelsJson, showModelJson } from '../app/models-service.js';

const columnTitles: Record<TokenClass, string> = {
  input: 'input',
  cacheRead: 'cache read',
  cacheWrite5m: 'cache write 5m',
  cacheWrite1h: 'cache write 1h',
  output: 'output',
  reasoning: 'reasoning',
  inputAudio: 'audio in',
  outputAudio: 'audio out',
};

const tableClasses: TokenClass[] = ['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output', 'reasoning'];

/** Registers `unitcost models [QUERY]` and `unitcost models show ID`. */
export function registerModelsCommand(program: Command, context: CliContext): void {
  const models = program
    .command('models')
    .description('list models and their prices in $ per million tokens, for each token class')
    .argument('[query...]', 'words every listed model must contain in its provider, id or name (e.g. "claude opus")')
    .option('--at <date>', 'show the prices in force at this date (default: now)')
    .option('--provider <id>', 'only this provider (e.g. anthropic, openai, google)')
    .option('--limit <n>', 'show at most this many models', (value) => positiveInteger(value, '--limit'))
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      `
Prices are $ per million tokens. A class the provider does not price apart shows "—" and is billed at its
parent's price (cache read and cache writes at input, 1h writes at the 5m price, reasoning at output).
"long context" gives the tier that replaces every price once a call's input exceeds the threshold.

Examples:
  unitcost models claude                 every Claude model
  unitcost models gpt-5 --at 2025-09-01  prices in force on that day
  unitcost models --provider deepseek --json
  unitcost models show claude-opus-4-7   one model and its price history`,
    )
    .action((queryWords: string[], options: { at?: string; provider?: string; limit?: number; json?: boolean }) => {
      const { catalog, now } = context.app();
      const at = options.at ? parseDateOption(options.at, '--at') : now();
      let listings = catalog.listModels(queryWords.join(' '), at.getTime());
      if (options.provider) listings = listings.filter((listing) => listing.model.provider === options.provider!.toLowerCase());
      const total = listings.length;
      if (options.limit !== undefined) listings = listings.slice(0, options.limit);
      if (options.json) {
        const query = { words: queryWords.join(' '), at, ...(options.provider ? { provider: options.provider } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) };
        context.io.stdout(`${JSON.stringify(listModelsJson(context.app(), query), null, 2)}\n`);
        return;
      }
      if (total === 0) {
        context.io.stdout(`no model matches "${queryWords.join(' ')}"${options.provider ? ` at provider ${options.provider}` : ''}\n`);
        return;
      }
      const rows = listings.map((listing) => [
        `${listing.model.provider}/${listing.model.model}`,
        ...(listing.price.priced ? priceCells(listing.price.price.card) : tableClasses.map(() => 'unpriced')),
        listing.price.priced ? longContextCell(listing.price.price.card) : '',
      ]);
      context.io.stdout(formatTable(['model', ...tableClasses.map((tokenClass) => columnTitles[tokenClass]), 'long context'], rows, [1, 2, 3, 4, 5, 6]));
      context.io.stdout(`${total} model${total === 1 ? '' : 's'}, prices in $/M tokens at ${at.toISOString().slice(0, 10)}${listings.length < total ? ` (first ${listings.length} shown)` : ''}\n`);
    });

  models
    .command('show')
    .description('one model: what it resolves to, its current prices and its price history')
    .argument('<id>', 'model id or alias, optionally with its provider: claude-opus-4-7, claude-opus-4.7, anthropic/claude-opus-4-7')
    .option('--provider <id>', 'look the model up at this provider')
    .option('--json', 'print JSON for scripts')
    .action((id: string, options: { provider?: string; json?: boolean }) => {
      const { catalog } = context.app();
      const lookup = catalog.findModel(id, options.provider ? { provider: options.provider } : {});
      if (!lookup.found) {
        throw new UnitcostError('unknown_model', lookup.reason, { field: 'id', suggestions: lookup.suggestions });
      }
      const history = lookup.timeline.history();
      const windows = lookup.timeline.dailyWindows();
      if (options.json) {
        context.io.stdout(`${JSON.stringify(showModelJson(context.app(), id, options.provider ? { provider: options.provider } : {}), null, 2)}\n`);
        return;
      }
      const model = lookup.model;
      context.io.stdout(`${model.provider}/${model.model} — ${model.name}${model.deprecated ? ' (deprecated)' : ''}\n`);
      context.io.stdout(`source: ${model.source === 'catalog' ? '@pydantic/genai-prices' : 'your config'}${model.contextWindow ? `, context window ${model.contextWindow.toLocaleString('en-US')} tokens` : ''}\n\n`);
      const rows = history.map((period) => [
        period.from ?? (period.to ? 'before' : 'always'),
        period.to ?? '…',
        ...(period.price.priced ? priceCells(period.price.price.card) : tableClasses.map(() => 'unpriced')),
        period.price.priced ? longContextCell(period.price.price.card) : '',
        period.price.priced ? period.price.price.sources.join(', ') : period.price.reason,
      ]);
      context.io.stdout(formatTable(['from', 'until', ...tableClasses.map((tokenClass) => columnTitles[tokenClass]), 'long context', 'source'], rows, [2, 3, 4, 5, 6, 7]));
      for (const window of windows) {
        const cells = priceCells(window.card);
        const named = tableClasses.flatMap((tokenClass, index) => (cells[index] === '—' ? [] : [`${columnTitles[tokenClass]} ${cells[index]}`]));
        context.io.stdout(`every day ${window.start}–${window.end} this price replaces the one above: ${named.join(', ')}\n`);
      }
      context.io.stdout('prices in $/M tokens; "—" means billed at the parent class\'s price\n');
    });
}

function priceCells(card: RateCard): string[] {
  return tableClasses.map((tokenClass) =>
    card.explicit.has(tokenClass) || tokenClass === 'input' || tokenClass === 'output' ? dollars(card.base[tokenClass]) : '—',
  );
}

function longContextCell(card: RateCard): string {
  return card.tiers
    .map((tier) => `>${(tier.inputAbove / 1000).toLocaleString('en-US')}k: ${dollars(tier.rates.input)}/${dollars(tier.rates.output)}`)
    .join('; ');
}

function dollars(picodollarsPerToken: number): string {
  return String(picodollarsPerToken / 1_000_000);
}

function positiveInteger(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new UnitcostError('invalid_argument', `${flag} must be a positive whole number, got "${value}"`, { field: flag });
  }
  return parsed;
}
