import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { count, percent, pricePerMillion, usd } from '../format.js';
import { setQuery } from '../location.js';
import { queryKey } from '../filters.js';
import { useApi } from '../use-api.js';

/** The part of `unitcost estimate --json` this page shows. */
interface EstimateReport {
  priced_at: string;
  per_call_usd: number | null;
  per_session_usd: number | null;
  per_user_month_usd: number | null;
  arpu_usd: number | null;
  cost_share_of_arpu: number | null;
  gross_margin: number | null;
  verdict: 'viable' | 'at_risk' | 'unviable' | null;
  breaches: Array<{ explanation: string }>;
  breakdown: Array<{ model: string; share: number; by_token_class: Record<string, { tokens_per_session: number; per_call_usd: number; per_session_usd: number }> }>;
  models: Array<{ provider: string; model: string; price_sources: string[]; prices_usd_per_million: Record<string, number> }>;
  cache: { break_even_hit_rate: number | null; savings_per_session_usd: number; savings_share: number } | null;
  warnings: string[];
}

interface Field {
  name: string;
  label: string;
  hint: string;
  kind?: 'text' | 'rate';
}

// The flags of `unitcost estimate`, by the same names: the URL of this page is the command line.
const fields: Field[] = [
  { name: 'model', label: 'Model', hint: 'catalog id or alias, e.g. claude-opus-4-7', kind: 'text' },
  { name: 'input', label: 'Input tokens / call', hint: 'whole prompt, cached part included' },
  { name: 'output', label: 'Output tokens / call', hint: 'reasoning included' },
  { name: 'calls', label: 'Calls / session', hint: 'agent steps or chat turns' },
  { name: 'context-growth', label: 'Context growth / step', hint: 'tokens each step adds' },
  { name: 'cache-prefix', label: 'Cached prefix tokens', hint: 'system prompt, tools' },
  { name: 'cache-hit-rate', label: 'Cache hit rate', hint: '0–1', kind: 'rate' },
  { name: 'sessions-per-month', label: 'Sessions / user / month', hint: 'how often a user runs it' },
  { name: 'arpu', label: 'ARPU ($ / user / month)', hint: 'for the verdict' },
];

const defaults: Record<string, string> = { model: 'claude-sonnet-4-5', input: '4000', output: '600', calls: '6', 'sessions-per-month': '20', arpu: '20' };

/** The napkin calculator over GET /v1/estimate. */
export function EstimatePage({ query }: { query: URLSearchParams }) {
  // The defaults make a first visit show a worked example; once any field is in the URL, the URL is the whole input.
  const fromUrl = fields.some((field) => query.has(field.name));
  const values: Record<string, string> = {};
  for (const field of fields) values[field.name] = query.get(field.name) ?? (fromUrl ? '' : (defaults[field.name] ?? ''));
  const [typed, setTyped] = useState(values);
  // Typing updates the fields at once and the URL (and the estimate) a moment later.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(Object.fromEntries(Object.entries(typed).map(([name, value]) => [name, value === '' ? '' : value])), true), 250);
    return () => clearTimeout(timer);
  }, [JSON.stringify(typed)]);
  const request: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (value.trim() !== '') request[name] = value.trim();
  const estimate = useApi(queryKey('/v1/estimate', request), (signal) => getJson<EstimateReport>('/v1/estimate', request, signal));
  const report = estimate.data;
  return (
    <section class="estimate">
      <h1>Estimate</h1>
      <p class="lede">Napkin math for an LLM feature before it ships: cost per call, per session and per user per month, held against ARPU.</p>
      <div class="estimate-grid">
        <form class="card form" onSubmit={(event) => event.preventDefault()}>
          {fields.map((field) => (
            <label key={field.name}>
              <span>{field.label}</span>
              {field.kind === 'rate' ? (
                <span class="slider">
                  <input type="range" min="0" max="1" step="0.05" name={field.name} value={typed[field.name] || '0'} onInput={(event) => setTyped({ ...typed, [field.name]: (event.target as HTMLInputElement).value })} />
                  <output>{typed[field.name] ? percent(Number(typed[field.name]), 0) : '—'}</output>
                </span>
              ) : (
                <input
                  name={field.name}
                  inputMode={field.kind === 'text' ? 'text' : 'decimal'}
                  value={typed[field.name]}
                  placeholder={field.hint}
                  onInput={(event) => setTyped({ ...typed, [field.name]: (event.target as HTMLInputElement).value })}
                />
              )}
              <small>{field.hint}</small>
            </label>
          ))}
        </form>
        <div class="estimate-result" aria-busy={estimate.loading}>
          {estimate.error ? <ApiProblem error={estimate.error} /> : null}
          {report && !estimate.error && (
            <>
              <div class="cards">
                <Figure testid="estimate-per-call" label="per call" value={report.per_call_usd} />
                <Figure testid="estimate-per-session" label="per session" value={report.per_session_usd} />
                <Figure testid="estimate-per-user-month" label="per user / month" value={report.per_user_month_usd} />
                {report.cost_share_of_arpu !== null && (
                  <div class={`card kpi ${report.verdict === 'viable' ? 'ok' : 'breach'}`} data-testid="estimate-verdict">
                    <span class="kpi-label">share of ARPU</span>
                    <strong>{percent(report.cost_share_of_arpu)}</strong>
                    <span class="kpi-rule">
                      margin {percent(report.gross_margin)} · {report.verdict?.replace('_', ' ')}
                    </span>
                  </div>
                )}
              </div>
              {report.breaches.map((breach) => (
                <p class="notice warning" key={breach.explanation}>
                  {breach.explanation}
                </p>
              ))}
              {report.cache && (
                <p class="note">
                  Prompt caching saves {usd(report.cache.savings_per_session_usd)} a session ({percent(report.cache.savings_share)}); it pays above a{' '}
                  {percent(report.cache.break_even_hit_rate)} hit rate.
                </p>
              )}
              <table class="table">
                <thead>
                  <tr>
                    <th>model</th>
                    <th>token class</th>
                    <th class="number">tokens / session</th>
                    <th class="number">per call</th>
                    <th class="number">per session</th>
                  </tr>
                </thead>
                <tbody>
                  {report.breakdown.flatMap((row) =>
                    Object.entries(row.by_token_class).map(([tokenClass, cost]) => (
                      <tr key={`${row.model}-${tokenClass}`}>
                        <td>{row.model}</td>
                        <td>{tokenClass.replace(/_/g, ' ')}</td>
                        <td class="number">{count(Math.round(cost.tokens_per_session))}</td>
                        <td class="number">{usd(cost.per_call_usd)}</td>
                        <td class="number">{usd(cost.per_session_usd)}</td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
              <p class="note">
                Prices at {report.priced_at.slice(0, 10)}:{' '}
                {report.models.map((model) => `${model.provider}/${model.model} in ${pricePerMillion(model.prices_usd_per_million.input)} · out ${pricePerMillion(model.prices_usd_per_million.output)}`).join('; ')}
              </p>
              {report.warnings.map((warning) => (
                <p class="notice warning" key={warning}>
                  {warning}
                </p>
              ))}
            </>
          )}
        </div>
      </div>
    </section>
  );
}

function Figure({ label, value, testid }: { label: string; value: number | null; testid: string }) {
  return (
    <div class="card kpi" data-testid={testid} data-value={value ?? ''}>
      <span class="kpi-label">{label}</span>
      <strong>{usd(value)}</strong>
    </div>
  );
}
