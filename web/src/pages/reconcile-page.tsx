import { useState } from 'preact/hooks';
import { ApiError, getJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { count, percent, usdExact } from '../format.js';
import { setQuery } from '../location.js';
import { configLines, type Mismatch, type ReconcileJson } from '../reconcile-json.js';
import { useApi } from '../use-api.js';

const providers = [
  { id: 'openai', label: 'OpenAI', keyEnv: 'OPENAI_ADMIN_KEY', keyKind: 'an organization admin key' },
  { id: 'anthropic', label: 'Anthropic', keyEnv: 'ANTHROPIC_ADMIN_KEY', keyKind: 'an admin key (sk-ant-admin…)' },
] as const;

const classNames: Record<string, string> = {
  input: 'input',
  cache_read: 'cache reads',
  cache_write_5m: 'cache writes (5 min)',
  cache_write_1h: 'cache writes (1 h)',
  output: 'output',
  input_audio: 'audio input',
  output_audio: 'audio output',
  web_search: 'web searches',
};

// The last whole month: the bill a finance lead checks. The browser's clock, as the month picker's.
function lastMonth(): string {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return first.toISOString().slice(0, 7);
}

/** The reconciliation page: what unitcost recorded against the provider's own bill (GET /v1/reconcile). */
export function ReconcilePage({ query }: { query: URLSearchParams }) {
  const provider = providers.find((candidate) => candidate.id === query.get('provider')) ?? providers[0];
  const month = /^\d{4}-\d{2}$/.test(query.get('month') ?? '') ? query.get('month')! : lastMonth();
  const parameters = { provider: provider.id, month };
  const loaded = useApi(JSON.stringify(parameters), (signal) => getJson<ReconcileJson>('/v1/reconcile', parameters, signal));
  const noKey = loaded.error instanceof ApiError && /_ADMIN_KEY$/.test(loaded.error.field ?? '');
  return (
    <section>
      <h1>Reconciliation</h1>
      <p class="lede">What unitcost recorded against {provider.label}'s own usage and cost reports: how much of the bill it saw, the spend no one instrumented, and prices that differ from what you pay.</p>
      <form class="card form reconcile-form" onSubmit={(event) => event.preventDefault()} data-testid="reconcile-form">
        <label>
          <span>Provider</span>
          <select name="provider" value={provider.id} onChange={(event) => setQuery({ provider: (event.target as HTMLSelectElement).value })}>
            {providers.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Month (UTC)</span>
          <input type="month" name="month" value={month} onChange={(event) => setQuery({ month: (event.target as HTMLInputElement).value })} />
        </label>
      </form>
      <div data-testid="reconcile-result" class={loaded.loading ? 'loading' : ''} aria-busy={loaded.loading}>
        {loaded.loading && !loaded.data && <p class="note">Pulling {provider.label}'s usage and cost reports for {month}…</p>}
        {noKey ? <NoAdminKey provider={provider} month={month} /> : loaded.error ? <ApiProblem error={loaded.error} /> : null}
        {loaded.data && !loaded.error && <ReconciliationView result={loaded.data} />}
      </div>
    </section>
  );
}

function NoAdminKey({ provider, month }: { provider: (typeof providers)[number]; month: string }) {
  return (
    <div class="card empty-state" data-testid="reconcile-no-key" data-key-env={provider.keyEnv}>
      <h2>No {provider.label} admin key on this server</h2>
      <p>
        To pull {provider.label}'s usage and cost reports, set <code>{provider.keyEnv}</code> to {provider.keyKind} in the environment of <code>unitcost serve</code>, and restart it. The key is only
        sent to {provider.label}, never shown.
      </p>
      <p>Or, without giving the server a key, save the reports and reconcile them from the command line:</p>
      <pre>
        unitcost reconcile {provider.id} usage.json cost.json --month {month}
        {'\n'}unitcost reconcile {provider.id} --month {month} --live{'   '}# with {provider.keyEnv} in your shell
      </pre>
      <p class="note">docs/reconcile.md lists which admin API answers to save.</p>
    </div>
  );
}

function ReconciliationView({ result }: { result: ReconcileJson }) {
  const totals = result.totals;
  const billed = Number(totals.billed_usd);
  const width = (exact: string): string => (billed > 0 ? `${Math.max(0, Math.min(100, (Number(exact) / billed) * 100))}%` : '0%');
  const coverage = totals.coverage ?? totals.token_coverage;
  const empty = result.rows.length === 0 && billed === 0;
  return (
    <>
      <p data-testid="reconcile-summary">{result.summary}</p>
      <p class="note">
        {result.from} to {lastDay(result.to)} · reports pulled {result.pulled_at.slice(0, 16).replace('T', ' ')} UTC and kept for 5 minutes
      </p>
      {empty ? (
        <p class="notice" data-testid="reconcile-empty">
          Neither side has usage in this month: pick another month.
        </p>
      ) : (
        <>
          <div class="cards" data-testid="reconcile-totals" data-coverage={totals.coverage ?? ''} data-billed={totals.billed_usd} data-recorded={totals.recorded_usd} data-untracked={totals.untracked_usd}>
            <div class={`card kpi ${coverage >= 0.95 ? 'ok' : 'breach'}`} data-testid="reconcile-coverage">
              <span class="kpi-label">{totals.coverage === null ? 'token coverage' : 'coverage of the bill'}</span>
              <strong>{percent(coverage)}</strong>
              <span class="kpi-rule">{totals.coverage === null ? 'no cost report: tokens weighed by unitcost prices' : 'billed dollars unitcost saw'}</span>
            </div>
            <Figure label="billed" value={usdExact(totals.billed_usd)} exact={totals.billed_usd} />
            <Figure label="recorded by unitcost" value={usdExact(totals.recorded_usd)} exact={totals.recorded_usd} />
            <Figure label="untracked" value={usdExact(totals.untracked_usd)} exact={totals.untracked_usd} detail="billed calls unitcost never saw" />
            {Number(totals.unplaced_usd) !== 0 && <Figure label="not per model" value={usdExact(totals.unplaced_usd)} exact={totals.unplaced_usd} detail="billed lines naming no model" />}
          </div>
          {billed > 0 && (
            <div class="coverage-bar" role="img" aria-label={`of the bill: ${percent(totals.coverage)} seen, ${usdExact(totals.untracked_usd)} untracked`}>
              <span class="seen" style={{ width: width(totals.seen_billed_usd) }} title={`seen: ${usdExact(totals.seen_billed_usd)}`} />
              <span class="untracked" style={{ width: width(totals.untracked_usd) }} title={`untracked: ${usdExact(totals.untracked_usd)}`} />
              <span class="unplaced" style={{ width: width(totals.unplaced_usd) }} title={`not per model: ${usdExact(totals.unplaced_usd)}`} />
            </div>
          )}
          {result.untracked_by_model.length > 0 && (
            <>
              <h2 class="spaced">Untracked spend by model</h2>
              <table class="table" data-testid="reconcile-untracked">
                <thead>
                  <tr>
                    <th>model</th>
                    <th class="number">untracked</th>
                    <th class="number">tokens reported</th>
                    <th class="number">tokens recorded</th>
                  </tr>
                </thead>
                <tbody>
                  {result.untracked_by_model.map((row) => (
                    <tr key={row.model} data-model={row.model} data-untracked={row.untracked_usd}>
                      <td>{row.model}</td>
                      <td class="number">{usdExact(row.untracked_usd)}</td>
                      <td class="number">{count(Number(row.reported_quantity))}</td>
                      <td class="number">{count(Number(row.recorded_quantity))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {result.price_mismatches.length > 0 && (
            <>
              <h2 class="spaced">Prices that differ from the bill</h2>
              {result.price_mismatches.map((mismatch) => (
                <MismatchCard key={`${mismatch.model ?? ''}/${mismatch.from_day}`} mismatch={mismatch} />
              ))}
            </>
          )}
          {result.recorded_not_billed.length > 0 && (
            <p class="notice warning" data-testid="reconcile-not-billed">
              Recorded but never billed: {result.recorded_not_billed.map((row) => `${count(Number(row.quantity))} ${classNames[row.token_class] ?? row.token_class} tokens of ${row.model}`).join('; ')}. Another organization, a
              test key or a double count?
            </p>
          )}
          <details class="card spaced-card" data-testid="reconcile-days">
            <summary>
              Per day, model and class ({count(result.rows.length)} rows)
            </summary>
            <table class="table">
              <thead>
                <tr>
                  <th>day</th>
                  <th>model</th>
                  <th>class</th>
                  <th class="number">reported</th>
                  <th class="number">recorded</th>
                  <th class="number">billed</th>
                  <th class="number">recorded $</th>
                  <th class="number">untracked</th>
                  <th class="number">price gap</th>
                </tr>
              </thead>
              <tbody>
                {result.rows.map((row) => (
                  <tr key={`${row.day}/${row.model}/${row.token_class}`}>
                    <td>{row.day}</td>
                    <td>{row.model}</td>
                    <td>{classNames[row.token_class] ?? row.token_class}</td>
                    <td class="number">{count(Number(row.reported_quantity))}</td>
                    <td class="number">{count(Number(row.recorded_quantity))}</td>
                    <td class="number">{usdExact(row.billed_usd)}</td>
                    <td class="number">{usdExact(row.recorded_usd)}</td>
                    <td class="number">{usdExact(row.untracked_usd)}</td>
                    <td class="number">{usdExact(row.price_gap_usd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </>
  );
}

function MismatchCard({ mismatch }: { mismatch: Mismatch }) {
  const lines = configLines(mismatch);
  const [copied, setCopied] = useState(false);
  return (
    <div class="card spaced-card" data-testid="reconcile-mismatch" data-from-day={mismatch.from_day} data-model={mismatch.model ?? ''}>
      <p>
        <strong>{mismatch.summary}</strong> ({usdExact(mismatch.gap_usd)} over the month).
      </p>
      {lines !== null ? (
        <>
          <p class="note">Add to unitcost.config.yaml, then run unitcost reprice to price the stored calls again:</p>
          <pre data-testid="reconcile-config-line">{lines}</pre>
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(lines).then(() => setCopied(true));
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </>
      ) : (
        mismatch.suggestion.note && <p class="note">{mismatch.suggestion.note}</p>
      )}
    </div>
  );
}

function Figure({ label, value, exact, detail }: { label: string; value: string; exact: string; detail?: string }) {
  return (
    <div class="card kpi" title={`$${exact}`}>
      <span class="kpi-label">{label}</span>
      <strong>{value}</strong>
      {detail && <span class="kpi-rule">{detail}</span>}
    </div>
  );
}

function lastDay(exclusiveTo: string): string {
  return new Date(Date.parse(`${exclusiveTo}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
