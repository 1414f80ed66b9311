import { useState } from 'preact/hooks';
import { ApiError, postJson } from '../api.js';
import { ApiProblem } from '../components/api-problem.js';
import { percent } from '../format.js';
import { setQuery } from '../location.js';

interface Lever {
  name: string;
  label: string;
  hint: string;
  min: number;
  max: number;
  step: number;
  format: (value: number) => string;
}

// The levers the simulator (issue 4) will take; their values live in the URL like every filter.
const levers: Lever[] = [
  { name: 'route_to_budget', label: 'Route calls to a budget model', hint: 'share of calls moved off frontier models', min: 0, max: 1, step: 0.05, format: (value) => percent(value, 0) },
  { name: 'prompt_cache_hit_rate', label: 'Prompt-cache hit rate', hint: 'share of input tokens read from cache', min: 0, max: 1, step: 0.05, format: (value) => percent(value, 0) },
  { name: 'response_cache_hit_rate', label: 'Response-cache hit rate', hint: 'share of calls answered from a semantic cache', min: 0, max: 1, step: 0.05, format: (value) => percent(value, 0) },
  { name: 'output_cap', label: 'Cap output tokens', hint: 'max tokens per call (0: no cap)', min: 0, max: 4000, step: 100, format: (value) => (value === 0 ? 'no cap' : `${value} tokens`) },
  { name: 'price_change', label: 'Price change', hint: 'negotiated discount or a price rise', min: -0.5, max: 0.5, step: 0.05, format: (value) => `${value > 0 ? '+' : ''}${percent(value, 0)}` },
];

/** The what-if page: levers as sliders, posted to /v1/simulate for the baseline against the scenario. */
export function WhatIfPage({ query }: { query: URLSearchParams }) {
  const values = Object.fromEntries(levers.map((lever) => [lever.name, Number(query.get(lever.name) ?? (lever.name === 'output_cap' ? 0 : lever.min < 0 ? 0 : lever.min))]));
  const feature = query.get('feature') ?? '';
  const [result, setResult] = useState<{ error: unknown; data: unknown } | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    setBusy(true);
    try {
      setResult({ error: null, data: await postJson('/v1/simulate', { feature: feature || undefined, levers: values }) });
    } catch (error) {
      setResult({ error, data: null });
    } finally {
      setBusy(false);
    }
  };
  const notBuilt = result?.error instanceof ApiError && result.error.status === 501;
  return (
    <section>
      <h1>What-if</h1>
      <p class="lede">Move a lever to see what it would do to cost and margin, per feature, against this period's baseline.</p>
      <div class="estimate-grid">
        <form
          class="card form"
          onSubmit={(event) => {
            event.preventDefault();
            void run();
          }}
        >
          <label>
            <span>Feature</span>
            <input name="feature" value={feature} placeholder="all features" onChange={(event) => setQuery({ feature: (event.target as HTMLInputElement).value }, true)} />
            <small>leave empty for the whole product</small>
          </label>
          {levers.map((lever) => (
            <label key={lever.name}>
              <span>{lever.label}</span>
              <span class="slider">
                <input type="range" name={lever.name} min={lever.min} max={lever.max} step={lever.step} value={values[lever.name]} onInput={(event) => setQuery({ [lever.name]: (event.target as HTMLInputElement).value }, true)} />
                <output>{lever.format(values[lever.name]!)}</output>
              </span>
              <small>{lever.hint}</small>
            </label>
          ))}
          <button type="submit" disabled={busy}>
            Simulate
          </button>
        </form>
        <div data-testid="what-if-result">
          {result === null && <p class="note">Set the levers and press Simulate.</p>}
          {notBuilt && (
            <p class="notice warning" data-testid="what-if-unavailable">
              The simulator is not available yet: the server answered “{(result!.error as ApiError).message}”. The levers above are kept in the page's address, ready for it.
            </p>
          )}
          {result?.error && !notBuilt ? <ApiProblem error={result.error} /> : null}
          {result?.data ? <pre class="note">{JSON.stringify(result.data, null, 2)}</pre> : null}
        </div>
      </div>
    </section>
  );
}
