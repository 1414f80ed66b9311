import { UnitcostError } from '../../core/unitcost-error.js';
import { reportDimensions, type ReportDimension } from '../report-reader.js';

/**
 * How a dimension is read from usage_events (optionally through a table alias): an event without a
 * provider is grouped under the provider it was priced at, and a priced call under its model's catalog id,
 * so that "gpt-4o" and "openai/gpt-4o" (or any other name the catalog resolves to the same model) are one
 * group. An unpriced call keeps the name it was sent with; once repriced it joins its catalog id.
 * The same SQL on every backend.
 */
export function eventDimension(dimension: ReportDimension | 'price_id', alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  if (dimension === 'provider') return `coalesce(${prefix}provider, ${prefix}priced_provider)`;
  if (dimension === 'model') return `coalesce(${prefix}priced_model, ${prefix}model)`;
  return `${prefix}${dimension}`;
}

/** Refuses a dimension not in the fixed list, so that no caller can put text of its own into SQL. */
export function checkedDimension(dimension: string): ReportDimension {
  if (!(reportDimensions as readonly string[]).includes(dimension)) {
    throw new UnitcostError('invalid_argument', `cannot group or filter by "${dimension}": use one of ${reportDimensions.join(', ')}`, { field: 'by' });
  }
  return dimension as ReportDimension;
}
