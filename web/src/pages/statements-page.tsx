import { useState } from 'preact/hooks';
import { apiKey, getFile, getJson, queryString, type Query } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { count, percent, usd } from '../format.js';
import { setQuery } from '../location.js';
import { useApi } from '../use-api.js';

/** An amount as the API gives it: dollars to draw, an exact decimal string to add up. */
interface Amount {
  usd: number;
  exact: string;
}

interface StatementLine {
  group: string;
  calls: number;
  direct: Amount;
  shared: Amount;
  total: Amount;
  revenue: Amount | null;
  margin: number | null;
}

interface Adjustment {
  statement_id: string;
  period: string;
  group: string;
  direct: Amount;
  shared: Amount;
  total: Amount;
}

interface ClosedPeriod {
  statement_id: string;
  period: string;
  from: string;
  to: string;
  closed_at: string;
  changed_since_close: boolean;
}

/** The JSON of GET /v1/statements (src/core/governance/statements/statement-json.ts). */
interface StatementJson {
  mode: 'showback' | 'chargeback';
  statement_id: string | null;
  period: string;
  from: string;
  to: string;
  by: string;
  allocation: { shared: string[]; rule: 'proportional' | 'even' | { fixed: Record<string, number> } };
  closed_at: string | null;
  revenue_tracked: boolean;
  calls: number;
  unpriced_calls: number;
  lines: StatementLine[];
  shared: { total: Amount; unallocated: Amount; sources: Array<{ group: string | null; calls: number; cost: Amount }> };
  total: Amount;
  revenue: Amount | null;
  adjustments: Adjustment[];
  adjustments_total: Amount;
  due: Amount;
  closed_periods: ClosedPeriod[];
}

// The tags a statement is usually asked by; user_id and session_id work too, from the CLI, but run to thousands of lines.
const groupings = ['team', 'feature', 'user_tier', 'model', 'provider', 'environment'] as const;
const monthPattern = /^\d{4}-\d{2}$/;
const weekPattern = /^\d{4}-W\d{2}$/;

// The last whole month: the statement finance asks for. The browser's clock, as the month picker's.
function lastMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

// The ISO week (2026-W47) holding a day: the week of its Thursday, numbered in that Thursday's year.
function isoWeekOf(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 4 - (date.getUTCDay() || 7));
  const week = Math.ceil(((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function ruleText(allocation: StatementJson['allocation']): string {
  if (allocation.rule === 'proportional') return 'in proportion to each group\'s direct cost';
  if (allocation.rule === 'even') return 'evenly between the groups';
  return `in fixed shares (${Object.entries(allocation.rule.fixed).map(([group, share]) => `${group} ${percent(share, 0)}`).join(', ')})`;
}

/**
 * The statements page: the showback statement of a month or ISO week by a tag (each group's direct cost, its
 * share of the shared cost, revenue and margin), the closed periods and the adjustments the next chargeback
 * carries, links to the printable page and the CSV, and the FOCUS file of the same period for the finance tools.
 */
export function StatementsPage({ query }: { query: URLSearchParams }) {
  const requested = query.get('period') ?? '';
  const period = monthPattern.test(requested) || weekPattern.test(requested) ? requested : lastMonth();
  const by = (groupings as readonly string[]).includes(query.get('by') ?? '') ? query.get('by')! : 'team';
  const mode = query.get('mode') === 'chargeback' ? 'chargeback' : 'showback';
  const parameters: Query = { period, by, ...(mode === 'chargeback' ? { mode } : {}) };
  const loaded = useApi(JSON.stringify(parameters), (signal) => getJson<StatementJson>('/v1/statements', parameters, signal));
  const weekly = weekPattern.test(period);
  const data = loaded.data;
  return (
    <section>
      <h1>Statements</h1>
      <p class="lede">Who spent what: each group's own cost, its share of the shared cost, revenue and margin over a month or week, the live showback numbers that a chargeback statement freezes.</p>
      <form class="card form plans-form" onSubmit={(event) => event.preventDefault()} data-testid="statement-form">
        <label>
          <span>Period</span>
          <select
            name="kind"
            value={weekly ? 'week' : 'month'}
            onChange={(event) => {
              const start = data?.from ?? `${period}-01`;
              setQuery({ period: (event.target as HTMLSelectElement).value === 'week' ? isoWeekOf(start) : start.slice(0, 7) });
            }}
          >
            <option value="month">Month</option>
            <option value="week">ISO week</option>
          </select>
        </label>
        <label>
          <span>{weekly ? 'Week (UTC)' : 'Month (UTC)'}</span>
          <input type={weekly ? 'week' : 'month'} name="period" value={period} onChange={(event) => setQuery({ period: (event.target as HTMLInputElement).value })} />
        </label>
        <label>
          <span>By</span>
          <select name="by" value={by} onChange={(event) => setQuery({ by: (event.target as HTMLSelectElement).value })}>
            {groupings.map((tag) => (
              <option key={tag} value={tag}>
                {tag}
              </option>
            ))}
          </select>
        </label>
        {mode === 'chargeback' && (
          <p class="note">
            The frozen chargeback statement. <a href={`/statements${queryString({ period, by })}`} onClick={(event) => follow(event, { period, by })}>Back to showback</a>
          </p>
        )}
      </form>
      <div data-testid="statement-result" class={loaded.loading ? 'loading' : ''} aria-busy={loaded.loading}>
        {loaded.loading && !data && <p class="note">Computing the statement of {period} by {by}…</p>}
        {loaded.error ? <ApiProblem error={loaded.error} /> : null}
        {data && !loaded.error && (data.calls === 0 && data.mode === 'showback' ? <EmptyStatement period={data.period} by={data.by} /> : <StatementView statement={data} />)}
        {data && !loaded.error && <FocusDownload from={data.from} to={data.to} period={data.period} />}
      </div>
    </section>
  );
}

// In-page links keep the dashboard's history, like the nav's.
function follow(event: MouseEvent, parameters: Record<string, string | undefined>): void {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  setQuery({ period: undefined, by: undefined, mode: undefined, ...parameters });
}

function StatementView({ statement }: { statement: StatementJson }) {
  const revenue = statement.revenue_tracked;
  const documents = { period: statement.period, by: statement.by, ...(statement.mode === 'chargeback' ? { mode: 'chargeback' } : {}) };
  const unallocated = statement.shared.unallocated.exact !== '0';
  return (
    <>
      <div class="card" data-testid="statement" data-mode={statement.mode} data-total={statement.total.exact} data-due={statement.due.exact}>
        <h2>
          {statement.mode === 'chargeback' ? `Chargeback statement ${statement.statement_id ?? ''}` : 'Showback'} <small>{statement.period} by {statement.by}, {statement.from} to {statement.to} (UTC, the end excluded)</small>
        </h2>
        <table class="table" data-testid="statement-lines">
          <thead>
            <tr>
              <th>{statement.by}</th>
              <th class="number">Calls</th>
              <th class="number">Direct cost</th>
              <th class="number">Share of shared</th>
              <th class="number">Total</th>
              {revenue && <th class="number">Revenue</th>}
              {revenue && <th class="number">Margin</th>}
            </tr>
          </thead>
          <tbody>
            {statement.lines.map((line) => (
              <tr key={line.group} data-group={line.group} data-direct={line.direct.exact} data-shared={line.shared.exact} data-total={line.total.exact} class={line.margin !== null && line.margin < 0 ? 'loss' : ''}>
                <td>{line.group}</td>
                <td class="number">{count(line.calls)}</td>
                <td class="number">{usd(line.direct.usd)}</td>
                <td class="number">{usd(line.shared.usd)}</td>
                <td class="number">{usd(line.total.usd)}</td>
                {revenue && <td class="number">{usd(line.revenue?.usd)}</td>}
                {revenue && <td class="number">{percent(line.margin)}</td>}
              </tr>
            ))}
            {unallocated && (
              <tr data-group="(unallocated)" data-total={statement.shared.unallocated.exact} data-testid="statement-unallocated">
                <td>(unallocated)</td>
                <td />
                <td class="number">{usd(0)}</td>
                <td class="number">{usd(statement.shared.unallocated.usd)}</td>
                <td class="number">{usd(statement.shared.unallocated.usd)}</td>
                {revenue && <td />}
                {revenue && <td />}
              </tr>
            )}
            <tr class="recommended" data-testid="statement-total">
              <td>Period total</td>
              <td class="number">{count(statement.calls)}</td>
              <td />
              <td class="number">{usd(statement.shared.total.usd)}</td>
              <td class="number">{usd(statement.total.usd)}</td>
              {revenue && <td class="number">{usd(statement.revenue?.usd)}</td>}
              {revenue && <td />}
            </tr>
          </tbody>
        </table>
        <p class="note">
          Shared cost ({usd(statement.shared.total.usd)}) is split {ruleText(statement.allocation)}:{' '}
          {statement.shared.sources.length === 0
            ? 'none this period.'
            : statement.shared.sources.map((source) => `${source.group === null ? `calls without ${statement.by}` : source.group} ${usd(source.cost.usd)} (${count(source.calls)} calls)`).join('; ') + '.'}
          {unallocated && ' No group could take part of it: it stays unallocated.'}
          {statement.unpriced_calls > 0 && ` ${count(statement.unpriced_calls)} calls have no price yet (run \`unitcost reprice\`) and are not in these figures.`}
          {!revenue && ' Revenue and margin appear once plans or revenue records are configured.'}
        </p>
        {statement.mode === 'chargeback' && (
          <p class="budget-figures" data-testid="statement-due">
            Due on this statement: <strong>{usd(statement.due.usd)}</strong>, the period's total{statement.adjustments.length > 0 ? ' plus the adjustments to closed periods it carries' : ''}. Closed {statement.closed_at}: these figures are frozen.
          </p>
        )}
        <p>
          <a href={`/v1/statements${queryString({ ...documents, format: 'html' })}`} target="_blank" rel="noopener" data-testid="statement-printable" onClick={(event) => openFile(event, '/v1/statements', { ...documents, format: 'html' }, false)}>
            Printable statement
          </a>{' '}
          ·{' '}
          <a href={`/v1/statements${queryString({ ...documents, format: 'csv' })}`} download data-testid="statement-csv" onClick={(event) => openFile(event, '/v1/statements', { ...documents, format: 'csv' }, true)}>
            CSV
          </a>
        </p>
      </div>
      <Adjustments statement={statement} />
      <ClosedPeriods statement={statement} />
    </>
  );
}

function Adjustments({ statement }: { statement: StatementJson }) {
  if (statement.adjustments.length === 0) {
    return statement.mode === 'showback' && statement.closed_periods.length > 0 ? <p class="note">No closed period has changed since it was frozen: the next chargeback statement carries no adjustment.</p> : null;
  }
  return (
    <div class="card spaced-card" data-testid="statement-adjustments">
      <h2>{statement.mode === 'chargeback' ? 'Adjustments to closed periods, carried on this statement' : 'Pending adjustments: the next chargeback statement carries them'}</h2>
      <table class="table compact">
        <thead>
          <tr>
            <th>Closed period</th>
            <th>{statement.by}</th>
            <th class="number">Direct</th>
            <th class="number">Shared</th>
            <th class="number">Total</th>
          </tr>
        </thead>
        <tbody>
          {statement.adjustments.map((line) => (
            <tr key={`${line.statement_id}/${line.group}`} data-adjusts={line.statement_id} data-group={line.group} data-total={line.total.exact}>
              <td>{line.period}</td>
              <td>{line.group}</td>
              <td class="number">{usd(line.direct.usd)}</td>
              <td class="number">{usd(line.shared.usd)}</td>
              <td class="number">{usd(line.total.usd)}</td>
            </tr>
          ))}
          <tr class="recommended">
            <td>Adjustments total</td>
            <td />
            <td />
            <td />
            <td class="number">{usd(statement.adjustments_total.usd)}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function ClosedPeriods({ statement }: { statement: StatementJson }) {
  return (
    <div class="card spaced-card" data-testid="statement-closed">
      <h2>Closed periods by {statement.by}</h2>
      {statement.closed_periods.length === 0 ? (
        <p class="note">None yet. Closing a period freezes its figures under a statement id; it is done from the command line, on the store file, once the period is over:</p>
      ) : (
        <ul class="policy-list">
          {statement.closed_periods.map((closed) => (
            <li key={closed.statement_id} data-statement={closed.statement_id} data-changed={String(closed.changed_since_close)}>
              {monthPattern.test(closed.period) || weekPattern.test(closed.period) ? (
                <a href={`/statements${queryString({ period: closed.period, by: statement.by, mode: 'chargeback' })}`} onClick={(event) => follow(event, { period: closed.period, by: statement.by, mode: 'chargeback' })}>
                  {closed.statement_id}
                </a>
              ) : (
                closed.statement_id
              )}{' '}
              ({closed.from} to {closed.to}), closed {closed.closed_at}
              {closed.changed_since_close && <strong class="breach-text"> — changed since: an adjustment is pending</strong>}
            </li>
          ))}
        </ul>
      )}
      {statement.closed_periods.length === 0 && <pre class="notice">unitcost statement --period {statement.period} --by {statement.by} --mode chargeback</pre>}
    </div>
  );
}

function EmptyStatement({ period, by }: { period: string; by: string }) {
  return (
    <div class="card empty-state" data-testid="statements-empty">
      <h2>No calls in {period}</h2>
      <p>
        A statement splits the period's stored calls by <code>{by}</code>. Pick another period, or send calls first (<code>unitcost ingest FILE</code>, the gateway, or POST /v1/events). Calls without a{' '}
        <code>{by}</code>, and values you name as shared, are split between the groups by the rule in the <code>statements:</code> section of the config:
      </p>
      <pre>
        {`statements:
  allocation:
    team:
      shared: [platform]      # these values are shared too (calls without a team always are)
      rule: proportional      # to each team's direct cost (the default); or: even
    feature:
      rule: { fixed: { support-bot: 0.6, coding-agent: 0.4 } }   # shares must sum to 1`}
      </pre>
      <p>
        The dashboard shows live (showback) numbers. Closing a period for chargeback freezes it; that is done with the CLI, on the store file: <code>unitcost statement --period {period} --by {by} --mode chargeback</code> (see docs/statements.md).
      </p>
    </div>
  );
}

/** The FOCUS file of the statement's period, as CSV or Parquet, for the finance team's tools. */
function FocusDownload({ from, to, period }: { from: string; to: string; period: string }) {
  const [format, setFormat] = useState<'csv' | 'parquet'>('csv');
  const parameters = { from, to, format };
  return (
    <div class="card spaced-card" data-testid="focus-export">
      <h2>FOCUS file</h2>
      <p class="note">
        The calls of {period} in the FinOps Foundation's billing format (FOCUS 1.2): one row per day, model, token class and tag set, costs after your discounts and list costs before them, for the tools that read
        the cloud bill. The same file as <code>unitcost export focus --from {from} --to {to}</code>.
      </p>
      <p class="incident-actions">
        <select name="focus-format" value={format} aria-label="FOCUS file format" onChange={(event) => setFormat((event.target as HTMLSelectElement).value as 'csv' | 'parquet')}>
          <option value="csv">CSV</option>
          <option value="parquet">Parquet</option>
        </select>
        <a href={`/v1/export/focus${queryString(parameters)}`} download data-testid="focus-download" onClick={(event) => openFile(event, '/v1/export/focus', parameters, true)}>
          Download FOCUS file
        </a>
      </p>
    </div>
  );
}

/**
 * A plain link works while the server needs no key; with a key, the click fetches the file with it and hands
 * the browser the body instead (a save for a download, a new tab for the printable page).
 */
function openFile(event: MouseEvent, path: string, parameters: Query, download: boolean): void {
  if (apiKey() === null) return;
  event.preventDefault();
  getFile(path, parameters).then(
    ({ blob, filename }) => {
      const url = URL.createObjectURL(blob);
      if (download) {
        const link = document.createElement('a');
        link.href = url;
        link.download = filename ?? 'download';
        link.click();
      } else {
        window.open(url, '_blank', 'noopener');
      }
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
    (error: unknown) => window.alert(error instanceof Error ? error.message : String(error)),
  );
}
