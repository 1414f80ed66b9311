import { focusBillingCurrency, focusColumnNames, focusServiceCategory, focusServiceSubcategory } from '../../core/governance/focus/focus-columns.js';
import type { FocusPriceRate } from '../../core/governance/focus/focus-price-rate.js';
import { consumedPerPricingUnit, focusClassWords, focusConsumedUnit, focusPricingUnit, focusTokenClasses, type FocusTokenClass } from '../../core/governance/focus/focus-token-classes.js';
import type { EventTagName } from '../../core/events/event-tags.js';
import { RelationChain, type ChainedSql } from './relation-chain.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * What the FOCUS export asks of the stored calls, written once for every SQL backend. Three steps:
 *   1. calls → groups: one pass over the window's priced calls, summing each token class's tokens and
 *      stored cost (integer picodollars, summed exactly) per day, price, long-context band and tag set;
 *   2. groups → rows: each group joined to its list and contracted rates (by price id and band) and to its
 *      price row (provider and model), split into one line per token class, and lines with the same rates
 *      merged: one row per day × model × token class × tag set (× rate, when a price changed during the day);
 *   3. rows → file: money converted to exact decimal dollars once per row, in the FOCUS columns' order.
 * How each backend holds the rates and the rows, and how it writes the file (DuckDB's COPY; ClickHouse's
 * rows written as the same CSV), stays in its own folder.
 */

/** What to export: a window [fromMs, toMs), the tags that make up Tags, and the rates of the stored prices. */
export interface FocusExportSqlQuery {
  fromMs: number;
  toMs: number;
  tagNames: readonly EventTagName[];
  rates: readonly FocusPriceRate[];
  format: 'csv' | 'parquet';
  /** Whether usage_events has web_search_requests and cost_web_search (DuckDB stores written before searches were priced do not). */
  webSearch?: boolean;
}

const rateKeys = ['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output', 'reasoning', 'inputAudio', 'outputAudio', 'request', 'webSearch'] as const;
type RateKey = (typeof rateKeys)[number];
const rateKeyOf: Record<FocusTokenClass, RateKey> = {
  input: 'input',
  cache_read: 'cacheRead',
  cache_write_5m: 'cacheWrite5m',
  cache_write_1h: 'cacheWrite1h',
  output: 'output',
  reasoning: 'reasoning',
  input_audio: 'inputAudio',
  output_audio: 'outputAudio',
  request: 'request',
  web_search: 'webSearch',
};
const snake = (key: RateKey): string => key.replace(/[A-Z0-9]+/g, (part) => `_${part.toLowerCase()}`);

/** The rate columns of the rates table, after price_id (text) and band (integer): a list and a contracted rate per class, integer picodollars. */
export const focusRateColumns: readonly string[] = rateKeys.flatMap((key) => [`list_${snake(key)}`, `contracted_${snake(key)}`]);

/**
 * The rows of the rates table, one per stored price and band, in the column order price_id, band,
 * ...focusRateColumns: what each backend loads into a table of its own before the rows step joins it.
 */
export function focusRateRows(rates: readonly FocusPriceRate[]): Array<[string, number, ...number[]]> {
  return rates.map((rate) => [rate.priceId, rate.band, ...rateKeys.flatMap((key) => [rate.list[key] ?? 0, rate.contracted[key] ?? 0])]);
}

// A call's long-context band: how many of its price's thresholds its input total exceeds (see ratesFor).
function bandExpression(rates: readonly FocusPriceRate[], d: SqlDialect): string {
  const thresholds = new Map<string, readonly number[]>();
  for (const rate of rates) if (rate.thresholds.length > 0) thresholds.set(rate.priceId, rate.thresholds);
  if (thresholds.size === 0) return '0';
  // A searched CASE: ClickHouse's `CASE x WHEN` takes only constants as results.
  const cases = [...thresholds].map(([priceId, values]) => `WHEN e.price_id = ${d.string(priceId)} THEN ${values.map((value) => `CASE WHEN e.input_tokens > ${checkedInteger(value)} THEN 1 ELSE 0 END`).join(' + ')}`);
  return `CASE ${cases.join(' ')} ELSE 0 END`;
}

function checkedInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${value}`);
  return String(value);
}

// Each class's tokens in a stored call, as computeCost bills them.
const classTokens: Record<Exclude<FocusTokenClass, 'request'>, string> = {
  input: 'e.input_tokens - e.cache_read_tokens - e.cache_write_5m_tokens - e.cache_write_1h_tokens - e.input_audio_tokens',
  cache_read: 'e.cache_read_tokens',
  cache_write_5m: 'e.cache_write_5m_tokens',
  cache_write_1h: 'e.cache_write_1h_tokens',
  output: 'e.output_tokens - e.reasoning_tokens - e.output_audio_tokens',
  reasoning: 'e.reasoning_tokens',
  input_audio: 'e.input_audio_tokens',
  output_audio: 'e.output_audio_tokens',
  web_search: 'e.web_search_requests',
};
// The stored cost column of each class; audio is stored as one sum and split by rate in the lines step.
const classCost: Record<Exclude<FocusTokenClass, 'request' | 'input_audio' | 'output_audio'>, string> = {
  input: 'e.cost_input',
  cache_read: 'e.cost_cache_read',
  cache_write_5m: 'e.cost_cache_write_5m',
  cache_write_1h: 'e.cost_cache_write_1h',
  output: 'e.cost_output',
  reasoning: 'e.cost_reasoning',
  web_search: 'e.cost_web_search',
};

const includedClasses = (query: FocusExportSqlQuery): FocusTokenClass[] => focusTokenClasses.filter((tokenClass) => tokenClass !== 'web_search' || query.webSearch === true);

/**
 * Steps 1 and 2: a query of the rows, one per day × model × token class × tag set × rates, with the columns
 * day, provider, model, tag_<name>…, token_class, list_rate, contracted_rate, quantity, calls, cost and
 * list_cost (integers; the rates null where the rates table has none for the call's price). `ratesTable`
 * names the loaded rates table (focusRateColumns). Each backend holds the result in a table of its own.
 */
export function focusRowsQuery(d: SqlDialect, query: FocusExportSqlQuery, ratesTable: string): ChainedSql {
  const tags = query.tagNames.map((name) => `tag_${name}`);
  const included = includedClasses(query);
  const tokenClasses = (Object.keys(classTokens) as Array<keyof typeof classTokens>).filter((name) => included.includes(name));
  const costClasses = (Object.keys(classCost) as Array<keyof typeof classCost>).filter((name) => included.includes(name));
  const sums = [
    'count(*) AS calls',
    `${d.exactSum('e.cost_request')} AS c_request`,
    `${d.exactSum('e.cost_audio')} AS c_audio`,
    // sum(indicator) rather than count(*) FILTER (…) or a CASE: in DuckDB ~15% and ~8% less for the whole pass over 10M calls.
    ...tokenClasses.flatMap((name) => [`${d.exactSum(classTokens[name])} AS q_${name}`, `sum(${d.indicator(`${classTokens[name]} > 0`)}) AS n_${name}`]),
    ...costClasses.map((name) => `${d.exactSum(classCost[name])} AS c_${name}`),
  ];
  const groupColumns = ['g_day', 'g_price_id', 'g_band', ...tags, ...sums.map((sum) => sum.slice(sum.lastIndexOf(' AS ') + 4))];
  const tagSelect = query.tagNames.map((name) => `${name === 'step' ? d.text('e.step') : `e.${name}`} AS tag_${name}`);
  const chain = new RelationChain(d);
  // Grouped by the price id, not by provider and model: a priced call always has one, it names the provider
  // and model (in prices), and two fewer text keys cut the pass by a third over 10M calls. Materialized:
  // the later steps read the groups, and the calls must be scanned only once.
  chain.add(
    'groups',
    `SELECT ${d.eventDate('e')} AS g_day, e.price_id AS g_price_id, ${d.narrow(bandExpression(query.rates, d))} AS g_band${tagSelect.map((tag) => `, ${tag}`).join('')},
        ${sums.join(',\n        ')}
      FROM ${d.table('usage_events', 'e')}
      WHERE ${d.eventAtOrAfterMs('e', query.fromMs)} AND ${d.eventBeforeMs('e', query.toMs)} AND e.cost_total IS NOT NULL
      GROUP BY ${['g_day', 'g_price_id', 'g_band', ...tags].join(', ')}`,
    { materialized: true },
  );
  // One join per SELECT (ClickHouse 18.16): the rates first, then the price row. A missing match is null in
  // DuckDB and the column defaults in ClickHouse, so r_found and p_found say which.
  chain.add(
    'rated',
    `SELECT ${groupColumns.map((column) => `g.${column} AS ${column}`).join(', ')}, r.r_found AS r_found,
        ${focusRateColumns.map((column) => `CASE WHEN r.r_found = 1 THEN r.r_${column} END AS ${column}`).join(', ')}
      FROM ${chain.from('groups', 'g')} ${d.join('left')} (
        SELECT price_id AS r_price_id, band AS r_band, ${focusRateColumns.map((column) => `${column} AS r_${column}`).join(', ')}, 1 AS r_found FROM ${ratesTable}
      ) AS r ON g.g_price_id = r.r_price_id AND g.g_band = r.r_band`,
  );
  chain.add(
    'named',
    `SELECT ${[...groupColumns, 'r_found', ...focusRateColumns].map((column) => `rt.${column} AS ${column}`).join(', ')},
        coalesce(CASE WHEN p.p_found = 1 THEN p.p_provider END, 'unknown') AS n_provider,
        coalesce(CASE WHEN p.p_found = 1 THEN p.p_model END, rt.g_price_id, 'unknown') AS n_model
      FROM ${chain.from('rated', 'rt')} ${d.join('left')} (
        SELECT p.price_id AS p_price_id, p.provider AS p_provider, p.model AS p_model, 1 AS p_found FROM ${d.table('prices', 'p')}
      ) AS p ON rt.g_price_id = p.p_price_id`,
    { materialized: true },
  );
  const inputAudioCost = `CASE WHEN n.r_found = 1 THEN ${d.wide('n.q_input_audio')} * ${d.wide('n.contracted_input_audio')} WHEN n.q_output_audio = 0 THEN n.c_audio ELSE 0 END`;
  const line = (tokenClass: FocusTokenClass): string => {
    const key = snake(rateKeyOf[tokenClass]);
    const [quantity, calls, cost] =
      tokenClass === 'request'
        ? ['n.calls', 'n.calls', 'n.c_request']
        : tokenClass === 'input_audio'
          ? ['n.q_input_audio', 'n.n_input_audio', inputAudioCost]
          : tokenClass === 'output_audio'
            ? ['n.q_output_audio', 'n.n_output_audio', `n.c_audio - (${inputAudioCost})`]
            : [`n.q_${tokenClass}`, `n.n_${tokenClass}`, `n.c_${tokenClass}`];
    return `SELECT n.g_day AS l_day, n.n_provider AS l_provider, n.n_model AS l_model, ${tags.map((tag) => `n.${tag} AS l_${tag}, `).join('')}${d.column(d.string(tokenClass))} AS l_class,
        ${d.wide(quantity)} AS l_quantity, ${d.wide(calls)} AS l_calls, ${d.wide(cost)} AS l_cost,
        n.list_${key} AS l_list_rate, n.contracted_${key} AS l_contracted_rate
      FROM ${chain.from('named', 'n')}`;
  };
  chain.add('lines', included.map(line).join('\n      UNION ALL '));
  const keys = ['l_day', 'l_provider', 'l_model', ...tags.map((tag) => `l_${tag}`), 'l_class', 'l_list_rate', 'l_contracted_rate'];
  const names = ['day', 'provider', 'model', ...tags, 'token_class', 'list_rate', 'contracted_rate'];
  return chain.query(`SELECT ${keys.map((key, index) => `${key} AS ${names[index]}`).join(', ')},
      sum(l_quantity) AS quantity, sum(l_calls) AS calls, sum(l_cost) AS cost,
      sum(CASE WHEN l_list_rate IS NULL THEN l_cost ELSE l_quantity * ${d.wide('l_list_rate')} END) AS list_cost
    FROM ${chain.source('lines')}
    -- A class the calls did not use is no charge; a request fee of zero is none either.
    WHERE l_quantity > 0 AND (l_class <> 'request' OR l_cost <> 0 OR coalesce(l_list_rate, 0) <> 0)
    GROUP BY ${keys.join(', ')}`);
}

/**
 * Step 3: the FOCUS columns over the rows table, in the order focus-columns.ts lists them, sorted by day,
 * model, class, tags and rates. Money and quantities are exact decimals (dialect.fixedDecimal); instants
 * are ISO text for CSV and UTC timestamps for Parquet.
 */
export function focusSelectSql(d: SqlDialect, query: FocusExportSqlQuery, rowsTable: string): string {
  // A rate is picodollars per consumed unit; a pricing unit holds 10^k of them, so its price is rate × 10^(k−12)
  // dollars and its quantity units × 10^−k: their product is the cost, exactly.
  const exponentOf = (tokenClass: FocusTokenClass): number => Math.round(Math.log10(consumedPerPricingUnit(tokenClass)));
  const byExponent = (value: (exponent: number) => string): string => {
    const exponents = [...new Set(focusTokenClasses.map(exponentOf))];
    return `CASE ${exponents.map((exponent) => `WHEN token_class IN (${focusTokenClasses.filter((tokenClass) => exponentOf(tokenClass) === exponent).map((tokenClass) => d.string(tokenClass)).join(', ')}) THEN ${value(exponent)}`).join(' ')} END`;
  };
  const money = (picodollars: string): string => d.fixedDecimal(picodollars, 12, 12);
  const perPricingUnit = (integer: string): string => byExponent((exponent) => d.fixedDecimal(integer, 12 - exponent, 12));
  const quantity = (units: string): string => byExponent((exponent) => d.fixedDecimal(units, exponent, 6));
  const instant = (ms: string): string => (query.format === 'csv' ? d.isoInstant(ms) : d.utcTimestamp(ms));
  const dayMs = d.dateMs('day');
  const month = d.monthStart('day');
  const msLiteral = (ms: number): string => checkedInteger(Math.trunc(ms));
  // Searched CASEs: ClickHouse 18.16 turns `CASE x WHEN` into transform(), which gives nothing here.
  const classCase = (value: (tokenClass: FocusTokenClass) => string): string => `CASE ${focusTokenClasses.map((tokenClass) => `WHEN token_class = ${d.string(tokenClass)} THEN ${d.string(value(tokenClass))}`).join(' ')} END`;
  const expressions: Record<string, string> = {
    BilledCost: money('cost'),
    BillingAccountId: 'provider',
    BillingAccountName: 'provider',
    BillingCurrency: d.string(focusBillingCurrency),
    BillingPeriodEnd: instant(d.dateMs(d.addMonths(month, 1))),
    BillingPeriodStart: instant(d.dateMs(month)),
    ChargeCategory: d.string('Usage'),
    ChargeClass: d.nullableString(null),
    ChargeDescription: `model || ' ' || ${classCase(focusClassWords)}`,
    ChargeFrequency: d.string('Usage-Based'),
    ChargePeriodEnd: instant(`least(${dayMs} + 86400000, ${msLiteral(query.toMs)})`),
    ChargePeriodStart: instant(`greatest(${dayMs}, ${msLiteral(query.fromMs)})`),
    ConsumedQuantity: d.fixedDecimal('quantity', 0, 6),
    ConsumedUnit: classCase(focusConsumedUnit),
    ContractedCost: money('cost'),
    ContractedUnitPrice: perPricingUnit('contracted_rate'),
    EffectiveCost: money('cost'),
    InvoiceIssuerName: 'provider',
    ListCost: money('list_cost'),
    ListUnitPrice: perPricingUnit('list_rate'),
    PricingCategory: d.string('Standard'),
    PricingQuantity: quantity('quantity'),
    PricingUnit: classCase(focusPricingUnit),
    ProviderName: 'provider',
    PublisherName: 'provider',
    ServiceCategory: d.string(focusServiceCategory),
    ServiceName: `provider || ' API'`,
    ServiceSubcategory: d.string(focusServiceSubcategory),
    SkuId: `model || ':' || token_class`,
    Tags: d.jsonObject(query.tagNames.map((name) => [name, `tag_${name}`] as const)),
    x_CallCount: d.fixedDecimal('calls', 0, 0),
    x_Model: 'model',
    x_TokenClass: 'token_class',
  };
  const select = focusColumnNames.map((name) => {
    const expression = expressions[name];
    if (expression === undefined) throw new Error(`no SQL for the FOCUS column ${name}`);
    return `${expression} AS "${name}"`;
  });
  const classOrder = `CASE ${focusTokenClasses.map((tokenClass, index) => `WHEN token_class = ${d.string(tokenClass)} THEN ${index}`).join(' ')} END`;
  const tagOrder = query.tagNames.map((name) => `tag_${name} NULLS FIRST`);
  return `SELECT ${select.join(',\n  ')}
    FROM ${rowsTable}
    ORDER BY day, provider, model, ${classOrder}${tagOrder.map((tag) => `, ${tag}`).join('')}, list_rate NULLS FIRST, contracted_rate NULLS FIRST`;
}

/** The sums over the rows table: rows, billed, list (exact text, null when there are no rows) and rows_without_unit_price. */
export function focusRowTotalsSql(d: SqlDialect, rowsTable: string): string {
  // Summed as they are, already wide: ClickHouse's exactSumText wraps them in ifNull(…, 0), which a Decimal refuses.
  return `SELECT count(*) AS row_count, ${d.exactText(d.exactSum('f.cost'))} AS billed, ${d.exactText(d.exactSum('f.list_cost'))} AS list,
      ${d.countIf('f.list_rate IS NULL')} AS without_unit_price
    FROM ${rowsTable} AS f`;
}

/** The store's own figures for the window: priced and unpriced calls, and the total cost (exact text, null when no call is priced). */
export function focusStoreTotalsSql(d: SqlDialect, query: { fromMs: number; toMs: number }): string {
  // exactSum, not exactSumText: DuckDB sums a BIGINT into a HUGEINT as it goes, where casting each of 10M
  // costs first cost the whole export ~10% more CPU (measured).
  return `SELECT ${d.countIf('e.cost_total IS NOT NULL')} AS priced, ${d.countIf('e.cost_total IS NULL')} AS unpriced, ${d.exactText(d.exactSum('e.cost_total'))} AS total
    FROM ${d.table('usage_events', 'e')}
    WHERE ${d.eventAtOrAfterMs('e', query.fromMs)} AND ${d.eventBeforeMs('e', query.toMs)}`;
}

/** Every model the store has a price row for (provider, model): what the export plans list prices from. */
export function focusPricedModelsSql(d: SqlDialect): string {
  return `SELECT DISTINCT p.provider AS provider, p.model AS model FROM ${d.table('prices', 'p')} ORDER BY model, provider`;
}
