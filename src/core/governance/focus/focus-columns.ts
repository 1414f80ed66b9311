/*
 * The columns of unitcost's FOCUS export (FinOps Open Cost and Usage Specification, version 1.2), in the
 * order they are written. Each says what the spec requires of it (data type, feature level, whether it
 * may be null) and, in `rule`, the condition this export holds it to; validateFocusRows checks every one
 * of them, and docs/focus.md says what each holds.
 *
 * What the 1.2 spec asks, in short (our words, not the spec's):
 * - 21 columns are Mandatory: always present, whatever the provider. Of these only ChargeClass may be null
 *   in general (null unless the row corrects an earlier one), and PricingUnit may be null except on Usage
 *   and Purchase rows, where it is required.
 * - Conditional columns are present when the provider has the concept: we have token quantities
 *   (ConsumedQuantity/ConsumedUnit), list and contracted unit prices, SKUs, a pricing category and tags.
 *   On a Usage row that is not a correction, ConsumedQuantity/ConsumedUnit, SkuId and PricingUnit are not null.
 * - Costs are decimals in the billing currency, never null. ListCost = ListUnitPrice × PricingQuantity when
 *   the unit price is given, and likewise ContractedCost = ContractedUnitPrice × PricingQuantity; without a
 *   unit price the cost equals BilledCost.
 * - Date-times are UTC instants; a charge period is [start, end) and lies within its billing period [start, end).
 * - Tags is a JSON object whose keys map to strings (or true for a key without a value).
 * - A column this export adds beyond the spec is prefixed x_.
 */

/** The data types FOCUS gives its columns. */
export type FocusDataType = 'String' | 'Decimal' | 'DateTime' | 'JSON';

/** How strongly the spec asks for a column: Mandatory ones always, Conditional ones when the provider has the concept. */
export type FocusFeatureLevel = 'Mandatory' | 'Conditional' | 'Recommended' | 'Custom';

/** One column of the export. */
export interface FocusColumn {
  name: string;
  type: FocusDataType;
  level: FocusFeatureLevel;
  /** Whether the spec lets the column be null on some row; the export's own rule for this column is in `rule`. */
  nullable: boolean;
  /** What the export puts in it, for docs and for the validator's messages. */
  holds: string;
  /** When set, the only values the column may take. */
  allowed?: readonly string[];
}

/** The currency every cost is in: provider price lists, and so unitcost's picodollars, are in US dollars. */
export const focusBillingCurrency = 'USD';

/** The category and subcategory of every row: LLM API calls are generative AI services. */
export const focusServiceCategory = 'AI and Machine Learning';
export const focusServiceSubcategory = 'Generative AI';

/** ChargeCategory values the spec allows; this export writes only Usage (calls), never purchases, taxes or credits. */
export const focusChargeCategories = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const;

/** ChargeFrequency values the spec allows. */
export const focusChargeFrequencies = ['One-Time', 'Recurring', 'Usage-Based'] as const;

/** PricingCategory values the spec allows; a negotiated percentage off is still Standard (no commitment is bought). */
export const focusPricingCategories = ['Standard', 'Dynamic', 'Committed', 'Other'] as const;

/** Prefix of every column this export adds beyond the spec. */
export const focusCustomPrefix = 'x_';

const column = (name: string, type: FocusDataType, level: FocusFeatureLevel, nullable: boolean, holds: string, allowed?: readonly string[]): FocusColumn => ({
  name,
  type,
  level,
  nullable,
  holds,
  ...(allowed === undefined ? {} : { allowed }),
});

/** Every column of the export, in file order: the spec's (alphabetical, as the spec lists them), then ours (x_). */
export const focusColumns: readonly FocusColumn[] = [
  column('BilledCost', 'Decimal', 'Mandatory', false, 'the cost unitcost stored for these calls, after the config\'s discounts'),
  column('BillingAccountId', 'String', 'Mandatory', false, 'the provider id (unitcost does not know the account number)'),
  column('BillingAccountName', 'String', 'Mandatory', false, 'the provider id'),
  column('BillingCurrency', 'String', 'Mandatory', false, 'USD', [focusBillingCurrency]),
  column('BillingPeriodEnd', 'DateTime', 'Mandatory', false, 'midnight UTC of the first day of the next month (exclusive)'),
  column('BillingPeriodStart', 'DateTime', 'Mandatory', false, 'midnight UTC of the first day of the charge\'s month'),
  column('ChargeCategory', 'String', 'Mandatory', false, 'Usage', focusChargeCategories),
  column('ChargeClass', 'String', 'Mandatory', true, 'null: no row corrects an earlier one', ['Correction']),
  column('ChargeDescription', 'String', 'Mandatory', false, 'the model and token class, e.g. "claude-sonnet-4-5 cache-read tokens"'),
  column('ChargeFrequency', 'String', 'Recommended', false, 'Usage-Based', focusChargeFrequencies),
  column('ChargePeriodEnd', 'DateTime', 'Mandatory', false, 'the next midnight UTC, or --to when it ends the day earlier (exclusive)'),
  column('ChargePeriodStart', 'DateTime', 'Mandatory', false, 'midnight UTC of the day of the calls, or --from when it starts the day later'),
  column('ConsumedQuantity', 'Decimal', 'Conditional', true, 'the tokens of this class (requests for a per-request fee, searches for web searches)'),
  column('ConsumedUnit', 'String', 'Conditional', true, 'Tokens (Requests for a per-request fee, Searches for web searches)'),
  column('ContractedCost', 'Decimal', 'Mandatory', false, 'the cost after the config\'s discounts: BilledCost'),
  column('ContractedUnitPrice', 'Decimal', 'Conditional', true, 'the discounted price per PricingUnit'),
  column('EffectiveCost', 'Decimal', 'Mandatory', false, 'the cost after discounts: BilledCost (nothing is prepaid or amortized)'),
  column('InvoiceIssuerName', 'String', 'Mandatory', false, 'the provider id'),
  column('ListCost', 'Decimal', 'Mandatory', false, 'the cost at the catalog\'s public price, before discounts'),
  column('ListUnitPrice', 'Decimal', 'Conditional', true, 'the catalog\'s public price per PricingUnit, e.g. 3 for $3 per 1M tokens'),
  column('PricingCategory', 'String', 'Conditional', true, 'Standard', focusPricingCategories),
  column('PricingQuantity', 'Decimal', 'Mandatory', true, 'millions of tokens (requests for a per-request fee, thousands of searches)'),
  column('PricingUnit', 'String', 'Mandatory', true, '1000000 Tokens (Requests for a per-request fee, 1000 Searches)'),
  column('ProviderName', 'String', 'Mandatory', false, 'the provider whose price the calls were billed at, e.g. anthropic'),
  column('PublisherName', 'String', 'Mandatory', false, 'the provider id: the model\'s publisher as the catalog knows it'),
  column('ServiceCategory', 'String', 'Mandatory', false, focusServiceCategory, [focusServiceCategory]),
  column('ServiceName', 'String', 'Mandatory', false, 'the provider\'s API, e.g. "anthropic API"'),
  column('ServiceSubcategory', 'String', 'Recommended', false, focusServiceSubcategory, [focusServiceSubcategory]),
  column('SkuId', 'String', 'Conditional', true, 'model:token_class, e.g. "gpt-4.1-mini:cache_read"'),
  column('Tags', 'JSON', 'Conditional', true, 'the calls\' tags (feature, team, user_tier, environment by default) as a JSON object of strings'),
  column('x_CallCount', 'Decimal', 'Custom', false, 'how many calls the row adds up'),
  column('x_Model', 'String', 'Custom', false, 'the model the price was found for'),
  column('x_TokenClass', 'String', 'Custom', false, 'the token class of the row'),
];

/** The column names in file order. */
export const focusColumnNames: readonly string[] = focusColumns.map((entry) => entry.name);

/** The spec's Mandatory columns: a FOCUS file without any of them is not one. */
export const focusMandatoryColumnNames: readonly string[] = focusColumns.filter((entry) => entry.level === 'Mandatory').map((entry) => entry.name);
