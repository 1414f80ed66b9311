import type { Rates } from '../../catalog/rate-card.js';

/**
 * The list and contracted rates of one stored price and long-context band. Stored calls keep their cost
 * after the config's discounts and the id of the price they were billed at; the export finds each call's
 * list price through that id (and its band, from its input total), so ListCost needs no second pricing pass.
 */
export interface FocusPriceRate {
  /** The stored price id (prices.price_id, usage_events.price_id). */
  priceId: string;
  /** 0 for the base rates; b when the call's input total exceeds thresholds[b - 1] (and not thresholds[b]). */
  band: number;
  /** The price's long-context thresholds, ascending; the same for every band of one price. */
  thresholds: readonly number[];
  /** Integer picodollars per token (and per request) at the catalog's price, before discounts. */
  list: Rates;
  /** The same after the config's discounts: the rates the stored costs were computed with. */
  contracted: Rates;
}
