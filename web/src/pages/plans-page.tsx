import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { queryKey } from '../filters.js';
import { count, percent, usd } from '../format.js';
import { setQuery } from '../location.js';
import { useApi } from '../use-api.js';

/** The part of `unitcost plans --json` (GET /v1/plans) this page shows. */
interface Candidate {
  price_usd: number;
  allowance_unit: 'calls' | 'tasks' | 'usd';
  allowance: number;
  overage_usd_per_unit: number;
  revenue_usd: number;
  overage_revenue_usd: number;
  cost_usd: number;
  margin: number | null;
  meets_target: boolean;
  users_paying_overage: number;
  overage_share: number;
  users_subsidized: number;
  subsidized_today_still: number;
  recommended: boolean;
}

interface SubsidizedUser {
  user_tier: string;
  user_id: string;
  calls: number;
  tasks: number;
  cost_usd: number;
  revenue_usd: number;
  loss_usd: number;
  revenue_with_plan_usd: number | null;
  at_loss_with_plan: boolean | null;
}

interface Tier {
  user_tier: string;
  users: number;
  cost_usd: number;
  unit_cost_usd: number;
  current: { plan: { seat_price_usd_per_month: number } | null; revenue_usd: number; cost_usd: number; margin: number | null; meets_target: boolean; users_subsidized: number };
  candidates: Candidate[];
  recommended: Candidate | null;
  explanation: string;
  models: { options: Array<{ model: string | null; model_tier: string; cost_usd: number; margin_today: number | null; margin_with_plan: number | null; cheapest_price_usd: number | null; suggested: boolean }>; suggestion: string } | null;
  subsidized: SubsidizedUser[];
}

interface Plans {
  window: { from: string; to: string; days: number; month: string | null; scaled_to_month: boolean };
  constraints: { target_margin: number; price_points_usd: number[]; max_overage_share: number; allowance_unit: string };
  tiers: Tier[];
  notes: string[];
}

// The query parameters of GET /v1/plans, which are the flags of `unitcost plans`: the address is the command line.
const fields = [
  { name: 'target_margin', label: 'Target margin', hint: '0.7 for 70%' },
  { name: 'price_points', label: 'Price points ($/month)', hint: 'e.g. 9,19,29,49,99' },
  { name: 'max_overage_share', label: 'Max share on overage', hint: '0.2: a fifth of users' },
  { name: 'month', label: 'Month', hint: 'YYYY-MM; empty: last 30 days' },
] as const;

// The last day of a window given as [from, to).
const dayBefore = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

const unitLabel = { calls: 'call', tasks: 'task', usd: '$1 of inference' } as const;

const allowanceText = (candidate: Pick<Candidate, 'allowance' | 'allowance_unit'>): string =>
  candidate.allowance_unit === 'usd' ? `${usd(candidate.allowance)} of inference` : `${count(candidate.allowance)} ${candidate.allowance_unit}`;

// A field is quoted when it holds a comma, quote or line break, and a leading =, +, - or @ is defused for spreadsheets (as the CLI's CSV).
function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvColumns = ['user_tier', 'user_id', 'calls', 'tasks', 'cost_usd', 'revenue_usd', 'loss_usd', 'revenue_with_plan_usd', 'at_loss_with_plan'] as const;

function subsidizedCsv(users: SubsidizedUser[]): string {
  return `${[csvColumns.join(','), ...users.map((user) => csvColumns.map((column) => csvField(user[column])).join(','))].join('\n')}\n`;
}

/** Pricing from recorded usage over GET /v1/plans: per tier, today's plan against the candidates, and who is subsidized. */
export function PlansPage({ query }: { query: URLSearchParams }) {
  const values: Record<string, string> = { allowance: query.get('allowance') ?? '', tier: query.get('tier') ?? '' };
  for (const field of fields) values[field.name] = query.get(field.name) ?? '';
  const [typed, setTyped] = useState(values);
  // Typing updates the fields at once and the address (and the plans) a moment later.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(typed, true), 400);
    return () => clearTimeout(timer);
  }, [JSON.stringify(typed)]);
  const request: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (value.trim() !== '') request[name] = value.trim();
  const plans = useApi(queryKey('/v1/plans', request), (signal) => getJson<Plans>('/v1/plans', request, signal));
  const result = plans.data;
  return (
    <section class="plans">
      <h1>Plans</h1>
      <p class="lede">
        What each tier should cost, with what allowance and overage, to reach a target gross margin, from what its users used. The cheapest price point that reaches the margin is
        recommended.
      </p>
      <form class="card form plans-form" onSubmit={(event) => event.preventDefault()}>
        {fields.map((field) => (
          <label key={field.name}>
            <span>{field.label}</span>
            <input name={field.name} value={typed[field.name]} placeholder={field.hint} onInput={(event) => setTyped({ ...typed, [field.name]: (event.target as HTMLInputElement).value })} />
          </label>
        ))}
        <label>
          <span>Allowance counts</span>
          <select name="allowance" value={typed.allowance} onChange={(event) => setTyped({ ...typed, allowance: (event.target as HTMLSelectElement).value })}>
            <option value="">calls</option>
            <option value="tasks">tasks</option>
            <option value="usd">$ of inference</option>
          </select>
        </label>
      </form>
      <div aria-busy={plans.loading}>
        {plans.error ? <ApiProblem error={plans.error} /> : null}
        {plans.loading && !result ? <p class="note">Designing plans from the recorded usage…</p> : null}
        {result && !plans.error && (
          <>
            <p class="note">
              From {result.window.month ?? `${result.window.from} through ${dayBefore(result.window.to)}${result.window.scaled_to_month ? `, ${result.window.days} days scaled to a month` : ''}`}: target margin{' '}
              {percent(result.constraints.target_margin)}, at most {percent(result.constraints.max_overage_share)} of users on overage.
            </p>
            {result.tiers.map((tier) => (
              <TierPlans key={tier.user_tier} tier={tier} />
            ))}
            {result.notes.map((note) => (
              <p class="note" key={note}>
                {note}
              </p>
            ))}
          </>
        )}
      </div>
    </section>
  );
}

function TierPlans({ tier }: { tier: Tier }) {
  const first = tier.candidates[0];
  const [href, setHref] = useState<string | null>(null);
  // The CSV is made here from the JSON already loaded; the link is released when the tier changes.
  useEffect(() => {
    if (tier.subsidized.length === 0) return undefined;
    const url = URL.createObjectURL(new Blob([subsidizedCsv(tier.subsidized)], { type: 'text/csv' }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [tier]);
  return (
    <article class="card plans-tier" data-testid={`plans-tier-${tier.user_tier}`}>
      <h2>
        {tier.user_tier} <small>{count(tier.users)} users · inference {usd(tier.cost_usd)}/month</small>
      </h2>
      <p
        class={`notice ${tier.recommended ? '' : 'warning'}`}
        data-testid="plans-recommendation"
        data-price={tier.recommended ? String(tier.recommended.price_usd) : ''}
        data-allowance={tier.recommended ? String(tier.recommended.allowance) : ''}
        data-overage={tier.recommended ? String(tier.recommended.overage_usd_per_unit) : ''}
      >
        {tier.recommended ? (
          <>
            <strong>
              {usd(tier.recommended.price_usd)}/month with {allowanceText(tier.recommended)}, then {usd(tier.recommended.overage_usd_per_unit)} per {unitLabel[tier.recommended.allowance_unit]}
            </strong>
            : margin {percent(tier.current.margin)} today → {percent(tier.recommended.margin)}. {tier.explanation}.
          </>
        ) : (
          tier.explanation
        )}
      </p>
      {first && (
        <p class="note">
          Allowance {allowanceText(first)} (at most the share on overage above it); overage {usd(first.overage_usd_per_unit)} per {unitLabel[first.allowance_unit]}, priced so each unit beyond
          the allowance carries the target margin.
        </p>
      )}
      <table class="table" data-testid="plans-candidates">
        <thead>
          <tr>
            <th>plan</th>
            <th class="number">overage / month</th>
            <th class="number">revenue / month</th>
            <th class="number">cost / month</th>
            <th class="number">margin</th>
            <th class="number">users on overage</th>
            <th class="number">served at a loss</th>
          </tr>
        </thead>
        <tbody>
          <tr class="today">
            <td>today{tier.current.plan ? ` (${usd(tier.current.plan.seat_price_usd_per_month)} seat)` : ' (revenue records)'}</td>
            <td class="number" />
            <td class="number">{usd(tier.current.revenue_usd)}</td>
            <td class="number">{usd(tier.current.cost_usd)}</td>
            <td class="number">{percent(tier.current.margin)}</td>
            <td class="number" />
            <td class="number">{count(tier.current.users_subsidized)}</td>
          </tr>
          {tier.candidates.map((candidate) => (
            <tr key={candidate.price_usd} class={candidate.recommended ? 'recommended' : candidate.meets_target ? '' : 'below-target'} data-price={String(candidate.price_usd)}>
              <td>
                {usd(candidate.price_usd)}
                {candidate.recommended ? ' ✓ recommended' : ''}
              </td>
              <td class="number">{usd(candidate.overage_revenue_usd)}</td>
              <td class="number">{usd(candidate.revenue_usd)}</td>
              <td class="number">{usd(candidate.cost_usd)}</td>
              <td class="number">{percent(candidate.margin)}</td>
              <td class="number">
                {count(candidate.users_paying_overage)} ({percent(candidate.overage_share)})
              </td>
              <td class="number">{count(candidate.users_subsidized)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tier.models && (
        <>
          <table class="table" data-testid="plans-models">
            <thead>
              <tr>
                <th>models</th>
                <th>tier</th>
                <th class="number">cost / month</th>
                <th class="number">margin today</th>
                <th class="number">with the plan</th>
                <th class="number">cheapest price</th>
              </tr>
            </thead>
            <tbody>
              {tier.models.options.map((option) => (
                <tr key={option.model ?? 'recorded'} class={option.suggested ? 'recommended' : ''}>
                  <td>
                    {option.model ?? 'as recorded'}
                    {option.suggested ? ' ✓' : ''}
                  </td>
                  <td>{option.model_tier}</td>
                  <td class="number">{usd(option.cost_usd)}</td>
                  <td class="number">{percent(option.margin_today)}</td>
                  <td class="number">{percent(option.margin_with_plan)}</td>
                  <td class="number">{usd(option.cheapest_price_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="note">{tier.models.suggestion}.</p>
        </>
      )}
      {tier.subsidized.length > 0 && (
        <details>
          <summary>
            {count(tier.subsidized.length)} {tier.subsidized.length === 1 ? 'user' : 'users'} served at a loss today
            {tier.recommended ? `; ${count(tier.recommended.subsidized_today_still)} still with the recommended plan` : ''}
            {href && (
              <>
                {' · '}
                <a href={href} download={`subsidized-${tier.user_tier}.csv`}>
                  download CSV
                </a>
              </>
            )}
          </summary>
          <table class="table">
            <thead>
              <tr>
                <th>user</th>
                <th class="number">calls</th>
                <th class="number">cost</th>
                <th class="number">pays today</th>
                <th class="number">loss</th>
                <th class="number">with the plan</th>
              </tr>
            </thead>
            <tbody>
              {tier.subsidized.slice(0, 50).map((user) => (
                <tr key={user.user_id}>
                  <td>{user.user_id}</td>
                  <td class="number">{count(user.calls)}</td>
                  <td class="number">{usd(user.cost_usd)}</td>
                  <td class="number">{usd(user.revenue_usd)}</td>
                  <td class="number">{usd(user.loss_usd)}</td>
                  <td class="number">{user.revenue_with_plan_usd === null ? '—' : `${usd(user.revenue_with_plan_usd)}${user.at_loss_with_plan ? ' (still at a loss)' : ''}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </article>
  );
}
