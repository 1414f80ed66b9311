import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { getJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { Chart } from '../components/chart.js';
import { palette } from '../components/palette.js';
import { queryKey } from '../filters.js';
import { count, usd } from '../format.js';
import { setQuery } from '../location.js';
import { useApi } from '../use-api.js';

/** Dollars as the API gives them: a number to draw and the exact decimal it was rounded from. */
interface Money {
  usd: number;
  exact: string;
}

interface WhatIf {
  policy: string;
  label: string | null;
  savings_usd: number | null;
  calls_touched: number | null;
  caveats: string[];
  error: string | null;
}

interface Lever {
  lever: string;
  calls: number;
  saved: Money | null;
  basis: 'exact' | 'estimate' | 'upper_bound' | 'not_measurable';
  method: string;
  rows: Array<Record<string, unknown>>;
  what_if: WhatIf[];
}

/** The JSON of GET /v1/gateway/effects. */
interface EffectsJson {
  window: { from: string; to: string };
  gateway_calls: number;
  cost: Money;
  first_call: string | null;
  last_call: string | null;
  policies: Record<string, unknown[]>;
  levers: Lever[];
  refusals: Array<{ reason: string; budget: string | null; session_limit: string | null; calls: number }>;
  notes: string[];
}

const leverTitles: Record<string, string> = {
  route: 'Routing',
  response_cache: 'Response cache',
  output_cap: 'Output caps',
  cascade: 'Cascades',
  session_limit: 'Session limits',
  budget: 'Budgets',
};

const basisLabels: Record<Lever['basis'], string> = {
  exact: 'measured',
  estimate: 'estimate',
  upper_bound: 'at most',
  not_measurable: 'not measurable',
};

/** The gateway's page: its policies, what each lever did over a window, and the what-if's estimate beside it. */
export function GatewayPage({ query }: { query: URLSearchParams }) {
  const parameters = { from: query.get('from') ?? undefined, to: query.get('to') ?? undefined };
  const effects = useApi(queryKey('/v1/gateway/effects', parameters), (signal) => getJson<EffectsJson>('/v1/gateway/effects', parameters, signal));
  const data = effects.data;
  const chart = useMemo(() => (data && data.gateway_calls > 0 ? comparisonChart(data.levers) : null), [data]);
  // Before any gateway traffic, the what-if's estimates are still worth a look: they are the forecast.
  const estimated = data !== null && data.levers.some((lever) => lever.what_if.length > 0);
  return (
    <section>
      <h1>Gateway</h1>
      <p class="lede">What the gateway's policies did to the calls it recorded — calls capped, routed, cached and refused, and the dollars each saved — beside the what-if replay's estimate for the same lever over the same days.</p>
      <form class="filters inline" onSubmit={(event) => event.preventDefault()}>
        <label>
          <span>From</span>
          <input type="date" name="from" value={data?.window.from ?? parameters.from ?? ''} onChange={(event) => setQuery({ from: (event.target as HTMLInputElement).value })} />
        </label>
        <label>
          <span>To (exclusive)</span>
          <input type="date" name="to" value={data?.window.to ?? parameters.to ?? ''} onChange={(event) => setQuery({ to: (event.target as HTMLInputElement).value })} />
        </label>
      </form>
      {effects.error ? <ApiProblem error={effects.error} /> : null}
      {!data && !effects.error && <p class="note">Reading the gateway's calls and replaying each policy…</p>}
      {data && data.gateway_calls === 0 && <EmptyGateway window={data.window} />}
      {data && (data.gateway_calls > 0 || estimated) && (
        <>
          {data.gateway_calls > 0 && (
            <div class="cards">
              <div class="card kpi" data-testid="gateway-calls" data-value={data.gateway_calls}>
                <span class="kpi-label">calls through the gateway</span>
                <strong>{count(data.gateway_calls)}</strong>
              </div>
              <div class="card kpi" data-testid="gateway-cost" data-value={data.cost.usd}>
                <span class="kpi-label">what they cost</span>
                <strong title={`$${data.cost.exact}`}>{usd(data.cost.usd)}</strong>
              </div>
            </div>
          )}
          <div class="card">
            <h2>
              Each lever: what it did, and what the what-if expected <small>{data.window.from} to {data.window.to} (exclusive)</small>
            </h2>
            <table class="table" data-testid="gateway-levers">
              <thead>
                <tr>
                  <th>lever</th>
                  <th class="number">calls</th>
                  <th class="number">saved</th>
                  <th>what-if estimate, per policy</th>
                  <th>how the saving is worked out</th>
                </tr>
              </thead>
              <tbody>
                {data.levers.map((lever) => (
                  <tr key={lever.lever} data-lever={lever.lever} data-calls={lever.calls} data-saved={lever.saved?.usd ?? ''} data-basis={lever.basis}>
                    <td>{leverTitles[lever.lever] ?? lever.lever}</td>
                    <td class="number">{count(lever.calls)}</td>
                    <td class="number">
                      {lever.saved ? <span title={`$${lever.saved.exact}`}>{usd(lever.saved.usd)}</span> : '—'}
                      <br />
                      <small class="note">{basisLabels[lever.basis]}</small>
                    </td>
                    <td>
                      {lever.what_if.length === 0 ? (
                        <span class="note">{lever.lever === 'budget' ? 'no what-if counterpart' : 'no policy of this kind configured'}</span>
                      ) : (
                        lever.what_if.map((estimate) => <WhatIfLine key={estimate.policy} estimate={estimate} />)
                      )}
                    </td>
                    <td class="note">{lever.method}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="grid">
            <div class="card chart-card">
              <h2>
                Saved, measured against the what-if <small>dollars over the window</small>
              </h2>
              {chart && <Chart config={chart} label="Dollars saved per lever, measured and estimated by the what-if" height={260} />}
            </div>
            <div class="card">
              <h2>Refusals</h2>
              {data.refusals.length === 0 ? (
                <p class="note">The gateway refused no call in this window.</p>
              ) : (
                <table class="table" data-testid="gateway-refusals">
                  <thead>
                    <tr>
                      <th>reason</th>
                      <th>budget or limit</th>
                      <th class="number">calls</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.refusals.map((row) => (
                      <tr key={`${row.reason}/${row.budget ?? ''}/${row.session_limit ?? ''}`} data-reason={row.reason} data-calls={row.calls}>
                        <td>{row.reason}</td>
                        <td>{row.budget ?? (row.session_limit === null ? '' : `session ${row.session_limit}`)}</td>
                        <td class="number">{count(row.calls)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
          {data.levers
            .filter((lever) => lever.rows.length > 0)
            .map((lever) => (
              <div class="card spaced-card" key={lever.lever}>
                <h2>{leverTitles[lever.lever] ?? lever.lever}: by policy</h2>
                <DetailTable rows={lever.rows} />
              </div>
            ))}
        </>
      )}
      {data && <Policies policies={data.policies} />}
      {data && data.notes.length > 0 && (
        <ul class="note" data-testid="gateway-notes">
          {data.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function WhatIfLine({ estimate }: { estimate: WhatIf }) {
  return (
    <div class="what-if-line" data-policy={estimate.policy} data-savings={estimate.savings_usd ?? ''}>
      <code>{estimate.policy}</code>: {estimate.savings_usd !== null ? <strong>{usd(estimate.savings_usd)}</strong> : <span class="note">{estimate.error ?? 'no estimate'}</span>}
      {estimate.calls_touched !== null && <span class="note"> over {count(estimate.calls_touched)} calls</span>}
      {estimate.caveats.length > 0 && <small class="note block">{estimate.caveats.join('; ')}</small>}
    </div>
  );
}

// A lever's rows as the API gives them: dollars through the one money format, counts as counts.
function DetailTable({ rows }: { rows: Array<Record<string, unknown>> }) {
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '—';
    if (typeof value === 'object' && 'usd' in value) return usd((value as Money).usd);
    if (typeof value === 'number') return count(value);
    return String(value);
  };
  return (
    <table class="table">
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column}>{column.replaceAll('_', ' ')}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={index}>
            {columns.map((column) => (
              <td key={column}>{cell(row[column])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Policies({ policies }: { policies: Record<string, unknown[]> }) {
  const kinds = Object.entries(policies).filter(([, list]) => list.length > 0);
  return (
    <div class="card spaced-card" data-testid="gateway-policies">
      <h2>Configured policies</h2>
      {kinds.length === 0 ? (
        <p class="note">No policy is configured: the gateway records calls and changes none. Add `gateway.policies` (output_caps, routes, response_cache, sessions) and `budgets` to the config (docs/gateway.md).</p>
      ) : (
        kinds.map(([kind, list]) => (
          <div key={kind}>
            <h3 class="policy-kind">{kind === 'budgets' ? 'budgets' : `gateway.policies.${kind}`}</h3>
            <ol start={0} class="policy-list">
              {list.map((policy, index) => (
                <li key={index} data-policy={`${kind}[${index}]`}>
                  <code>{JSON.stringify(policy)}</code>
                </li>
              ))}
            </ol>
          </div>
        ))
      )}
    </div>
  );
}

function EmptyGateway({ window }: { window: { from: string; to: string } }) {
  return (
    <div class="notice" data-testid="gateway-empty">
      <p>
        No call went through the gateway between {window.from} and {window.to}. Start it beside this server and point your SDK's base URL at it: every call is then recorded
        with what the policies did to it, and shows here.
      </p>
      <pre>{`npx unitcost serve --gateway          # the gateway on http://127.0.0.1:8788

const openai = new OpenAI({ baseURL: 'http://127.0.0.1:8788/v1' });
const anthropic = new Anthropic({ baseURL: 'http://127.0.0.1:8788' });
// tag calls with headers: x-unitcost-feature, x-unitcost-team, x-unitcost-user…`}</pre>
    </div>
  );
}

// Per lever with a dollar figure: the measured saving (an estimate or a bound where that is all there is) and the sum of its policies' what-if estimates.
function comparisonChart(levers: Lever[]): ChartConfiguration {
  const shown = levers.filter((lever) => lever.saved !== null || lever.what_if.some((estimate) => estimate.savings_usd !== null));
  return {
    type: 'bar',
    data: {
      labels: shown.map((lever) => `${leverTitles[lever.lever] ?? lever.lever}${lever.basis === 'exact' ? '' : ` (${basisLabels[lever.basis]})`}`),
      datasets: [
        { label: 'measured', data: shown.map((lever) => lever.saved?.usd ?? 0), backgroundColor: palette[0] },
        { label: 'what-if estimate', data: shown.map((lever) => lever.what_if.reduce((sum, estimate) => sum + (estimate.savings_usd ?? 0), 0)), backgroundColor: palette[1] },
      ],
    },
    options: { scales: { y: { ticks: { callback: (value) => usd(Number(value)) } } }, plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${usd(Number(item.raw))}` } } } },
  };
}
