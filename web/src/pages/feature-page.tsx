import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { getJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { Chart } from '../components/chart.js';
import { palette, tierColours } from '../components/palette.js';
import { filterQuery, filtersOf, queryKey } from '../filters.js';
import { count, percent, usd } from '../format.js';
import { linkHandler } from '../location.js';
import { keyOf, type ReportJson, type ReportRow } from '../report-json.js';
import { useApi } from '../use-api.js';

/** One feature: its cost by model, tier and user, the users it serves at a loss, and its agent sessions. */
export function FeaturePage({ feature, query }: { feature: string; query: URLSearchParams }) {
  const base = filterQuery(filtersOf(query), [`feature=${feature}`]);
  const report = (by: string, priority: 'now' | 'later' = 'now') => {
    const parameters = { ...base, by };
    return useApi(queryKey('/v1/report', parameters), (signal) => getJson<ReportJson>('/v1/report', parameters, signal, priority));
  };
  const models = report('model');
  const tiers = report('user_tier');
  // A row per user and per session: the largest answers, so they come after the feature's figures.
  const users = report('user_id', 'later');
  const sessions = report('session_id', 'later');
  const error = models.error ?? tiers.error ?? users.error ?? sessions.error;
  const userRows = users.data?.rows ?? [];
  const atLoss = userRows.filter((row) => row.revenue_usd !== null && row.cost_usd !== null && row.cost_usd > row.revenue_usd).sort((a, b) => (b.cost_usd ?? 0) - (b.revenue_usd ?? 0) - ((a.cost_usd ?? 0) - (a.revenue_usd ?? 0)));
  const charts = useMemo(
    () => ({
      models: models.data ? costBars(models.data.rows, 'model', palette[0]!) : null,
      tiers: tiers.data ? costBars(tiers.data.rows, 'user_tier', null) : null,
      users: users.data ? userHistogram(users.data.rows) : null,
      sessions: sessions.data ? sessionScatter(sessions.data.rows) : null,
    }),
    [models.data, tiers.data, users.data, sessions.data],
  );
  const total = models.data?.totals;
  return (
    <section>
      <p class="note">
        <a href="/" onClick={linkHandler('/')}>
          Overview
        </a>{' '}
        › feature
      </p>
      <h1>{feature}</h1>
      {error ? <ApiProblem error={error} /> : null}
      {total && (
        <div class="cards">
          <Figure label="cost" value={usd(total.cost_usd)} />
          <Figure label="calls" value={count(total.calls)} />
          <Figure label="per successful task" value={usd(total.cost_per_successful_task_usd)} />
          <Figure label="per active user / month" value={usd(total.cost_per_active_user_month_usd)} />
          <Figure label="inference margin" value={percent(total.inference_margin)} />
          <Figure label="users served at a loss" value={users.data ? `${count(atLoss.length)} of ${count(userRows.length)}` : '…'} testid="users-at-loss" />
        </div>
      )}
      <div class="grid">
        <div class="card chart-card">
          <h2>Cost by model</h2>
          {charts.models && <Chart config={charts.models} label="Cost by model" height={220} />}
        </div>
        <div class="card chart-card">
          <h2>Cost by user tier</h2>
          {charts.tiers && <Chart config={charts.tiers} label="Cost by user tier" height={220} />}
        </div>
        <div class="card chart-card">
          <h2>
            Cost per user per month <small>how many users at each cost</small>
          </h2>
          {charts.users && <Chart config={charts.users} label="Distribution of cost per user per month" height={240} />}
        </div>
        <div class="card chart-card">
          <h2>
            Sessions: cost against steps <small>each dot is a session</small>
          </h2>
          {charts.sessions && <Chart config={charts.sessions} label="Session cost against step count" height={240} />}
        </div>
      </div>
      {atLoss.length > 0 && (
        <>
          <h2>Users served at a loss</h2>
          <table class="table" data-testid="loss-table">
            <thead>
              <tr>
                <th>user</th>
                <th class="number">calls</th>
                <th class="number">cost</th>
                <th class="number">revenue</th>
                <th class="number">loss</th>
              </tr>
            </thead>
            <tbody>
              {atLoss.slice(0, 25).map((row) => (
                <tr key={keyOf(row, 'user_id')} class="loss">
                  <td>{keyOf(row, 'user_id')}</td>
                  <td class="number">{count(row.calls)}</td>
                  <td class="number">{usd(row.cost_usd)}</td>
                  <td class="number">{usd(row.revenue_usd)}</td>
                  <td class="number">{usd((row.cost_usd ?? 0) - (row.revenue_usd ?? 0))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {atLoss.length > 25 && <p class="note">and {count(atLoss.length - 25)} more.</p>}
        </>
      )}
    </section>
  );
}

function Figure({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <div class="card kpi" data-testid={testid}>
      <span class="kpi-label">{label}</span>
      <strong>{value}</strong>
    </div>
  );
}

function costBars(rows: ReportRow[], dimension: string, colour: string | null): ChartConfiguration {
  const sorted = [...rows].sort((a, b) => (b.cost_usd ?? 0) - (a.cost_usd ?? 0)).slice(0, 12);
  const labels = sorted.map((row) => keyOf(row, dimension));
  return {
    type: 'bar',
    data: { labels, datasets: [{ label: 'cost', data: sorted.map((row) => row.cost_usd ?? 0), backgroundColor: labels.map((label, index) => colour ?? tierColours[label] ?? palette[index % palette.length]!) }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { ticks: { callback: (value) => usd(Number(value)) } } } },
  };
}

function userHistogram(rows: ReportRow[]): ChartConfiguration {
  const values = rows.map((row) => row.cost_per_active_user_month_usd).filter((value): value is number => value !== null && value > 0);
  // Logarithmic bins: per-user cost is heavy-tailed, and linear bins would put almost everyone in the first.
  const bins = 16;
  const low = Math.min(...values);
  const high = Math.max(...values);
  const logLow = Math.log10(low || 1e-6);
  const step = values.length > 0 && high > low ? (Math.log10(high) - logLow) / bins : 1;
  const counts = Array.from({ length: bins }, () => 0);
  for (const value of values) counts[Math.min(bins - 1, Math.floor((Math.log10(value) - logLow) / step))]! += 1;
  const labels = counts.map((_, index) => `from ${usd(10 ** (logLow + index * step))}`);
  return {
    type: 'bar',
    data: { labels, datasets: [{ label: 'users', data: counts, backgroundColor: palette[4] }] },
    options: { plugins: { legend: { display: false } }, scales: { x: { title: { display: true, text: 'cost per user per month (log scale bins)' }, ticks: { autoSkip: true } }, y: { title: { display: true, text: 'users' }, ticks: { precision: 0 } } } },
  };
}

function sessionScatter(rows: ReportRow[]): ChartConfiguration {
  // A few thousand dots read as well as all of them, and draw in milliseconds.
  const stride = Math.max(1, Math.ceil(rows.length / 3000));
  const points = rows.filter((row, index) => index % stride === 0 && row.cost_usd !== null && keyOf(row, 'session_id') !== '(none)').map((row) => ({ x: row.calls, y: row.cost_usd! }));
  return {
    type: 'scatter',
    data: { datasets: [{ label: 'sessions', data: points, backgroundColor: 'rgba(0, 114, 178, 0.45)', pointRadius: 2.5 }] },
    options: {
      plugins: { legend: { display: false } },
      scales: { x: { title: { display: true, text: 'steps (calls) in the session' } }, y: { title: { display: true, text: 'session cost' }, ticks: { callback: (value) => usd(Number(value)) } } },
    },
  };
}
