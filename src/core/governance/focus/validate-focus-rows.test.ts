import { describe, expect, it } from 'vitest';
import { focusColumnNames, focusMandatoryColumnNames } from './focus-columns.js';
import { validateFocusRows, type FocusFileContent } from './validate-focus-rows.js';

// One row as the export writes it: 2,000 gpt-4.1-mini input tokens at $0.40/M list, $0.36/M after 10% off.
const validRow = (): Record<string, string | null> => ({
  BilledCost: '0.000720000000',
  BillingAccountId: 'openai',
  BillingAccountName: 'openai',
  BillingCurrency: 'USD',
  BillingPeriodEnd: '2026-12-01T00:00:00Z',
  BillingPeriodStart: '2026-11-01T00:00:00Z',
  ChargeCategory: 'Usage',
  ChargeClass: null,
  ChargeDescription: 'gpt-4.1-mini uncached input tokens',
  ChargeFrequency: 'Usage-Based',
  ChargePeriodEnd: '2026-11-12T00:00:00Z',
  ChargePeriodStart: '2026-11-11T00:00:00Z',
  ConsumedQuantity: '2000.000000',
  ConsumedUnit: 'Tokens',
  ContractedCost: '0.000720000000',
  ContractedUnitPrice: '0.360000000000',
  EffectiveCost: '0.000720000000',
  InvoiceIssuerName: 'openai',
  ListCost: '0.000800000000',
  ListUnitPrice: '0.400000000000',
  PricingCategory: 'Standard',
  PricingQuantity: '0.002000',
  PricingUnit: '1000000 Tokens',
  ProviderName: 'openai',
  PublisherName: 'openai',
  ServiceCategory: 'AI and Machine Learning',
  ServiceName: 'openai API',
  ServiceSubcategory: 'Generative AI',
  SkuId: 'gpt-4.1-mini:input',
  Tags: '{"feature":"summarizer"}',
  x_CallCount: '1',
  x_Model: 'gpt-4.1-mini',
  x_TokenClass: 'input',
});

const fileOf = (rows: Array<Record<string, string | null>>, columns = focusColumnNames.map((name) => ({ name }))): FocusFileContent => ({ columns, rows });
const rulesBroken = (change: Record<string, string | null>): string[] => validateFocusRows(fileOf([{ ...validRow(), ...change }])).map((violation) => `${violation.column}: ${violation.rule}`);

describe('validateFocusRows', () => {
  it('passes a row that keeps every rule', () => {
    expect(validateFocusRows(fileOf([validRow()]))).toEqual([]);
  });

  it('lists the 21 mandatory columns of FOCUS 1.2', () => {
    expect(focusMandatoryColumnNames).toHaveLength(21);
  });

  it('names each missing mandatory column and a custom column without the x_ prefix', () => {
    const columns = focusColumnNames.filter((name) => name !== 'BilledCost' && name !== 'PricingUnit').map((name) => ({ name }));
    const violations = validateFocusRows(fileOf([], [...columns, { name: 'Feature' }]));
    expect(violations.map((violation) => violation.column)).toEqual(['BilledCost', 'PricingUnit', 'Feature']);
    expect(violations[2]!.rule).toContain('must start with x_');
  });

  it('checks the types a typed file gives its columns', () => {
    const columns = focusColumnNames.map((name) => ({ name, type: name === 'BilledCost' ? 'DOUBLE' : name.endsWith('Cost') || name.endsWith('Price') || name.endsWith('Quantity') || name === 'x_CallCount' ? 'DECIMAL(38,12)' : /Period(Start|End)$/.test(name) ? 'TIMESTAMP WITH TIME ZONE' : 'VARCHAR' }));
    expect(validateFocusRows(fileOf([], columns))).toEqual([{ row: null, column: 'BilledCost', rule: 'is DOUBLE, not a Decimal' }]);
  });

  it('refuses null where the spec forbids it, and values outside the allowed ones', () => {
    expect(rulesBroken({ BilledCost: null })).toContain('BilledCost: must not be null');
    expect(rulesBroken({ ProviderName: '' })).toContain('ProviderName: must not be null');
    expect(rulesBroken({ ChargeCategory: 'Usage fee' })[0]).toContain('ChargeCategory: "Usage fee" is not one of Usage, Purchase');
    expect(rulesBroken({ BillingCurrency: 'EUR' })[0]).toContain('BillingCurrency: "EUR" is not one of USD');
  });

  it('requires the usage columns on a usage row, and a positive consumed quantity', () => {
    expect(rulesBroken({ ConsumedQuantity: null })).toContain('ConsumedQuantity: must not be null on a Usage row');
    expect(rulesBroken({ SkuId: null })).toContain('SkuId: must not be null on a Usage row');
    expect(rulesBroken({ ConsumedQuantity: '0.000000' })).toContain('ConsumedQuantity: must be positive on a Usage row');
  });

  it('requires plain decimals and UTC date-times', () => {
    expect(rulesBroken({ ListUnitPrice: '4e-1' })[0]).toContain('ListUnitPrice: "4e-1" is not a plain decimal number');
    expect(rulesBroken({ ChargePeriodStart: '2026-11-11T00:00:00+01:00' })[0]).toContain('is not a UTC date-time');
  });

  it('holds list and contracted cost to unit price × pricing quantity, exactly', () => {
    expect(rulesBroken({ ListCost: '0.000800000001' })).toEqual(['ListCost: must equal ListUnitPrice × PricingQuantity (0.400000000000 × 0.002000), is 0.000800000001']);
    expect(rulesBroken({ ContractedUnitPrice: '0.36000001' })[0]).toContain('ContractedCost: must equal ContractedUnitPrice × PricingQuantity');
    // Without a unit price a cost equals the billed cost.
    expect(rulesBroken({ ListUnitPrice: null, ListCost: '0.000720000000' })).toEqual([]);
    expect(rulesBroken({ ListUnitPrice: null })).toContain('ListCost: without a ListUnitPrice must equal BilledCost (0.000720000000), is 0.000800000000');
  });

  it('keeps billed, effective and contracted cost one amount, and list cost never below it', () => {
    expect(rulesBroken({ EffectiveCost: '0.000700000000' })).toContain('EffectiveCost: must equal BilledCost (0.000720000000), is 0.000700000000');
    const cheaperList = rulesBroken({ ListUnitPrice: '0.300000000000', ListCost: '0.000600000000' });
    expect(cheaperList).toContain('ListCost: is below BilledCost (0.000600000000 < 0.000720000000)');
  });

  it('keeps a charge period within one UTC day and its billing month', () => {
    expect(rulesBroken({ ChargePeriodEnd: '2026-11-11T00:00:00Z' })).toContain('ChargePeriodEnd: must be after ChargePeriodStart');
    expect(rulesBroken({ ChargePeriodEnd: '2026-11-12T00:00:01Z' })).toContain('ChargePeriodEnd: must end by the midnight after ChargePeriodStart');
    expect(rulesBroken({ BillingPeriodStart: '2026-11-02T00:00:00Z' })).toContain('BillingPeriodStart: must be midnight UTC of the first of a month');
    expect(rulesBroken({ BillingPeriodEnd: '2026-11-30T00:00:00Z' })).toContain('BillingPeriodEnd: must be the start of the next month');
    expect(rulesBroken({ ChargePeriodStart: '2026-10-31T00:00:00Z', ChargePeriodEnd: '2026-11-01T00:00:00Z' })).toContain(
      'ChargePeriodStart: the charge period must lie within its billing period',
    );
  });

  it('requires Tags to be a JSON object of strings', () => {
    expect(rulesBroken({ Tags: '{"step":3}' })).toEqual(['Tags: the value of "step" must be a string, is 3']);
    expect(rulesBroken({ Tags: '["a"]' })).toEqual(['Tags: must be a JSON object, is ["a"]']);
    expect(rulesBroken({ Tags: '{"valueless":true}' })).toEqual([]);
  });

  it('spells the SKU as model:token_class and prices tokens per million, requests one by one', () => {
    expect(rulesBroken({ SkuId: 'gpt-4.1-mini/input' })).toEqual(['SkuId: must be gpt-4.1-mini:input, is gpt-4.1-mini/input']);
    expect(rulesBroken({ PricingUnit: 'Tokens' })).toEqual(['PricingUnit: must be 1000000 Tokens for input, is Tokens']);
    expect(rulesBroken({ x_TokenClass: 'prompt' })[0]).toContain('x_TokenClass: "prompt" is not one of input, cache_read');
    expect(rulesBroken({ ChargeDescription: 'gpt-4.1-mini input' })).toEqual(['ChargeDescription: must be "gpt-4.1-mini uncached input tokens", is "gpt-4.1-mini input"']);
  });
});
