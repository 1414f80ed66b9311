import type { Query } from './api.js';

/** The dashboard's filters, as kept in the URL: a time range, a team, a user tier, and the KPIs' period. */
export interface Filters {
  from?: string;
  to?: string;
  team?: string;
  tier?: string;
  /** The KPIs compare the last day, week or month before `to` with the one before it. */
  period?: string;
}

/** Reads the filters from the page's query. */
export function filtersOf(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of ['from', 'to', 'team', 'tier', 'period'] as const) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/** The API query of these filters: the range as from/to, team and tier as where=tag=value. */
export function filterQuery(filters: Filters, extra: string[] = []): Query {
  const where = [...extra];
  if (filters.team) where.push(`team=${filters.team}`);
  if (filters.tier) where.push(`user_tier=${filters.tier}`);
  return { from: filters.from, to: filters.to, where: where.length > 0 ? where : undefined };
}

/**
 * The API query of the KPIs: their period, ending where the time range ends, over the team and tier filtered.
 * web/index.html builds the same URL (period, to, then where) to ask for it before the script has loaded.
 */
export function kpiQuery(filters: Filters): Query {
  return { period: filters.period ?? 'week', to: filters.to, where: filterQuery(filters).where };
}

/** A stable key of a query, for useApi. */
export function queryKey(path: string, query: Query): string {
  return `${path}?${JSON.stringify(query)}`;
}
