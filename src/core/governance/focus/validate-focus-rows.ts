import { compareDecimals, decimalsEqual, multiplyDecimals, parseExactDecimal, type ExactDecimal } from './focus-decimal.js';
import { focusColumns, focusCustomPrefix, type FocusColumn } from './focus-columns.js';
import { focusChargeDescription, focusConsumedUnit, focusPricingUnit, focusSkuId, focusTokenClasses, type FocusTokenClass } from './focus-token-classes.js';

/*
 * Checks a FOCUS file, read back as text, column by column against the rules focus-columns.ts writes down.
 * Both the tests and anyone doubting an export can run it; it knows nothing of how the file was made.
 */

/** A file read back: its columns (with the reader's type name, when the format keeps types) and its rows as text or null. */
export interface FocusFileContent {
  columns: Array<{ name: string; type?: string }>;
  rows: Array<Record<string, string | null>>;
}

/** One broken rule: the row (0-based, null for the file as a whole), the column and what is wrong. */
export interface FocusViolation {
  row: number | null;
  column: string;
  rule: string;
}

// An instant in UTC: "2026-11-01T00:00:00Z" as written to CSV, "2026-11-01 00:00:00+00" as DuckDB reads a Parquet TIMESTAMPTZ.
const utcInstantPattern = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|\+00(:?00)?)$/;

/** Milliseconds since the epoch of a UTC instant as FOCUS files write them, or null when the text is not one. */
export function parseUtcInstant(text: string): number | null {
  const match = utcInstantPattern.exec(text);
  if (!match) return null;
  const ms = Date.parse(`${match[1]}T${match[2]}${match[3] ?? ''}Z`);
  return Number.isNaN(ms) ? null : ms;
}

// The type names a typed reader (DuckDB over Parquet) may give each FOCUS data type.
const typedNames: Record<FocusColumn['type'], RegExp> = {
  Decimal: /^DECIMAL\(\d+,\s*\d+\)$/,
  DateTime: /^TIMESTAMP WITH TIME ZONE$/,
  String: /^VARCHAR$/,
  JSON: /^(VARCHAR|JSON)$/,
};

/** Every rule the file breaks; an empty list means it passes. */
export function validateFocusRows(file: FocusFileContent): FocusViolation[] {
  const violations: FocusViolation[] = [];
  const present = new Map(file.columns.map((entry) => [entry.name, entry.type]));
  for (const expected of focusColumns) {
    if (!present.has(expected.name)) {
      violations.push({ row: null, column: expected.name, rule: `the ${expected.level} column ${expected.name} is missing` });
      continue;
    }
    const type = present.get(expected.name);
    if (type !== undefined && !typedNames[expected.type].test(type)) {
      violations.push({ row: null, column: expected.name, rule: `is ${type}, not a ${expected.type}` });
    }
  }
  const known = new Set(focusColumns.map((entry) => entry.name));
  for (const entry of file.columns) {
    if (!known.has(entry.name) && !entry.name.startsWith(focusCustomPrefix)) {
      violations.push({ row: null, column: entry.name, rule: `a column the spec does not define must start with ${focusCustomPrefix}` });
    }
  }
  file.rows.forEach((row, index) => violations.push(...validateRow(row, index)));
  return violations;
}

function validateRow(row: Record<string, string | null>, index: number): FocusViolation[] {
  const violations: FocusViolation[] = [];
  const fail = (column: string, rule: string): void => {
    violations.push({ row: index, column, rule });
  };
  const decimals = new Map<string, ExactDecimal>();
  const instants = new Map<string, number>();
  for (const expected of focusColumns) {
    const value = row[expected.name] ?? null;
    if (value === null || value === '') {
      if (!expected.nullable) fail(expected.name, 'must not be null');
      continue;
    }
    if (expected.allowed !== undefined && !expected.allowed.includes(value)) fail(expected.name, `"${value}" is not one of ${expected.allowed.join(', ')}`);
    if (expected.type === 'Decimal') {
      const decimal = parseExactDecimal(value);
      if (decimal === null) fail(expected.name, `"${value}" is not a plain decimal number`);
      else decimals.set(expected.name, decimal);
    } else if (expected.type === 'DateTime') {
      const instant = parseUtcInstant(value);
      if (instant === null) fail(expected.name, `"${value}" is not a UTC date-time`);
      else instants.set(expected.name, instant);
    } else if (expected.type === 'JSON') {
      const rule = keyValueRule(value);
      if (rule !== null) fail(expected.name, rule);
    }
  }

  // Every row is a usage charge that corrects nothing: the columns the spec conditions on usage are required.
  const usage = row.ChargeCategory === 'Usage' && (row.ChargeClass ?? null) === null;
  if (usage) {
    for (const name of ['ConsumedQuantity', 'ConsumedUnit', 'PricingQuantity', 'PricingUnit', 'SkuId']) {
      if ((row[name] ?? null) === null) fail(name, 'must not be null on a Usage row');
    }
    const consumed = decimals.get('ConsumedQuantity');
    if (consumed !== undefined && consumed.units <= 0n) fail('ConsumedQuantity', 'must be positive on a Usage row');
  }

  // Our costs: nothing is prepaid or amortized, so billed, effective and contracted cost are one amount.
  const billed = decimals.get('BilledCost');
  for (const name of ['EffectiveCost', 'ContractedCost']) {
    const other = decimals.get(name);
    if (billed !== undefined && other !== undefined && !decimalsEqual(billed, other)) fail(name, `must equal BilledCost (${row.BilledCost}), is ${row[name]}`);
  }
  const quantity = decimals.get('PricingQuantity');
  for (const [cost, unitPrice] of [
    ['ListCost', 'ListUnitPrice'],
    ['ContractedCost', 'ContractedUnitPrice'],
  ] as const) {
    const amount = decimals.get(cost);
    const price = decimals.get(unitPrice);
    if (amount === undefined) continue;
    if (price !== undefined && quantity !== undefined) {
      if (!decimalsEqual(multiplyDecimals(price, quantity), amount)) fail(cost, `must equal ${unitPrice} × PricingQuantity (${row[unitPrice]} × ${row.PricingQuantity}), is ${row[cost]}`);
    } else if (price === undefined && billed !== undefined && !decimalsEqual(amount, billed)) {
      fail(cost, `without a ${unitPrice} must equal BilledCost (${row.BilledCost}), is ${row[cost]}`);
    }
  }
  // A discount lowers a price; no rule of the config raises one above the catalog's.
  const list = decimals.get('ListCost');
  if (list !== undefined && billed !== undefined && compareDecimals(list, billed) < 0) fail('ListCost', `is below BilledCost (${row.ListCost} < ${row.BilledCost})`);

  violations.push(...periodViolations(instants, index));

  const tokenClass = row.x_TokenClass ?? null;
  if (tokenClass !== null) {
    if (!(focusTokenClasses as readonly string[]).includes(tokenClass)) fail('x_TokenClass', `"${tokenClass}" is not one of ${focusTokenClasses.join(', ')}`);
    else {
      const known = tokenClass as FocusTokenClass;
      const model = row.x_Model ?? null;
      if (model !== null && row.SkuId !== focusSkuId(model, known)) fail('SkuId', `must be ${focusSkuId(model, known)}, is ${row.SkuId}`);
      if (model !== null && row.ChargeDescription !== focusChargeDescription(model, known)) {
        fail('ChargeDescription', `must be "${focusChargeDescription(model, known)}", is "${row.ChargeDescription}"`);
      }
      if (row.PricingUnit !== focusPricingUnit(known)) fail('PricingUnit', `must be ${focusPricingUnit(known)} for ${known}, is ${row.PricingUnit}`);
      if (row.ConsumedUnit !== focusConsumedUnit(known)) fail('ConsumedUnit', `must be ${focusConsumedUnit(known)} for ${known}, is ${row.ConsumedUnit}`);
    }
  }
  return violations;
}

function periodViolations(instants: Map<string, number>, index: number): FocusViolation[] {
  const violations: FocusViolation[] = [];
  const chargeStart = instants.get('ChargePeriodStart');
  const chargeEnd = instants.get('ChargePeriodEnd');
  const billingStart = instants.get('BillingPeriodStart');
  const billingEnd = instants.get('BillingPeriodEnd');
  if (chargeStart !== undefined && chargeEnd !== undefined) {
    if (chargeEnd <= chargeStart) violations.push({ row: index, column: 'ChargePeriodEnd', rule: 'must be after ChargePeriodStart' });
    // One row per day: a charge period never crosses a midnight UTC.
    const dayStart = Math.floor(chargeStart / 86_400_000) * 86_400_000;
    if (chargeEnd > dayStart + 86_400_000) violations.push({ row: index, column: 'ChargePeriodEnd', rule: 'must end by the midnight after ChargePeriodStart' });
  }
  if (billingStart !== undefined && billingEnd !== undefined) {
    const start = new Date(billingStart);
    const isMonthStart = start.getUTCDate() === 1 && billingStart % 86_400_000 === 0;
    if (!isMonthStart) violations.push({ row: index, column: 'BillingPeriodStart', rule: 'must be midnight UTC of the first of a month' });
    if (billingEnd !== Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)) violations.push({ row: index, column: 'BillingPeriodEnd', rule: 'must be the start of the next month' });
    if (chargeStart !== undefined && chargeEnd !== undefined && (chargeStart < billingStart || chargeEnd > billingEnd)) {
      violations.push({ row: index, column: 'ChargePeriodStart', rule: 'the charge period must lie within its billing period' });
    }
  }
  return violations;
}

// Tags: a JSON object whose values are strings, or true for a key that has no value.
function keyValueRule(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `is not JSON: ${text}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `must be a JSON object, is ${text}`;
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && value !== true) return `the value of "${key}" must be a string, is ${JSON.stringify(value)}`;
  }
  return null;
}
