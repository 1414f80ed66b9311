import type { FocusPriceRate } from '../core/governance/focus/focus-price-rate.js';
import type { EventTagName } from '../core/events/event-tags.js';
import type { PricingGroup } from './event-writer.js';

/** A FOCUS export to run: the window [fromMs, toMs), the tags of Tags, the rates of the stored prices, and the file to write (replaced if it exists). */
export interface FocusExportRun {
  fromMs: number;
  toMs: number;
  tagNames: readonly EventTagName[];
  rates: readonly FocusPriceRate[];
  format: 'csv' | 'parquet';
  path: string;
}

/** What an export wrote, and the store's own figures for the same window to compare it with. */
export interface FocusExportOutcome {
  /** FOCUS rows written. */
  rows: number;
  /** Calls in the window with a cost, all of which the rows add up. */
  pricedCalls: number;
  /** Calls in the window stored without a price: their cost is unknown, so no row can bill them. */
  unpricedCalls: number;
  /** The store's total cost of the window, integer picodollars. */
  storeTotalPicodollars: bigint;
  /** The sums over the rows written: BilledCost (equal to the store's total) and ListCost. */
  billedPicodollars: bigint;
  listPicodollars: bigint;
  /** Rows whose price the current catalog no longer produces, written at their stored cost with no unit price. */
  rowsWithoutUnitPrice: number;
}

/**
 * The store's half of the FOCUS export (`unitcost export focus`, GET /v1/export/focus): the rows are summed
 * and written by the store, so that the calls never pass through JavaScript one by one. The SQL is written
 * once in sql/focus-export-queries.ts.
 */
export interface FocusExporter {
  /**
   * Every model the store has a price row for, as pricing groups spanning the range: what the export plans
   * list prices from. Read from the prices table (a row per price ever used, so a handful per model)
   * instead of a pass over the window's calls: a call's price row names its catalog provider and model.
   */
  focusPricedModels(range: { fromMs: number; toMs: number }): Promise<PricingGroup[]>;
  /** Writes the FOCUS file of a window (CSV or Parquet; a backend may refuse a format it cannot write, saying so). */
  exportFocus(run: FocusExportRun, progress?: (step: string) => void): Promise<FocusExportOutcome>;
}
