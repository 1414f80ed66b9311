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
  const report = (by: string, priority: 'now' | 'later' = 'now', top?: number, fields?: readonly string[]) => {
    const parameters = { ...base, by, ...(top === undefined ? {} : { top: String(top) }), ...(fields === undefined ? {} : { fields: fields.join(',') }) };
    return useApi(queryKey('/v1/report', parameters), (signal) => getJson<ReportJson>('/v1/report', parameters, signal, priority));
  };
  const models = report('model');
  const tiers = report('user_tier');
  // A row per user and per session: the largest answers, so they come after the feature's figures. The users'
  // report asks only for the measures read here (fields=): a store then sums only those for 10⁵ users.
  const users = report('user_id', 'later', undefined, userFields);
  // The scatter draws the costliest sessions only: every session of a busy feature is 10⁵ rows (seconds to
  // compute and to send), and the dots that matter, the runaway sessions, are the costly ones.
  const sessions = report('session_id', 'later', sessionDots);
  const error = models.error ?? tiers.error ?? users.error ?? sessions.error;
  const userRows = users.data?.rows ?? [];
  const atLoss = userRows.filter((row) => row.revenue_usd !== null && row.cost_usd !== null && row.cost_usd > row.revenue_usd).sort((a, b) => (b.cost_usd ?? 0) - (b.revenue_usd ?? 0) - ((a.cost_usd ?? 0) - (a.revenue_usd ?? 0)));
  const charts = useMemo(
    () => ({
      models: models.data ? modelBars(models.data.rows) : null,
      tiers: tiers.data ? costBars(tiers.data.rows, 'user_tier', null) : null,
      users: users.data ? userHistogram(users.data.rows) : null,
      sessions: sessions.data ? sessionScatter(sessions.data.rows) : null,
    }),
    [models.data, tiers.data, users.data, sessions.data],
  );
  const total = models.data?.totals;
  const unpriced = (models.data?.rows ?? []).filter((row) => row.unpriced_calls > 0);
  // A session is a session_id tag: without any, the scatter has nothing to draw, and says why instead.
  const noSessions = sessions.data !== null && !sessions.data.rows.some((row) => keyOf(row, 'session_id') !== '(none)');
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
          {unpriced.length > 0 && (
            <div class="notice unpriced" data-testid="unpriced-models">
              {unpriced.map((row) => (
                <p key={keyOf(row, 'model')} data-model={keyOf(row, 'model')} data-unpriced-calls={row.unpriced_calls}>
                  <span class="swatch hatched" aria-hidden="true" /> <strong>{keyOf(row, 'model')}</strong> — unpriced: {count(row.unpriced_calls)} calls
                  {row.cost_usd === null ? ', cost unknown (not $0)' : `; the ${usd(row.cost_usd)} shown covers its other calls only`}.
                </p>
              ))}
              <p class="note">
                The catalog has no price for {unpriced.length === 1 ? 'this model' : 'these models'}. Add {unpriced.length === 1 ? 'it' : 'each'} under <code>models:</code> in unitcost.config.yaml (
                <code>- {'{'} id: {keyOf(unpriced[0]!, 'model')}, prices: {'{'} input: …, output: … {'}'} {'}'}</code> in $ per million tokens), then run <code>unitcost reprice</code> to price the stored calls.
              </p>
            </div>
          )}
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
            Sessions: cost against steps{' '}
            <small data-testid="sessions-shown">
              each dot is a session{sessions.data?.group_count !== undefined ? `: the costliest ${count(sessions.data.rows.length)} of ${count(sessions.data.group_count)}` : ''}
            </small>
          </h2>
          {noSessions ? (
            <div class="empty-state" data-testid="sessions-empty">
              <p>
                <strong>No session_id tags recorded</strong> for {feature} in this range, so there are no sessions to draw.
              </p>
              <p class="note">
                Tag each call with the conversation or agent run it belongs to: <code>session_id</code> in the event (docs/events.md), <code>withUnitcostTags({'{'} session_id: chat.id {'}'}, …)</code> around an SDK call,
                the <code>x-unitcost-session</code> header through the gateway, or the <code>unitcost.session_id</code> span attribute over OTLP (docs/capture.md).
              </p>
            </div>
          ) : (
            charts.sessions && <Chart config={charts.sessions} label="Session cost against step count" height={240} />
          )}
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

// An unpriced model's cost is unknown, not $0: a hatched grey bar as long as the largest priced one, named so.
function modelBars(rows: ReportRow[]): ChartConfiguration {
  const priced = rows.filter((row) => row.cost_usd !== null).sort((a, b) => (b.cost_usd ?? 0) - (a.cost_usd ?? 0));
  const unknown = rows.filter((row) => row.cost_usd === null);
  // Unpriced models are always drawn, after the priced ones, within the chart's twelve bars.
  const shown = [...priced.slice(0, Math.max(0, 12 - unknown.length)), ...unknown.slice(0, 12)];
  const longest = Math.max(0, ...priced.map((row) => row.cost_usd!));
  const labels = shown.map((row) => (row.unpriced_calls > 0 ? `${keyOf(row, 'model')} (unpriced: ${count(row.unpriced_calls)} calls)` : keyOf(row, 'model')));
  const unpricedFill = hatchPattern();
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          label: 'cost',
          data: shown.map((row) => row.cost_usd ?? (longest > 0 ? longest : 1)),
          backgroundColor: shown.map((row) => (row.cost_usd === null ? unpricedFill : palette[0]!)),
          borderColor: shown.map((row) => (row.cost_usd === null ? '#94a3b8' : palette[0]!)),
          borderWidth: 1,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const row = shown[item.dataIndex]!;
              if (row.cost_usd === null) return `unpriced: ${count(row.unpriced_calls)} calls, cost unknown (the model has no price)`;
              return row.unpriced_calls > 0 ? `${usd(row.cost_usd)} for ${count(row.priced_calls)} priced calls; unpriced: ${count(row.unpriced_calls)} calls` : usd(row.cost_usd);
            },
          },
        },
      },
      scales: { x: { ticks: { callback: (value) => usd(Number(value)) } } },
    },
  };
}

// Grey diagonal stripes: reads as "no figure" where a solid bar would read as a cost.
function hatchPattern(): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = 8;
  tile.height = 8;
  const context = tile.getContext('2d');
  if (!context) return '#cbd5e1';
  context.fillStyle = '#f1f5f9';
  context.fillRect(0, 0, 8, 8);
  context.strokeStyle = '#94a3b8';
  context.lineWidth = 2;
  context.beginPath();
  context.moveTo(-2, 10);
  context.lineTo(10, -2);
  context.moveTo(-2, 2);
  context.lineTo(2, -2);
  context.moveTo(6, 10);
  context.lineTo(10, 6);
  context.stroke();
  return context.createPattern(tile, 'repeat') ?? '#cbd5e1';
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

/**
 * What the page reads of each user's row (fields=): calls, cost and revenue for the users served at a loss, cost per
 * active user-month for the histogram. At 10M calls this report takes ~0.5 s where every measure takes ~1.2 s (BENCHMARKS.md).
 */
const userFields = ['calls', 'cost_usd', 'revenue_usd', 'cost_per_active_user_month_usd'] as const;

/** How many sessions the scatter asks for (top=): a few thousand dots read as well as more, and draw in milliseconds. */
const sessionDots = 3000;

function sessionScatter(rows: ReportRow[]): ChartConfiguration {
  const points = rows.filter((row) => row.cost_usd !== null && keyOf(row, 'session_id') !== '(none)').map((row) => ({ x: row.calls, y: row.cost_usd! }));
  return {
    type: 'scatter',
    data: { datasets: [{ label: 'sessions', data: points, backgroundColor: 'rgba(0, 114, 178, 0.45)', pointRadius: 2.5 }] },
    options: {
      plugins: { legend: { display: false } },
      scales: { x: { title: { display: true, text: 'steps (calls) in the session' } }, y: { title: { display: true, text: 'session cost' }, ticks: { callback: (value) => usd(Number(value)) } } },
    },
  };
}
