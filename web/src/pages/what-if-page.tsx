import type { ChartConfiguration } from 'chart.js';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, getJson, postJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { Chart } from '../components/chart.js';
import { palette } from '../components/palette.js';
import { queryKey } from '../filters.js';
import { count, percent, usd } from '../format.js';
import { setQuery } from '../location.js';
import { keyOf, type ReportJson } from '../report-json.js';
import type { Comparison, SimulationJson } from '../simulation-json.js';
import { useApi } from '../use-api.js';
import { whatIfDefaults, whatIfInputsOf, whatIfProblem, whatIfRequest, type WhatIfInputs } from '../what-if-scenario.js';

interface Slider {
  name: keyof WhatIfInputs;
  label: string;
  hint: string;
  min: number;
  max: number;
  step: number;
  format: (value: number) => string;
}

interface LeverGroup {
  title: string;
  sliders: Slider[];
  /** A text field beside the sliders (the route's target model). */
  text?: { name: keyof WhatIfInputs; label: string; hint: string };
}

const share = (value: number): string => percent(value, 0);
const tokens = (value: number): string => `${count(Math.round(value))} tokens`;

// The levers of docs/simulate.md the page offers; the others (fine-tuning, self-hosting, plans…) need a scenario file.
const groups: LeverGroup[] = [
  {
    title: 'Route to another model',
    text: { name: 'route_to', label: 'Target model', hint: 'catalog id, e.g. openai/gpt-4o-mini' },
    sliders: [{ name: 'route_share', label: 'Share of calls routed', hint: 'chosen call by call, the same calls on every run', min: 0, max: 1, step: 0.05, format: share }],
  },
  {
    title: 'Prompt caching',
    sliders: [
      { name: 'cache_prefix', label: 'Cacheable prefix', hint: 'uncached input tokens a call could read from the cache', min: 0, max: 20_000, step: 250, format: (value) => (value === 0 ? 'off' : tokens(value)) },
      { name: 'cache_hit_rate', label: 'Prompt-cache hit rate', hint: 'share of calls that find the prefix cached', min: 0, max: 1, step: 0.05, format: share },
    ],
  },
  {
    title: 'Response cache',
    sliders: [{ name: 'response_cache_hit_rate', label: 'Response-cache hit rate', hint: 'share of calls answered from a semantic cache', min: 0, max: 0.9, step: 0.05, format: (value) => (value === 0 ? 'off' : share(value)) }],
  },
  {
    title: 'Output cap',
    sliders: [{ name: 'output_cap', label: 'Max output tokens per call', hint: 'longer answers are cut (0: no cap)', min: 0, max: 4_000, step: 50, format: (value) => (value === 0 ? 'no cap' : tokens(value)) }],
  },
  {
    title: 'Prompt trimming',
    sliders: [{ name: 'trim_share', label: 'Share of uncached input trimmed', hint: 'history or context cut from each prompt', min: 0, max: 0.9, step: 0.05, format: (value) => (value === 0 ? 'off' : share(value)) }],
  },
  {
    title: 'Batch API',
    sliders: [
      { name: 'batch_discount', label: 'Batch discount', hint: 'answers arrive within 24 hours, not at once: only for features that can wait', min: 0, max: 0.9, step: 0.05, format: (value) => (value === 0 ? 'off' : `${share(value)} off`) },
    ],
  },
];

/** The what-if page: levers as sliders and fields, kept in the address; the stored calls replayed under them by POST /v1/simulate. */
export function WhatIfPage({ query }: { query: URLSearchParams }) {
  const inputs = whatIfInputsOf(query);
  const [typed, setTyped] = useState<WhatIfInputs>(inputs);
  // The fields follow the hand at once; the address (and the simulation) a moment later.
  useEffect(() => {
    const timer = setTimeout(() => {
      const changes: Record<string, string> = {};
      for (const [name, value] of Object.entries(typed)) changes[name] = value === whatIfDefaults[name as keyof WhatIfInputs] ? '' : String(value);
      setQuery(changes, true);
    }, 300);
    return () => clearTimeout(timer);
  }, [JSON.stringify(typed)]);

  const request = whatIfRequest(inputs, { from: query.get('from'), to: query.get('to') });
  const simulation = useApi(JSON.stringify(request), (signal) => postJson<SimulationJson>('/v1/simulate', request, signal));
  const features = useApi(queryKey('/v1/report', { by: 'feature' }), (signal) => getJson<ReportJson>('/v1/report', { by: 'feature' }, signal, 'later'));
  // The catalog (GET /v1/models) completes the model fields: the route's target is named as provider/model.
  const models = useApi(queryKey('/v1/models', {}), (signal) => getJson<{ models: Array<{ provider: string; model: string; priced?: boolean }> }>('/v1/models', {}, signal, 'later'));
  const result = simulation.data;
  const chart = useMemo(() => (result ? featureChart(result) : null), [result]);
  const set = (name: keyof WhatIfInputs, value: string | number): void => setTyped({ ...typed, [name]: value });

  return (
    <section>
      <h1>What-if</h1>
      <p class="lede">Move a lever to replay the stored calls under it, call by call: what each feature would have cost, against what it did cost.</p>
      <div class="estimate-grid">
        <form class="card form" onSubmit={(event) => event.preventDefault()} data-testid="what-if-levers">
          <label>
            <span>Feature</span>
            <select name="feature" value={typed.feature} onChange={(event) => set('feature', (event.target as HTMLSelectElement).value)}>
              <option value="">every feature</option>
              {(features.data?.rows ?? [])
                .map((row) => keyOf(row, 'feature'))
                .filter((feature) => feature !== '(none)')
                .map((feature) => (
                  <option key={feature} value={feature}>
                    {feature}
                  </option>
                ))}
            </select>
            <small>the levers apply to this feature only, or to all</small>
          </label>
          {groups.map((group) => (
            <fieldset key={group.title} class="lever">
              <legend>{group.title}</legend>
              {group.text && (
                <label>
                  <span>{group.text.label}</span>
                  <input name={group.text.name} list="what-if-models" value={String(typed[group.text.name])} placeholder={group.text.hint} onInput={(event) => set(group.text!.name, (event.target as HTMLInputElement).value)} />
                </label>
              )}
              {group.sliders.map((slider) => {
                const value = Number(typed[slider.name]);
                return (
                  <label key={slider.name}>
                    <span>{slider.label}</span>
                    <span class="slider">
                      <input type="range" name={slider.name} min={slider.min} max={slider.max} step={slider.step} value={value} onInput={(event) => set(slider.name, Number((event.target as HTMLInputElement).value))} />
                      <input
                        type="number"
                        class="slider-number"
                        name={`${slider.name}_value`}
                        aria-label={slider.label}
                        min={slider.min}
                        max={slider.max}
                        step={slider.step}
                        value={value}
                        onInput={(event) => {
                          const typedValue = Number((event.target as HTMLInputElement).value);
                          if (Number.isFinite(typedValue)) set(slider.name, typedValue);
                        }}
                      />
                    </span>
                    <small>
                      {slider.format(value)} · {slider.hint}
                    </small>
                  </label>
                );
              })}
            </fieldset>
          ))}
          <datalist id="what-if-models">
            {(models.data?.models ?? []).filter((model) => model.priced !== false).map((model) => (
              <option key={`${model.provider}/${model.model}`} value={`${model.provider}/${model.model}`} />
            ))}
          </datalist>
          <button type="button" onClick={() => setTyped({ ...whatIfDefaults })}>
            Reset levers
          </button>
        </form>
        <div data-testid="what-if-result" class={simulation.loading ? 'loading' : ''} aria-busy={simulation.loading}>
          {simulation.error instanceof ApiError && simulation.error.status !== 401 && simulation.error.status !== 403 ? (
            <p class="notice error" data-testid="what-if-problem">
              {whatIfProblem(simulation.error)}
            </p>
          ) : simulation.error ? (
            <ApiProblem error={simulation.error} />
          ) : null}
          {result && !simulation.error && <SimulationView result={result} chart={chart} />}
        </div>
      </div>
    </section>
  );
}

function SimulationView({ result, chart }: { result: SimulationJson; chart: ChartConfiguration | null }) {
  const total = result.total;
  const features = [...result.features].sort((a, b) => (b.baseline.cost_usd ?? 0) - (a.baseline.cost_usd ?? 0));
  const delayed = result.levers.reduce((sum, lever) => sum + lever.risk.calls_delayed, 0);
  return (
    <>
      <p class="note">
        Replaying {count(total.baseline.calls)} stored calls from {result.window.from} to {lastDay(result.window.to)} ({result.window.days} days);{' '}
        {result.levers.length === 0 ? 'no lever is set: the scenario is the baseline.' : `${count(total.calls_touched)} calls changed.`}
      </p>
      <div class="cards" data-testid="what-if-total" data-baseline-cost={total.baseline.cost_usd ?? ''} data-scenario-cost={total.scenario.cost_usd ?? ''} data-savings-month={total.savings_usd_per_month}>
        <Figure label="cost, recorded" value={usd(total.baseline.cost_usd)} />
        <Figure label="cost, scenario" value={usd(total.scenario.cost_usd)} detail={change(total)} state={total.savings_usd > 0 ? 'ok' : total.savings_usd < 0 ? 'breach' : ''} />
        <Figure label="saved per month" value={usd(total.savings_usd_per_month)} detail={`a month of ${result.month_days} days`} />
        <Figure label="inference margin" value={percent(total.scenario.inference_margin)} detail={`was ${percent(total.baseline.inference_margin)}`} />
        <Figure label="users served at a loss" value={`${count(total.users_at_loss_after)}`} detail={`was ${count(total.users_at_loss_before)}`} />
      </div>
      {chart && (
        <div class="card chart-card">
          <h2>Cost per feature: recorded against scenario</h2>
          <Chart config={chart} label="Cost per feature, recorded against scenario" height={Math.max(180, 48 * features.length + 60)} />
        </div>
      )}
      <table class="table" data-testid="what-if-features">
        <thead>
          <tr>
            <th>feature</th>
            <th class="number">cost, recorded</th>
            <th class="number">cost, scenario</th>
            <th class="number">change</th>
            <th class="number">per successful task</th>
            <th class="number">margin</th>
            <th class="number">calls changed</th>
          </tr>
        </thead>
        <tbody>
          {features.map((row) => (
            <tr key={row.feature ?? '(none)'} data-feature={row.feature ?? '(none)'} data-baseline-cost={row.baseline.cost_usd ?? ''} data-scenario-cost={row.scenario.cost_usd ?? ''}>
              <td>{row.feature ?? '(none)'}</td>
              <td class="number">{usd(row.baseline.cost_usd)}</td>
              <td class="number">{usd(row.scenario.cost_usd)}</td>
              <td class="number">{change(row)}</td>
              <td class="number">
                {usd(row.baseline.cost_per_successful_task_usd)} → {usd(row.scenario.cost_per_successful_task_usd)}
              </td>
              <td class="number">
                {percent(row.baseline.inference_margin)} → {percent(row.scenario.inference_margin)}
              </td>
              <td class="number">{count(row.calls_touched)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.levers.length > 0 && (
        <>
          <h2 class="spaced">What each lever did</h2>
          <table class="table" data-testid="what-if-lever-outcomes">
            <thead>
              <tr>
                <th>lever</th>
                <th class="number">calls changed</th>
                <th>at risk</th>
              </tr>
            </thead>
            <tbody>
              {result.levers.map((lever) => (
                <tr key={lever.index} data-kind={lever.kind} data-calls-delayed={lever.risk.calls_delayed}>
                  <td>{lever.label}</td>
                  <td class="number">{count(lever.calls_touched)}</td>
                  <td>{riskText(lever.risk) || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {delayed > 0 && (
        <p class="notice warning" data-testid="what-if-delayed" data-calls-delayed={delayed}>
          The batch discount delays {count(delayed)} calls: their answers arrive within 24 hours, not at once. Count it only for features whose users can wait (reports, summaries, evaluations), never
          for chat or agents; on a feature that must answer at once, the saving is not available.
        </p>
      )}
      {readerNotes(result).map((note) => (
        <p class="notice warning" key={note}>
          {note}
        </p>
      ))}
    </>
  );
}

function Figure({ label, value, detail, state = '' }: { label: string; value: string; detail?: string; state?: string }) {
  return (
    <div class={`card kpi ${state}`}>
      <span class="kpi-label">{label}</span>
      <strong>{value}</strong>
      {detail && <span class="kpi-rule">{detail}</span>}
    </div>
  );
}

// Savings are shown as the change in cost: a scenario that costs less reads as a negative change.
function change(comparison: Comparison): string {
  const delta = comparison.delta.cost_usd;
  if (delta === null) return '—';
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '';
  const share = comparison.savings_percent === null ? '' : ` (${sign}${percent(Math.abs(comparison.savings_percent))})`;
  return `${sign}${usd(Math.abs(delta))}${share}`;
}

function riskText(risk: SimulationJson['levers'][number]['risk']): string {
  const parts: string[] = [];
  if (risk.calls_truncated > 0) parts.push(`${count(risk.calls_truncated)} answers cut short`);
  if (risk.calls_to_weaker_model > 0) parts.push(`${count(risk.calls_to_weaker_model)} calls on a weaker model`);
  if (risk.answers_from_cache > 0) parts.push(`${count(risk.answers_from_cache)} answers from cache`);
  if (risk.calls_escalated > 0) parts.push(`${count(risk.calls_escalated)} calls paid twice`);
  if (risk.sessions_cut > 0) parts.push(`${count(risk.sessions_cut)} sessions cut`);
  if (risk.calls_delayed > 0) parts.push(`${count(risk.calls_delayed)} calls delayed up to 24 h (batch API)`);
  return parts.join(', ');
}

// What the reader should know about the figures, said from the result itself: the simulator's own notes
// are written for the CLI and the JSON's readers (field names, commands), not for this page.
function readerNotes(result: SimulationJson): string[] {
  const notes: string[] = [];
  const unpriced = result.total.baseline.unpriced_calls;
  if (unpriced > 0) notes.push(`${count(unpriced)} calls are of models with no price: they count in neither cost. Add their prices to the config to include them.`);
  if (result.total.baseline.revenue_usd === null) notes.push('No revenue is recorded (no plans configured, no revenue records): margins and users served at a loss cannot be shown.');
  return notes;
}

function lastDay(exclusiveTo: string): string {
  return new Date(Date.parse(`${exclusiveTo}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function featureChart(result: SimulationJson): ChartConfiguration {
  const rows = [...result.features].sort((a, b) => (b.baseline.cost_usd ?? 0) - (a.baseline.cost_usd ?? 0));
  return {
    type: 'bar',
    data: {
      labels: rows.map((row) => row.feature ?? '(none)'),
      datasets: [
        { label: 'recorded', data: rows.map((row) => row.baseline.cost_usd), backgroundColor: '#94a3b8' },
        { label: 'scenario', data: rows.map((row) => row.scenario.cost_usd), backgroundColor: palette[0] },
      ],
    },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { callback: (value) => usd(Number(value)) } } } },
  };
}
