import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { getJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { Chart } from '../components/chart.js';
import { palette } from '../components/palette.js';
import { percent, usd } from '../format.js';
import { useApi } from '../use-api.js';

interface BurnDown {
  spent: Array<{ day: string; usd: number }>;
  forecast: Array<{ day: string; usd: number; low_usd: number; high_usd: number }>;
  alert_points: Array<{ at: number; usd: number; reached_on: string | null }>;
}

interface Scope {
  value: string | null;
  window: { from: string; to: string };
  limit_usd: number;
  spent_usd: number;
  remaining_usd: number;
  used_share: number;
  forecast: { basis: string; end_usd: number; low_usd: number; high_usd: number };
  breach: { day: string; already: boolean } | null;
  alert_points_reached: number[];
  burn_down: BurnDown;
}

interface Budget {
  name: string;
  per: string | null;
  equals: string | null;
  period: 'day' | 'week' | 'month';
  mode: 'hard' | 'soft';
  limit_usd: number;
  alert_at: number[];
  scopes: Scope[];
  more_values: number;
}

/** The JSON of GET /v1/budgets?burn_down=true. */
interface BudgetsJson {
  at: string;
  budgets: Budget[];
}

const query = { burn_down: 'true' };

/** The budgets page: a burn-down per budget and scope, the forecast to the end of the period, the breach day and the alert points. */
export function BudgetsPage() {
  const budgets = useApi('/v1/budgets?burn_down=true', (signal) => getJson<BudgetsJson>('/v1/budgets', query, signal));
  const data = budgets.data;
  return (
    <section>
      <h1>Budgets</h1>
      <p class="lede">Each budget's spend this period, day by day against its limit, and where the forecast says it ends: with its range, the day it is expected to reach the limit, and the alert points passed.</p>
      {budgets.error ? <ApiProblem error={budgets.error} /> : null}
      {data && data.budgets.length === 0 && <EmptyBudgets />}
      {data && data.budgets.length > 0 && (
        <div class="grid">
          {data.budgets.flatMap((budget) => [
            ...budget.scopes.map((scope) => <ScopeCard key={`${budget.name}/${scope.value ?? ''}`} budget={budget} scope={scope} />),
            ...(budget.scopes.length === 0
              ? [
                  <div class="card" key={`${budget.name}/none`} data-budget={budget.name}>
                    <h2>{budget.name}</h2>
                    <p class="note">No {budget.per} has spent anything this {budget.period}.</p>
                  </div>,
                ]
              : []),
            ...(budget.more_values > 0
              ? [
                  <p class="note" key={`${budget.name}/more`}>
                    {budget.name}: and {budget.more_values} more values of {budget.per} that spent less.
                  </p>,
                ]
              : []),
          ])}
        </div>
      )}
      {data && <p class="note">As of {data.at}. Spend is counted in whole UTC days; the forecast method is in docs/budgets.md.</p>}
    </section>
  );
}

function ScopeCard({ budget, scope }: { budget: Budget; scope: Scope }) {
  const chart = useMemo(() => burnDownChart(budget, scope), [budget, scope]);
  const over = scope.spent_usd >= scope.limit_usd;
  const scopeName = budget.per === null ? 'all spend' : `${budget.per} ${scope.value ?? ''}`;
  return (
    <div
      class={`card chart-card budget-card${over ? ' over' : ''}`}
      data-budget={budget.name}
      data-scope={scope.value ?? ''}
      data-spent={scope.spent_usd}
      data-limit={scope.limit_usd}
      data-forecast-end={scope.forecast.end_usd}
      data-breach={scope.breach?.day ?? ''}
      data-days={scope.burn_down.spent.length}
      data-forecast-days={scope.burn_down.forecast.length}
      data-alerts={scope.burn_down.alert_points.filter((point) => point.reached_on !== null).map((point) => `${point.at}@${point.reached_on}`).join(' ')}
    >
      <h2>
        {budget.name} <small>{scopeName}</small> <span class={`badge ${budget.mode}`}>{budget.mode}</span>
      </h2>
      <p class="budget-figures">
        <strong data-testid="budget-spent">{usd(scope.spent_usd)}</strong> of {usd(scope.limit_usd)} this {budget.period} ({percent(scope.used_share)}), {scope.window.from} to {scope.window.to} (exclusive).
        <br />
        Forecast: <strong>{usd(scope.forecast.end_usd)}</strong> by the end ({usd(scope.forecast.low_usd)} to {usd(scope.forecast.high_usd)}).{' '}
        {scope.breach === null ? (
          <span>Stays under the limit.</span>
        ) : scope.breach.already ? (
          <strong class="breach-text">Reached the limit on {scope.breach.day}.</strong>
        ) : (
          <strong class="breach-text">Expected to reach the limit on {scope.breach.day}.</strong>
        )}
        {scope.alert_points_reached.length > 0 && <span> Alert points passed: {scope.alert_points_reached.map((point) => percent(point, 0)).join(', ')}.</span>}
      </p>
      <Chart config={chart} label={`Burn-down of ${budget.name} (${scopeName}): spend by day against the limit`} height={240} />
    </div>
  );
}

// Every day of the period: the x axis runs to its end, so the forecast has room.
function daysOf(window: { from: string; to: string }): string[] {
  const days: string[] = [];
  for (let ms = Date.parse(`${window.from}T00:00:00Z`); ms < Date.parse(`${window.to}T00:00:00Z`); ms += 86_400_000) days.push(new Date(ms).toISOString().slice(0, 10));
  return days;
}

function burnDownChart(budget: Budget, scope: Scope): ChartConfiguration {
  const labels = daysOf(scope.window);
  const at = <T,>(series: Array<{ day: string } & T>, value: (entry: T) => number): Array<number | null> => {
    const byDay = new Map(series.map((entry) => [entry.day, value(entry)]));
    return labels.map((day) => byDay.get(day) ?? null);
  };
  const spent = at(scope.burn_down.spent, (entry) => entry.usd);
  // The forecast starts from today's spend so far, so the two lines join.
  const today = scope.burn_down.spent.at(-1);
  const start = today ? [{ day: today.day, usd: today.usd, low_usd: today.usd, high_usd: today.usd }] : [];
  const forecastSeries = [...start, ...scope.burn_down.forecast.filter((entry) => entry.day !== today?.day)];
  const alerts = new Map(scope.burn_down.alert_points.filter((point) => point.reached_on !== null).map((point) => [point.reached_on!, point]));
  const breachDay = scope.breach?.day ?? null;
  return {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: 'spent so far', data: spent, borderColor: palette[0], backgroundColor: palette[0], pointRadius: 2, spanGaps: true },
        { label: 'forecast', data: at(forecastSeries, (entry) => entry.usd), borderColor: palette[1], borderDash: [6, 4], pointRadius: 0, spanGaps: true },
        { label: 'forecast low', data: at(forecastSeries, (entry) => entry.low_usd), borderColor: 'transparent', pointRadius: 0, spanGaps: true },
        { label: 'forecast range', data: at(forecastSeries, (entry) => entry.high_usd), borderColor: 'transparent', backgroundColor: 'rgba(230, 159, 0, 0.18)', fill: '-1', pointRadius: 0, spanGaps: true },
        { label: `limit ${usd(budget.limit_usd)}`, data: labels.map(() => scope.limit_usd), borderColor: palette[5], borderWidth: 1.5, pointRadius: 0 },
        {
          label: 'alert point reached',
          data: labels.map((day) => (alerts.has(day) ? (spent[labels.indexOf(day)] ?? null) : null)),
          showLine: false,
          pointRadius: 6,
          pointStyle: 'triangle',
          borderColor: palette[3],
          backgroundColor: palette[3],
        },
        {
          label: scope.breach?.already ? 'limit reached' : 'projected breach',
          data: labels.map((day) => (day === breachDay ? scope.limit_usd : null)),
          showLine: false,
          pointRadius: 7,
          pointStyle: 'crossRot',
          borderColor: palette[5],
          borderWidth: 2,
        },
      ],
    },
    options: {
      plugins: {
        legend: { labels: { filter: (item) => item.text !== 'forecast low' } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${usd(Number(item.raw))}` } },
      },
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => usd(Number(value)) } }, x: { ticks: { autoSkip: true, maxTicksLimit: 10 } } },
    },
  };
}

function EmptyBudgets() {
  return (
    <div class="notice" data-testid="budgets-empty">
      <p>No budget is configured. Add one to the config file (unitcost.config.yaml or .json) and restart the server: the gateway enforces it, and this page shows its burn-down.</p>
      <pre>{`budgets:
  - name: support-monthly      # named in refusals, alerts and here
    per: team                  # team, feature, user_tier, user_id, session_id; left out: all spend
    equals: support            # one value; left out: every value has a budget of its own
    period: month              # day, week or month, UTC
    limit_usd: 2000
    mode: soft                 # hard: the gateway refuses calls past the limit; soft: lets them through
    alert_at: [0.5, 0.8, 1]    # fractions of the limit`}</pre>
    </div>
  );
}
