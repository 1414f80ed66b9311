import { getJson } from '../api.js';
import { filtersOf, queryKey } from '../filters.js';
import { setQuery } from '../location.js';
import { keyOf, type ReportJson } from '../report-json.js';
import { useApi } from '../use-api.js';

// Each range sets the KPIs' period to match: the last week, or the last month.
const presets = [
  { days: 7, label: '7 days', period: 'week' },
  { days: 30, label: '30 days', period: 'month' },
  { days: 90, label: '90 days', period: 'month' },
];

/** The time range, team and tier filters, kept in the URL; the choices come from the stored data. */
export function FilterBar({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const teams = useApi(queryKey('/v1/report', { by: 'team' }), (signal) => getJson<ReportJson>('/v1/report', { by: 'team' }, signal, 'later'));
  const tiers = useApi(queryKey('/v1/report', { by: 'user_tier' }), (signal) => getJson<ReportJson>('/v1/report', { by: 'user_tier' }, signal, 'later'));
  const window = teams.data?.window ?? null;
  const dayBefore = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  const activePreset = window && !filters.to ? presets.find((preset) => filters.from === dayBefore(window.to, preset.days)) : undefined;
  const options = (report: ReportJson | null, dimension: string): string[] =>
    (report?.rows ?? []).map((row) => keyOf(row, dimension)).filter((value) => value !== '(none)').sort();
  return (
    <div class="filters" data-testid="filters">
      {/* A group, not a label: a label would name the first of its buttons "Time range", hiding "7 days" from screen readers. */}
      <div class="group" role="group" aria-labelledby="time-range-label">
        <span id="time-range-label">Time range</span>
        <span class="presets">
          {presets.map((preset) => (
            <button
              type="button"
              key={preset.days}
              class={activePreset === preset ? 'active' : ''}
              disabled={!window}
              onClick={() => window && setQuery({ from: dayBefore(window.to, preset.days), to: undefined, period: preset.period })}
            >
              {preset.label}
            </button>
          ))}
          <button type="button" class={!filters.from && !filters.to ? 'active' : ''} onClick={() => setQuery({ from: undefined, to: undefined })}>
            All
          </button>
        </span>
      </div>
      <label>
        From
        <input type="date" name="from" value={filters.from ?? ''} onChange={(event) => setQuery({ from: (event.target as HTMLInputElement).value })} />
      </label>
      <label>
        To (exclusive)
        <input type="date" name="to" value={filters.to ?? ''} onChange={(event) => setQuery({ to: (event.target as HTMLInputElement).value })} />
      </label>
      <label>
        KPI period
        <select name="period" value={filters.period ?? 'week'} onChange={(event) => setQuery({ period: (event.target as HTMLSelectElement).value })}>
          <option value="day">last day</option>
          <option value="week">last week</option>
          <option value="month">last month</option>
        </select>
      </label>
      <label>
        Team
        <select name="team" value={filters.team ?? ''} onChange={(event) => setQuery({ team: (event.target as HTMLSelectElement).value })}>
          <option value="">all teams</option>
          {options(teams.data, 'team').map((team) => (
            <option key={team} value={team}>
              {team}
            </option>
          ))}
        </select>
      </label>
      <label>
        User tier
        <select name="tier" value={filters.tier ?? ''} onChange={(event) => setQuery({ tier: (event.target as HTMLSelectElement).value })}>
          <option value="">all tiers</option>
          {options(tiers.data, 'user_tier').map((tier) => (
            <option key={tier} value={tier}>
              {tier}
            </option>
          ))}
        </select>
      </label>
      {window && (
        <span class="window">
          data from {window.from} to {dayBefore(window.to, 1)}
        </span>
      )}
    </div>
  );
}
