import { useState } from 'preact/hooks';
import { deleteJson, getJson, postJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { count, usd } from '../format.js';
import { setQuery } from '../location.js';
import { useApi } from '../use-api.js';

/** The part of GET /v1/alerts/incidents this page shows (src/app/governance/alert-delivery-service.ts). */
interface IncidentsJson {
  incidents: IncidentJson[];
  mutes: MuteJson[];
  outbox: { pending: number; delivered: number; abandoned: number };
  last_evaluation: { at: string; fired: number; error: string | null } | null;
}

interface IncidentJson {
  id: string;
  status: 'open' | 'resolved';
  opened_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  evaluations: number;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  muted: boolean;
  alert: {
    rule: string;
    kind: string;
    severity: 'info' | 'warning' | 'critical';
    scope: Record<string, string>;
    grain: string;
    title: string;
    cause: { summary: string; contributions: Array<{ driver: string; delta_usd: number; before: number | null; after: number | null; detail: string | null }> } | null;
  };
}

interface MuteJson {
  id: string;
  rule: string | null;
  scope: Record<string, string> | null;
  until: string;
  reason: string | null;
  active: boolean;
}

const statuses = ['open', 'resolved', 'all'] as const;

// The drivers of a spend change, as a person says them.
const driverNames: Record<string, string> = {
  calls: 'traffic (calls)',
  input_tokens_per_call: 'input tokens per call',
  output_tokens_per_call: 'output tokens per call',
  model_mix: 'model mix (routing)',
  cache_hit_rate: 'cache hit rate',
  price: 'price',
  other: 'other',
};

const dayMs = 86_400_000;

/** The alerts page: incidents (an alert's episode, however many evaluations saw it) with their cause, to acknowledge or mute. */
export function AlertsPage({ query }: { query: URLSearchParams }) {
  const status = (statuses as readonly string[]).includes(query.get('status') ?? '') ? query.get('status')! : 'open';
  const [version, setVersion] = useState(0);
  const [actionError, setActionError] = useState<unknown>(null);
  const loaded = useApi(`${status} ${version}`, (signal) => getJson<IncidentsJson>('/v1/alerts/incidents', { status }, signal));
  const act = (work: () => Promise<unknown>) => {
    setActionError(null);
    work().then(
      () => setVersion((current) => current + 1),
      (error: unknown) => setActionError(error),
    );
  };
  const muteFor = (incident: IncidentJson, days: number) =>
    act(() => postJson('/v1/alerts/mutes', { rule: incident.alert.rule, scope: incident.alert.scope, until: new Date(Date.now() + days * dayMs).toISOString(), reason: `muted from the dashboard (incident ${incident.id})` }));

  return (
    <section>
      <h1>Alerts</h1>
      <p class="lede">Each incident is one episode of an alert: webhooks hear of it once when it opens and once when it resolves, however many evaluations see it. Acknowledge to say someone is on it; mute a rule on a scope to stop notifications for a while.</p>
      <div class="alert-tabs" role="tablist">
        {statuses.map((candidate) => (
          <button key={candidate} type="button" class={candidate === status ? 'active' : ''} onClick={() => setQuery({ status: candidate === 'open' ? undefined : candidate })}>
            {candidate}
          </button>
        ))}
      </div>
      {actionError !== null && <ApiProblem error={actionError} />}
      {loaded.error !== null && <ApiProblem error={loaded.error} />}
      {loaded.data && (
        <div class={loaded.loading ? 'loading' : ''}>
          {loaded.data.incidents.length === 0 ? (
            <p class="notice" data-testid="no-incidents">
              No {status === 'all' ? '' : `${status} `}incidents. Rules are evaluated after ingest pauses; see docs/alerts.md.
            </p>
          ) : (
            loaded.data.incidents.map((incident) => <IncidentCard key={incident.id} incident={incident} onAcknowledge={() => act(() => postJson(`/v1/alerts/incidents/${encodeURIComponent(incident.id)}/acknowledge`, {}))} onMute={(days) => muteFor(incident, days)} />)
          )}
          <h2 class="spaced">Mutes</h2>
          {loaded.data.mutes.length === 0 ? (
            <p class="note">None.</p>
          ) : (
            <table class="table" data-testid="mutes">
              <thead>
                <tr>
                  <th>rule</th>
                  <th>scope</th>
                  <th>until</th>
                  <th>reason</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {loaded.data.mutes.map((mute) => (
                  <tr key={mute.id} data-mute={mute.id} class={mute.active ? '' : 'below-target'}>
                    <td>{mute.rule ?? 'every rule'}</td>
                    <td>{mute.scope ? scopeText(mute.scope) : 'every scope'}</td>
                    <td>{mute.until.replace('T', ' ').slice(0, 16)} UTC{mute.active ? '' : ' (expired)'}</td>
                    <td>{mute.reason ?? ''}</td>
                    <td>
                      <button type="button" onClick={() => act(() => deleteJson(`/v1/alerts/mutes/${encodeURIComponent(mute.id)}`))}>
                        Unmute
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p class="note" data-testid="outbox">
            Webhook notifications: {count(loaded.data.outbox.delivered)} delivered, {count(loaded.data.outbox.pending)} waiting or retrying
            {loaded.data.outbox.abandoned > 0 ? `, ${count(loaded.data.outbox.abandoned)} given up after every retry` : ''}.
            {loaded.data.last_evaluation &&
              (loaded.data.last_evaluation.error === null
                ? ` Last evaluation ${loaded.data.last_evaluation.at.replace('T', ' ').slice(0, 16)} UTC: ${count(loaded.data.last_evaluation.fired)} alert${loaded.data.last_evaluation.fired === 1 ? '' : 's'} firing.`
                : ` The last evaluation failed: ${loaded.data.last_evaluation.error}`)}
          </p>
        </div>
      )}
    </section>
  );
}

function IncidentCard({ incident, onAcknowledge, onMute }: { incident: IncidentJson; onAcknowledge: () => void; onMute: (days: number) => void }) {
  const { alert } = incident;
  return (
    <article class={`card incident ${alert.severity}`} data-incident={incident.id} data-status={incident.status} data-acknowledged={incident.acknowledged_at === null ? 'no' : 'yes'}>
      <header class="incident-head">
        <span class={`badge severity-${alert.severity}`}>{alert.severity}</span>
        {incident.muted && <span class="badge soft">muted</span>}
        {incident.status === 'resolved' && <span class="badge resolved">resolved</span>}
        <strong class="incident-title">{alert.title}</strong>
      </header>
      <p class="note">
        {alert.rule} · {scopeText(alert.scope)} · per {alert.grain} · opened {incident.opened_at.replace('T', ' ').slice(0, 16)} UTC · seen by {incident.evaluations} evaluation{incident.evaluations === 1 ? '' : 's'}
        {incident.resolved_at ? ` · resolved ${incident.resolved_at.replace('T', ' ').slice(0, 16)} UTC` : ''}
        {incident.acknowledged_at ? ` · acknowledged by ${incident.acknowledged_by ?? 'someone'}` : ''}
      </p>
      {alert.cause && (
        <div class="incident-cause">
          <p class="cause-summary" data-testid="cause">
            {alert.cause.summary}
          </p>
          <table class="table compact" data-testid="contributions">
            <thead>
              <tr>
                <th>driver</th>
                <th class="number">before</th>
                <th class="number">after</th>
                <th class="number">explains</th>
              </tr>
            </thead>
            <tbody>
              {alert.cause.contributions.map((part) => (
                <tr key={part.driver} data-driver={part.driver}>
                  <td>
                    {driverNames[part.driver] ?? part.driver}
                    {part.detail ? ` (${part.detail})` : ''}
                  </td>
                  <td class="number">{part.before === null ? '' : count(part.before)}</td>
                  <td class="number">{part.after === null ? '' : count(part.after)}</td>
                  <td class="number">
                    {part.delta_usd >= 0 ? '+' : ''}
                    {usd(part.delta_usd)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {incident.status === 'open' && (
        <div class="incident-actions">
          <button type="button" disabled={incident.acknowledged_at !== null} onClick={onAcknowledge}>
            {incident.acknowledged_at === null ? 'Acknowledge' : 'Acknowledged'}
          </button>
          <button type="button" onClick={() => onMute(1)}>
            Mute this rule here for a day
          </button>
          <button type="button" onClick={() => onMute(7)}>
            …for a week
          </button>
        </div>
      )}
    </article>
  );
}

function scopeText(scope: Record<string, string>): string {
  const entries = Object.entries(scope);
  return entries.length === 0 ? 'all spend' : entries.map(([tag, value]) => `${tag}=${value}`).join(', ');
}
