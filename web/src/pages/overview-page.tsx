import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { getJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { Chart } from '../components/chart.js';
import { KpiCards } from '../components/kpi-cards.js';
import { palette, tierColours } from '../components/palette.js';
import { filterQuery, filtersOf, kpiQuery as kpiQueryOf, queryKey } from '../filters.js';
import { count, percent, usd } from '../format.js';
import { linkHandler } from '../location.js';
import { bucketOf, keyOf, type KpisJson, type ReportJson, type ReportRow } from '../report-json.js';
import { useApi } from '../use-api.js';

/** The overview: KPI cards against their thresholds, spend over time, and the unit economics of each feature. */
export function OverviewPage({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const base = filterQuery(filters);
  const kpiQuery = kpiQueryOf(filters);
  const byFeature = { ...base, by: 'feature' };
  const byDay = { ...base, by: 'feature', period: 'day' };
  const kpis = useApi(queryKey('/v1/kpis', kpiQuery), (signal) => getJson<KpisJson>('/v1/kpis', kpiQuery, signal));
  // The KPI cards first: the server answers reads one at a time, and the reports behind the charts take longer.
  const features = useApi(queryKey('/v1/report', byFeature), (signal) => getJson<ReportJson>('/v1/report', byFeature, signal, 'later'));
  const daily = useApi(queryKey('/v1/report', byDay), (signal) => getJson<ReportJson>('/v1/report', byDay, signal, 'later'));
  const featureRows = [...(features.data?.rows ?? [])].sort((a, b) => (b.cost_usd ?? 0) - (a.cost_usd ?? 0));
  const charts = useMemo(() => (daily.data && features.data ? overviewCharts(daily.data.rows, featureRows) : null), [daily.data, features.data]);
  const error = kpis.error ?? features.error ?? daily.error;
  return (
    <section>
      <h1>Overview</h1>
      <p class="lede">What each AI feature costs per successful task and per user, what it earns, and which KPI is off its threshold.</p>
      {error ? <ApiProblem error={error} /> : null}
      <div class={kpis.loading ? 'loading' : ''}>
        {kpis.data && (
          <>
            <h2>
              KPIs of the last {kpis.data.period}
              {kpis.data.window ? ` (${kpis.data.window.from} – ${lastDay(kpis.data.window.to)}, against the ${kpis.data.period} before)` : ''}
            </h2>
            {kpis.data.window ? <KpiCards kpis={kpis.data.overall.checks} /> : <p class="notice">No usage stored yet: send events to POST /v1/events, or run `unitcost demo`.</p>}
          </>
        )}
      </div>
      {features.data?.totals && (
        <p class="note" data-testid="totals" data-cost={features.data.totals.cost_usd ?? ''} data-calls={features.data.totals.calls}>
          {count(features.data.totals.calls)} calls, {usd(features.data.totals.cost_usd)} spent
          {features.data.totals.unpriced_calls > 0 ? `, ${count(features.data.totals.unpriced_calls)} calls unpriced (model not in the catalog; not counted as $0)` : ''}.
        </p>
      )}
      {charts && (
        <div class="grid">
          <div class="card chart-card wide">
            <h2>Spend per day, by feature</h2>
            <Chart config={charts.spend} label="Spend per day by feature" />
          </div>
          <div class="card chart-card">
            <h2>Cost per successful task</h2>
            <Chart config={charts.costPerTask} label="Cost per successful task by feature" height={220} />
          </div>
          <div class="card chart-card">
            <h2>Inference margin</h2>
            <Chart config={charts.margin} label="Inference margin by feature" height={220} />
          </div>
          <div class="card chart-card">
            <h2>Model-tier mix <small>share of cost</small></h2>
            <Chart config={charts.tiers} label="Model tier mix by feature" height={220} />
          </div>
          <div class="card chart-card">
            <h2>Cache hit rates</h2>
            <Chart config={charts.caches} label="Prompt and response cache hit rates by feature" height={220} />
          </div>
          <div class="card chart-card wide">
            <h2>Output / input token ratio per day</h2>
            <Chart config={charts.ratio} label="Output to input token ratio per day" height={200} />
          </div>
        </div>
      )}
      {featureRows.length > 0 && (
        <table class="table" data-testid="feature-table">
          <thead>
            <tr>
              <th>feature</th>
              <th class="number">calls</th>
              <th class="number">cost</th>
              <th class="number">per successful task</th>
              <th class="number">per active user / month</th>
              <th class="number">revenue</th>
              <th class="number">margin</th>
            </tr>
          </thead>
          <tbody>
            {featureRows.map((row) => {
              const feature = keyOf(row, 'feature');
              return (
                <tr key={feature}>
                  <td>
                    <a href={`/feature/${encodeURIComponent(feature)}`} onClick={linkHandler(`/feature/${encodeURIComponent(feature)}`)}>
                      {feature}
                    </a>
                  </td>
                  <td class="number">{count(row.calls)}</td>
                  <td class="number">{usd(row.cost_usd)}</td>
                  <td class="number">{usd(row.cost_per_successful_task_usd)}</td>
                  <td class="number">{usd(row.cost_per_active_user_month_usd)}</td>
                  <td class="number">{usd(row.revenue_usd)}</td>
                  <td class="number">{percent(row.inference_margin)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

// Windows end on the day after their last; people read the last day.
function lastDay(exclusiveTo: string): string {
  return new Date(Date.parse(`${exclusiveTo}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function overviewCharts(daily: ReportRow[], features: ReportRow[]): Record<'spend' | 'costPerTask' | 'margin' | 'tiers' | 'caches' | 'ratio', ChartConfiguration> {
  const days = [...new Set(daily.map(bucketOf))].sort();
  const featureNames = features.map((row) => keyOf(row, 'feature'));
  const cell = new Map(daily.map((row) => [`${keyOf(row, 'feature')}|${bucketOf(row)}`, row]));
  const tokens = new Map<string, { input: number; output: number }>();
  for (const row of daily) {
    const day = tokens.get(bucketOf(row)) ?? { input: 0, output: 0 };
    day.input += row.input_tokens;
    day.output += row.output_tokens;
    tokens.set(bucketOf(row), day);
  }
  const dollarAxis = { ticks: { callback: (value: number | string) => usd(Number(value)) } };
  const percentAxis = { ticks: { callback: (value: number | string) => percent(Number(value), 0) } };
  const featureBars = (label: string, values: Array<number | null>, colour: string, axis: object): ChartConfiguration => ({
    type: 'bar',
    data: { labels: featureNames, datasets: [{ label, data: values, backgroundColor: colour }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: axis } },
  });
  return {
    spend: {
      type: 'bar',
      data: {
        labels: days,
        datasets: featureNames.map((feature, index) => ({
          label: feature,
          data: days.map((day) => cell.get(`${feature}|${day}`)?.cost_usd ?? 0),
          backgroundColor: palette[index % palette.length],
          stack: 'spend',
        })),
      },
      options: { scales: { x: { stacked: true, ticks: { maxTicksLimit: 12 } }, y: { stacked: true, ...dollarAxis } }, plugins: { tooltip: { mode: 'index', intersect: false } } },
    },
    costPerTask: featureBars('cost per successful task', features.map((row) => row.cost_per_successful_task_usd), palette[0]!, dollarAxis),
    margin: featureBars('inference margin', features.map((row) => row.inference_margin), palette[2]!, percentAxis),
    tiers: {
      type: 'bar',
      data: {
        labels: featureNames,
        datasets: (['budget', 'mid', 'frontier'] as const).map((tier) => ({
          label: tier,
          data: features.map((row) => row[`${tier}_cost_share`] ?? 0),
          backgroundColor: tierColours[tier],
          stack: 'tiers',
        })),
      },
      options: { indexAxis: 'y', scales: { x: { stacked: true, max: 1, ...percentAxis }, y: { stacked: true } } },
    },
    caches: {
      type: 'bar',
      data: {
        labels: featureNames,
        datasets: [
          { label: 'prompt cache (input tokens read from cache)', data: features.map((row) => row.prompt_cache_hit_rate), backgroundColor: palette[0] },
          { label: 'response cache (calls answered from cache)', data: features.map((row) => row.response_cache_hit_rate), backgroundColor: palette[1] },
        ],
      },
      options: { indexAxis: 'y', scales: { x: { max: 1, ...percentAxis } } },
    },
    ratio: {
      type: 'line',
      data: {
        labels: days,
        datasets: [{ label: 'output / input tokens', data: days.map((day) => { const sums = tokens.get(day)!; return sums.input === 0 ? null : sums.output / sums.input; }), borderColor: palette[3], backgroundColor: palette[3], pointRadius: 0, tension: 0.2 }],
      },
      options: { plugins: { legend: { display: false } }, scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true } } },
    },
  };
}
